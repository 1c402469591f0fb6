// SPDX-License-Identifier: GPL-2.0-or-later
// The symbols Wireshark's plugin loader looks for. They need C linkage, and
// "extern" as well: a namespace-scope const object has internal linkage in C++,
// so without it the loader would find no plugin_version and skip the file.
//
// Three generations of the loader: 4.0 reads plugin_version,
// plugin_want_major/minor and calls plugin_register; 4.2 also asks
// plugin_describe(); 4.4 and later call wireshark_load_module(), which the
// WIRESHARK_PLUGIN_REGISTER_EPAN macro defines.

#include <glib.h>
#include <epan/proto.h>
#include <ws_symbol_export.h>

#include "imup-compat.h"
#include "packet-imup.h"

#if IMUP_WS_AT_LEAST(4, 2)
#include <wsutil/plugins.h>
#endif

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0.0.0"
#endif

static void register_imup_plugin(void)
{
    static proto_plugin imup_plugin;
    imup_plugin.register_protoinfo = proto_register_imup;
    imup_plugin.register_handoff = proto_reg_handoff_imup;
    proto_register_plugin(&imup_plugin);
}

#ifdef WIRESHARK_PLUGIN_REGISTER

// Filled by assignment: C++ designated initializers would have to follow the
// struct's declaration order exactly, which this file cannot see on 4.0.
static struct ws_module describe_module(void)
{
    struct ws_module module = {};
    module.flags = WS_PLUGIN_DESC_DISSECTOR;
    module.version = PLUGIN_VERSION;
    module.spdx_id = "GPL-2.0-or-later";
    module.home_url = "";
    module.blurb = "Instant Messaging over UDP Protocol (IMUP) dissector";
    module.register_cb = &register_imup_plugin;
    return module;
}
static struct ws_module imup_module = describe_module();

extern "C" {
WIRESHARK_PLUGIN_REGISTER_EPAN(&imup_module, 0)
}

#else

extern "C" {
WS_DLL_PUBLIC_DEF extern const char plugin_version[];
WS_DLL_PUBLIC_DEF extern const int plugin_want_major;
WS_DLL_PUBLIC_DEF extern const int plugin_want_minor;
WS_DLL_PUBLIC void plugin_register(void);
#if IMUP_WS_AT_LEAST(4, 2)
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif
}

const char plugin_version[] = PLUGIN_VERSION;
const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

void plugin_register(void)
{
    register_imup_plugin();
}

#if IMUP_WS_AT_LEAST(4, 2)
// 4.2 asks each plugin what it provides, for `tshark -G plugins` and About.
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

#endif
