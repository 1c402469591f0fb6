// SPDX-License-Identifier: GPL-2.0-or-later
// A string as a JSON string literal (quotes included): the programs that
// print JSON Lines (imup-verify --json, imup-conformance --json) escape
// their texts the one same way.
#pragma once

#include <string>
#include <string_view>

namespace imup::cli {

std::string json_string(std::string_view s);

}  // namespace imup::cli
