// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/usage.hpp"

#include <cstdio>
#include <string>

namespace imup::cli {

int usage_error(std::string_view program, std::string_view message) {
  std::fprintf(stderr, "%.*s: %.*s (try %.*s --help)\n", int(program.size()), program.data(),
               int(message.size()), message.data(), int(program.size()), program.data());
  return kExitUsage;
}

int option_error(std::string_view program, GError* error) {
  std::string message = error != nullptr ? error->message : "bad command line";
  if (error != nullptr) g_error_free(error);
  return usage_error(program, message);
}

int out_of_range(std::string_view program, std::string_view option, double value, std::string_view range) {
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", value);
  std::string message = "--";
  message += option;
  message += ' ';
  message += number;
  message += " is out of range: ";
  message += range;
  return usage_error(program, message);
}

}  // namespace imup::cli
