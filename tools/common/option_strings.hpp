// SPDX-License-Identifier: GPL-2.0-or-later
// GOptionContext hands string options over as g_malloc'd memory; the tools
// take them into std::string right after parsing, so every return path frees
// them (and AddressSanitizer's leak check stays quiet).
#pragma once

#include <glib.h>

#include <optional>
#include <string>
#include <vector>

namespace imup::tools {

inline std::optional<std::string> take_string(gchar*& s) {
  std::optional<std::string> out;
  if (s) out = std::string(s);
  g_free(s);
  s = nullptr;
  return out;
}

inline std::vector<std::string> take_strings(gchar**& v) {
  std::vector<std::string> out;
  for (gchar** p = v; p && *p; ++p) out.emplace_back(*p);
  g_strfreev(v);
  v = nullptr;
  return out;
}

}  // namespace imup::tools
