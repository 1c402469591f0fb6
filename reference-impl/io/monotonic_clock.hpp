// SPDX-License-Identifier: GPL-2.0-or-later
// CLOCK_MONOTONIC in nanoseconds, for the tools' pacing and round-trip times
// and the benchmarks: the clock GLib's g_get_monotonic_time reads too (in
// microseconds), so that times taken here and the engine's (monotonic_now in
// engine_loop.hpp) never disagree by more than their units.
#pragma once

#include <time.h>

#include <cstdint>

namespace imup::io {

inline std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace imup::io
