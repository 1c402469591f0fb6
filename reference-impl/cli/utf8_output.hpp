// SPDX-License-Identifier: GPL-2.0-or-later
// Every program's first call. GLib converts what it prints (the --help text
// included) to the locale's character set, and the C locale a bare container
// or a CI job runs in is ASCII: "§5" would print as "?5" and "[OPTION…]" as
// "[OPTION?]". Our texts are UTF-8, so when the locale's own set is not, the
// character set becomes C.UTF-8, which every Debian has built in. Only
// LC_CTYPE changes: numbers keep printing and parsing with a decimal point.
#pragma once

#include <clocale>

#include <glib.h>

namespace imup::cli {

inline void use_utf8_output() {
  std::setlocale(LC_CTYPE, "");
  if (!g_get_charset(nullptr)) std::setlocale(LC_CTYPE, "C.UTF-8");
}

}  // namespace imup::cli
