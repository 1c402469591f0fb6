// SPDX-License-Identifier: GPL-2.0-or-later
// When a sender's timers run out, from the timer values of §7
// (codec/limits.hpp): the first timeout is at most kFirstTimeoutMax and each
// try doubles it. The verifier judges with the latest times a conforming
// sender may take, so that no jitter of a real timer reads as a violation.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "codec/limits.hpp"

namespace imup::verify {

// The latest a conforming sender waits after try `tries` (1-based) before
// the next one, or before giving up after its last.
constexpr std::int64_t timeout_after_try_ns(unsigned tries) {
  constexpr std::int64_t first = std::chrono::nanoseconds(kFirstTimeoutMax).count();
  // Doubling past 2^20 first timeouts (about a month) changes no verdict.
  return first << std::min(tries - 1, 20u);
}

// How long after its first try a sender with `tries` tries may still be
// waiting for an answer: the sum of its timeouts (93 s for the default 5).
constexpr std::int64_t sender_gives_up_ns(unsigned tries) {
  std::int64_t total = 0;
  for (unsigned t = 1; t <= tries && t <= 21; ++t) total += timeout_after_try_ns(t);
  return total;
}
static_assert(sender_gives_up_ns(kTries) == 93'000'000'000, "§7: 3 + 6 + 12 + 24 + 48 s");

}  // namespace imup::verify
