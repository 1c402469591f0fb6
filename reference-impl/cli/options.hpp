// SPDX-License-Identifier: GPL-2.0-or-later
// The command-line setup every program repeated: a GOption context with the
// program's summary and description, its options in the main group (so
// --help lists them with --version), the parse, and a refusal in the one
// usage-error form (cli/usage.hpp). A program states its exit statuses with
// exit_status_help(), so every --help says them the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <glib.h>

namespace imup::cli {

struct CommandLineHelp {
  const char* program;             // "imup-inject": --version and every refusal name it
  const char* parameters = "";     // after "Usage: PROGRAM [OPTION...]"
  std::string summary;             // above the options
  std::string description;         // below them, after a note on short options: examples, exit statuses
  bool takes_arguments = false;    // false: a word left after the options is refused
};

// Parses ARGV against ENTRIES (terminated by a null entry) and --version.
// USER_DATA is what option callbacks get. Returns nullopt when the program
// should run (ARGC/ARGV then hold the arguments left), else the status to
// exit with: kExitUsage after a message on standard error.
std::optional<int> parse_command_line(const CommandLineHelp& help, const GOptionEntry* entries,
                                      int& argc, char**& argv, gpointer user_data = nullptr);

// "Exit status:" and one line each for 0 (OK), 1 (FINDINGS) and 2 (USAGE):
// the toolkit's one scheme, each meaning in the program's words (what
// "done", "findings or failures" and "usage or input errors" are for it).
std::string exit_status_help(std::string_view ok, std::string_view findings, std::string_view usage);

}  // namespace imup::cli
