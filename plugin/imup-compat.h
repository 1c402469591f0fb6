// SPDX-License-Identifier: GPL-2.0-or-later
// Version guards: the one place that knows where Wireshark's plugin API changed
// between 4.0 (Debian 12) and 4.6 (Debian testing), so every other file is
// written once. Each guard was found by compiling the plugin against that
// version's own headers: 4.0.17, 4.4.19 and 4.6.9 from Debian's packages, 4.2.6
// syntax-only (scripts/check-plugin-headers.sh); see README.md.
#pragma once

#include <ws_version.h>

#define IMUP_WS_AT_LEAST(major, minor)                                         \
    (WIRESHARK_VERSION_MAJOR > (major) ||                                      \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

// 4.6 moved value_string.h (value_string, VALS(), val_to_str()) from epan/ to
// wsutil/; 4.0-4.4 have it only in epan/.
#if IMUP_WS_AT_LEAST(4, 6)
#include <wsutil/value_string.h>
#else
#include <epan/value_string.h>
#endif

// true_false_string and TFS() are in epan/tfs.h in every version; 4.6's
// epan/packet.h stopped including it, so it is included here for all.
#include <epan/tfs.h>

// 4.4 moved heuristic dissectors (heur_dissector_t), boolean preferences
// (prefs_register_bool_preference) and proto_tree_add_item_ret_boolean's
// result from gboolean to bool; 4.2 still has gboolean for all three.
#if IMUP_WS_AT_LEAST(4, 4)
typedef bool imup_bool_t;
#define IMUP_TRUE true
#define IMUP_FALSE false
#else
typedef gboolean imup_bool_t;
#define IMUP_TRUE TRUE
#define IMUP_FALSE FALSE
#endif

// 4.6 gave val_to_str() a wmem scope as its first argument and dropped
// val_to_str_wmem(); 4.0-4.4 have val_to_str_wmem(scope, ...).
#if IMUP_WS_AT_LEAST(4, 6)
#define IMUP_VAL_TO_STR(scope, value, vs, fmt) val_to_str((scope), (value), (vs), (fmt))
#else
#define IMUP_VAL_TO_STR(scope, value, vs, fmt) val_to_str_wmem((scope), (value), (vs), (fmt))
#endif

// 4.2 moved format_text() from epan/strutil.h to wsutil/str_util.h and made it
// take const char * (4.0: const guchar *).
#if IMUP_WS_AT_LEAST(4, 2)
#include <wsutil/str_util.h>
#define IMUP_FORMAT_TEXT(scope, str, len) format_text((scope), (str), (len))
#else
#include <epan/strutil.h>
#define IMUP_FORMAT_TEXT(scope, str, len) format_text((scope), reinterpret_cast<const guchar *>(str), (len))
#endif

// 4.4 added plugin_describe(), which the loader calls for `tshark -G plugins`
// and the About dialog, and the WS_PLUGIN_DESC_* flags it returns, in
// wsutil/plugins.h; 4.0 and 4.2 have neither (4.0 does not even install
// wsutil/plugins.h). Every version up to 4.6 loads plugins by plugin_version,
// plugin_want_major/minor and plugin_register.
#if IMUP_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h>
#define IMUP_HAVE_PLUGIN_DESCRIBE 1
#else
#define IMUP_HAVE_PLUGIN_DESCRIBE 0
#endif

// Follow streams (epan/follow.h, imup-follow.cpp). 4.2 gave
// register_follow_stream() two more callbacks, the number of streams (the
// GUI's stream spin box) and a sub-stream finder (HTTP/2, QUIC; NULL for
// none), and dropped follow_type_t, the fixed list of followers 4.0's GUI
// knows (4.2.2's, 4.4.19's and 4.6.9's follow.h are alike there). The
// callbacks' guint/gchar (4.0) and unsigned/char (4.2 on) are the same types;
// follow_record_t.is_server went from gboolean to bool.
#if IMUP_WS_AT_LEAST(4, 2)
#define IMUP_FOLLOW_HAS_STREAM_COUNT 1
#define IMUP_REGISTER_FOLLOW_STREAM(proto, tap, conv, index, addr, port, handler, count)                        \
    register_follow_stream((proto), (tap), (conv), (index), (addr), (port), (handler), (count), NULL)
#else
#define IMUP_FOLLOW_HAS_STREAM_COUNT 0
#define IMUP_REGISTER_FOLLOW_STREAM(proto, tap, conv, index, addr, port, handler, count)                        \
    register_follow_stream((proto), (tap), (conv), (index), (addr), (port), (handler))
#endif

// Conversation tables (epan/conversation_table.h, imup-conversations.cpp):
// register_conversation_table(), add_conversation_table_data() and
// add_endpoint_table_data() take the same arguments in 4.0, 4.4 and 4.6; only
// hide_ports and the endpoint's sender went from gboolean to bool, which
// TRUE/FALSE pass in every version, so no guard. The table's columns are
// Wireshark's own in all three (frames, bytes, start, duration; 4.4 adds
// TCP/UDP-only extensions): no room for a protocol's counts.
