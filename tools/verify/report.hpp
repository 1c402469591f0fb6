// SPDX-License-Identifier: GPL-2.0-or-later
// imup-verify's output: one line per violation, as text or JSON Lines, with
// repeats of a code rate-limited (as Zeek's weird.log does), codes the user
// silenced dropped, and the closing summary.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

#include "exchange_tracker.hpp"
#include "violation_codes.hpp"

namespace imup::verify {

struct ReportOptions {
  bool json = false;
  bool strict = false;        // warnings make the exit status 1 too
  bool summary = true;
  bool lines = true;          // per-violation lines
  std::uint64_t max_repeats = 10;  // per code; 0 = no limit
  std::set<Code> ignored;
};

struct CaptureTotals {
  std::uint64_t frames = 0;
  std::uint64_t udp = 0;
  std::uint64_t imup = 0;
  std::uint64_t reassembled = 0;
  std::array<std::uint64_t, 256> by_type{};
};

class Report {
 public:
  Report(ReportOptions options, std::FILE* out) : opt_(std::move(options)), out_(out) {}
  void set_file(std::string name, std::int64_t first_ns) {
    file_ = std::move(name);
    first_ns_ = first_ns;
  }
  void set_first_time(std::int64_t ns) { first_ns_ = ns; }
  void add(const Violation& v);
  void unreadable(const std::string& file, const std::string& why);
  void summary(const CaptureTotals& totals, const TrackerStats& stats);
  // 0 clean, 1 violations, 2 unreadable input.
  int exit_status() const;

 private:
  ReportOptions opt_;
  std::FILE* out_;
  std::string file_;
  std::int64_t first_ns_ = 0;
  std::array<std::uint64_t, std::size_t(Code::kCount)> counts_{};
  std::uint64_t errors_ = 0, warnings_ = 0;
  bool unreadable_ = false;
};

std::string json_string(std::string_view s);

}  // namespace imup::verify
