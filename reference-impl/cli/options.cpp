// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/options.hpp"

#include "cli/usage.hpp"
#include "cli/version.hpp"

namespace imup::cli {

namespace {

// The toolkit's short options grew with each program and some letters mean
// different things in different programs; renaming them would break the
// scripts that use them, so every --help says which form to rely on.
constexpr const char* kShortOptionsNote =
    "A long option means the same in every program of the IMUP toolkit; a short\n"
    "one may not (-r: imup-inject --capture, imup-server --record, imup-craft\n"
    "--repeat; -s: --server, --set, --src, --strict; -l: --listen, imup-inject\n"
    "--loop): scripts are clearer with the long forms.\n\n";

}  // namespace

std::optional<int> parse_command_line(const CommandLineHelp& help, const GOptionEntry* entries,
                                      int& argc, char**& argv, gpointer user_data) {
  GOptionContext* context = g_option_context_new(help.parameters);
  if (!help.summary.empty()) g_option_context_set_summary(context, help.summary.c_str());
  std::string description = kShortOptionsNote + help.description;
  g_option_context_set_description(context, description.c_str());
  // A main group of the program's own, so option callbacks get USER_DATA.
  GOptionGroup* group = g_option_group_new(help.program, "", "", user_data, nullptr);
  g_option_group_add_entries(group, entries);
  g_option_context_set_main_group(context, group);
  add_version_option(context, help.program);
  GError* error = nullptr;
  bool parsed = g_option_context_parse(context, &argc, &argv, &error);
  g_option_context_free(context);
  if (!parsed) return option_error(help.program, error);
  if (!help.takes_arguments && argc > 1)
    return usage_error(help.program, std::string("unexpected argument '") + argv[1] + "'");
  return std::nullopt;
}

std::string exit_status_help(std::string_view ok, std::string_view findings, std::string_view usage) {
  std::string text = "Exit status:\n  0  ";
  text += ok;
  text += "\n  1  ";
  text += findings;
  text += "\n  2  ";
  text += usage;
  text += '\n';
  return text;
}

}  // namespace imup::cli
