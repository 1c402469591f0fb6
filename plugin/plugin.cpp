// SPDX-License-Identifier: GPL-2.0-or-later
// The symbols Wireshark's plugin loader looks for. They need C linkage, and
// "extern" as well: a namespace-scope const object has internal linkage in C++,
// so without it the loader would find no plugin_version and skip the file.
//
// Two generations of the loader, checked against each version's headers and
// libwsutil: 4.0 and 4.2 read plugin_version, plugin_want_major/minor and call
// plugin_register; 4.4 and 4.6 do the same and also ask plugin_describe() what
// the plugin provides (imup-compat.h: IMUP_HAVE_PLUGIN_DESCRIBE).

#include <glib.h>
#include <epan/proto.h>
#include <ws_symbol_export.h>

#include "imup-compat.h"
#include "packet-imup.h"

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0.0.0"
#endif

extern "C" {
WS_DLL_PUBLIC_DEF extern const char plugin_version[];
WS_DLL_PUBLIC_DEF extern const int plugin_want_major;
WS_DLL_PUBLIC_DEF extern const int plugin_want_minor;
WS_DLL_PUBLIC void plugin_register(void);
#if IMUP_HAVE_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif
}

const char plugin_version[] = PLUGIN_VERSION;
const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

void plugin_register(void)
{
    static proto_plugin imup_plugin;
    imup_plugin.register_protoinfo = proto_register_imup;
    imup_plugin.register_handoff = proto_reg_handoff_imup;
    proto_register_plugin(&imup_plugin);
}

#if IMUP_HAVE_PLUGIN_DESCRIBE
// What `tshark -G plugins` and the About dialog list as the plugin's kind.
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
