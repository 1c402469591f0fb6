// SPDX-License-Identifier: GPL-2.0-or-later
// Version guards: the one place that knows where Wireshark's plugin API changed
// between 4.0 (Debian 12, what we build against) and 4.2-4.6, so every other
// file is written once.
#pragma once

#include <ws_version.h>

#define IMUP_WS_AT_LEAST(major, minor)                                         \
    (WIRESHARK_VERSION_MAJOR > (major) ||                                      \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

// 4.2 moved heuristic dissectors and boolean preferences from gboolean to bool.
#if IMUP_WS_AT_LEAST(4, 2)
typedef bool imup_bool_t;
#define IMUP_TRUE true
#define IMUP_FALSE false
#else
typedef gboolean imup_bool_t;
#define IMUP_TRUE TRUE
#define IMUP_FALSE FALSE
#endif

// 4.6 gave val_to_str() a wmem scope as its first argument.
#if IMUP_WS_AT_LEAST(4, 6)
#define IMUP_VAL_TO_STR(scope, value, vs, fmt) val_to_str((scope), (value), (vs), (fmt))
#else
#define IMUP_VAL_TO_STR(scope, value, vs, fmt) val_to_str_wmem((scope), (value), (vs), (fmt))
#endif

// 4.2 moved format_text() to wsutil/str_util.h and made it take const char *.
#if IMUP_WS_AT_LEAST(4, 2)
#include <wsutil/str_util.h>
#define IMUP_FORMAT_TEXT(scope, str, len) format_text((scope), (str), (len))
#else
#include <epan/strutil.h>
#define IMUP_FORMAT_TEXT(scope, str, len) format_text((scope), reinterpret_cast<const guchar *>(str), (len))
#endif
