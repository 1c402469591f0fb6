// SPDX-License-Identifier: GPL-2.0-or-later
// The one Catch2 main every test executable links. Catch2 3 ships its own
// main as a library (Catch2::Catch2WithMain, linked in tests/CMakeLists.txt);
// Catch2 2 makes it from its header here.
#if IMUP_CATCH2_MAJOR < 3
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#endif
