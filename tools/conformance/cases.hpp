// SPDX-License-Identifier: GPL-2.0-or-later
// The battery of imup-conformance: each case a stable id, the section of
// docs/PROTOCOL.md whose rule it checks, a level (MUST, or SHOULD for the
// document's SHOULDs and for the draft's deviations the project tolerates),
// a one-line description, and its body, run against the live server.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace imup::conformance {

enum class Level { Must, Should };
inline const char* level_name(Level l) { return l == Level::Must ? "MUST" : "SHOULD"; }

struct Case {
  std::string id;
  std::string section;  // "6.3", "9.2", "12" (a departure of §12)
  Level level;
  std::string description;
  bool long_running;    // watches the server's timers: run beside the others
  std::function<void(Context&)> body;
};

// Every case, in the order they run (and --list shows them).
const std::vector<Case>& all_cases();

}  // namespace imup::conformance
