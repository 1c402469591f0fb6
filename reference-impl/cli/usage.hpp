// SPDX-License-Identifier: GPL-2.0-or-later
// The toolkit's one exit-status scheme and its usage errors, for every
// program: a user scripting several tools reads one meaning per status, and
// every refusal of the command line names the option that caused it.
#pragma once

#include <string_view>

#include <glib.h>

namespace imup::cli {

// 0: done, nothing found. 1: findings (violations, failed checks) or a
// failure while working. 2: usage or input errors, found before any work.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

// Prints "PROGRAM: MESSAGE (try PROGRAM --help)" on standard error and
// returns kExitUsage.
int usage_error(std::string_view program, std::string_view message);

// GOption's parse error as a usage error; frees ERROR.
int option_error(std::string_view program, GError* error);

// "PROGRAM: --OPTION VALUE is out of range: RANGE (try PROGRAM --help)";
// returns kExitUsage. VALUE is printed as given (%g for a double).
int out_of_range(std::string_view program, std::string_view option, double value, std::string_view range);

}  // namespace imup::cli
