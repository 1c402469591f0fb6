// SPDX-License-Identifier: GPL-2.0-or-later
// The one Catch2 header every test includes, so the same tests build with
// Catch2 2 (Debian 12) and Catch2 3 (Debian 13 and later). Catch2 3 split the
// single header into catch_all.hpp and moved two names the tests use:
// Approx into namespace Catch, and Contains into Catch::Matchers as
// ContainsSubstring. The aliases below give both majors the Catch2 2 names.
#pragma once

#if IMUP_CATCH2_MAJOR >= 3
#include <catch2/catch_all.hpp>

#include <string>

using Catch::Approx;
namespace Catch {
inline Matchers::StringContainsMatcher Contains(const std::string& text) {
  return Matchers::ContainsSubstring(text);
}
}  // namespace Catch
#else
#include <catch2/catch.hpp>
#endif
