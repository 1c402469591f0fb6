// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/version.hpp"

#include <cstdio>
#include <cstdlib>

// Set on this target alone (reference-impl/cli/CMakeLists.txt), so a new
// version recompiles one file, not every program.
#ifndef IMUP_VERSION
#error "IMUP_VERSION is set by reference-impl/cli/CMakeLists.txt"
#endif

namespace imup::cli {
namespace {

// GLib hands an option callback the option group's user data, which belongs
// to the program (its options struct); the name is kept here instead.
const char* version_program = "imup";

gboolean print_version(const gchar*, const gchar*, gpointer, GError**) {
  std::fputs(version_text(version_program).c_str(), stdout);
  std::fflush(stdout);
  std::exit(std::ferror(stdout) ? EXIT_FAILURE : EXIT_SUCCESS);
}

}  // namespace

std::string_view toolkit_version() { return IMUP_VERSION; }

std::string version_text(std::string_view program) {
  std::string text(program);
  text += " (IMUP toolkit) ";
  text += toolkit_version();
  // The year is the project's first; the holders are its contributors (git log).
  text +=
      "\nCopyright (C) 2026 the IMUP toolkit authors.\n"
      "License GPL-2.0-or-later: GNU GPL version 2 or later <https://gnu.org/licenses/gpl.html>.\n"
      "This is free software: you are free to change and redistribute it.\n"
      "There is NO WARRANTY, to the extent permitted by law.\n";
  return text;
}

void add_version_option(GOptionContext* context, const char* program) {
  version_program = program;
  // Long form only: -V is already imup-decode's --vectors.
  static const GOptionEntry entries[] = {
      {"version", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,
       reinterpret_cast<gpointer>(print_version), "Print the program's version and licence, and exit",
       nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  // Appended to the group the program's own options are in, so --help shows
  // it with them (another group would only show under --help-all).
  if (GOptionGroup* main_group = g_option_context_get_main_group(context))
    g_option_group_add_entries(main_group, entries);
  else
    g_option_context_add_main_entries(context, entries, nullptr);
}

}  // namespace imup::cli
