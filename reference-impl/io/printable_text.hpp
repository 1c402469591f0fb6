// SPDX-License-Identifier: GPL-2.0-or-later
// Text from the network shown on a terminal or written to a log. IMUP message
// texts may hold any UTF-8 but CR and LF (PROTOCOL.md §4.3), so a peer could
// send terminal escape sequences; names in refused Connexions are not even
// valid. Control characters are shown as escapes instead of being obeyed.
#pragma once

#include <string>
#include <string_view>

namespace imup::io {

// C0 controls, DEL and C1 controls (U+0080..U+009F) become "\xNN" or
// "\u00NN"; with keep_newlines, '\n' stays (for multi-line notices). Other
// bytes, invalid UTF-8 included, are copied as they are.
std::string printable(std::string_view text, bool keep_newlines = false);

}  // namespace imup::io
