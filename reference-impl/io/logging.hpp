// SPDX-License-Identifier: GPL-2.0-or-later
// Levelled logging through g_log: every line goes to stderr as
// "HH:MM:SS.mmm program level: text". -q shows warnings and errors, the default
// adds g_message, -v adds g_info, -vv adds g_debug.
#pragma once

#include <glib.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace imup::io {

// verbosity: -1 quiet, 0 normal, 1 verbose (-v), 2 and more debug (-vv).
void install_log_handler(const char* program, int verbosity);
void set_log_verbosity(int verbosity);

// Lets through at most `burst` lines per `window` for each key (a drop reason);
// the rest are counted, and the first line allowed after a quiet spell says
// how many were left out. Zeek's weird.log does the same for repeated anomalies.
class RateLimitedLog {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimitedLog(unsigned burst, std::chrono::milliseconds window) : burst_(burst), window_(window) {}

  // Logs `line` at `level` unless the key's budget is spent.
  void log(GLogLevelFlags level, const std::string& key, const std::string& line,
           Clock::time_point now = Clock::now());
  std::uint64_t suppressed_total() const { return suppressed_total_; }

 private:
  struct Budget {
    Clock::time_point window_start{};
    unsigned used = 0;
    std::uint64_t suppressed = 0;
  };
  unsigned burst_;
  std::chrono::milliseconds window_;
  std::map<std::string, Budget> budgets_;
  std::uint64_t suppressed_total_ = 0;
};

}  // namespace imup::io
