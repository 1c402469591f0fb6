// SPDX-License-Identifier: GPL-2.0-or-later
// --version for every program of the toolkit, in the GNU form that help2man
// (docs/man/) and packagers read: "PROGRAM (IMUP toolkit) VERSION", then the
// copyright and licence lines. VERSION is the project's CMake PROJECT_VERSION.
#pragma once

#include <string>
#include <string_view>

#include <glib.h>

namespace imup::cli {

// The project's version (PROJECT_VERSION of the top-level CMakeLists.txt).
std::string_view toolkit_version();

// What --version prints for PROGRAM, newline-terminated.
std::string version_text(std::string_view program);

// Adds --version to CONTEXT's main option group (created when the program has
// none yet), so `--help` lists it with the program's own options. Parsing
// --version prints version_text(PROGRAM) and exits with status 0 at once, as
// GLib does for --help: options after it are not read. PROGRAM must outlive
// the parse (a string literal).
void add_version_option(GOptionContext* context, const char* program);

}  // namespace imup::cli
