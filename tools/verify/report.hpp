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
#include <utility>
#include <vector>

#include "capture/capture_reader.hpp"  // LiveCaptureStats
#include "cli/json_string.hpp"
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

// One client as the running summary shows it (--clients).
struct ClientView {
  Endpoint endpoint;
  const ClientSession* session;
};

// What a running summary (--stats-every) says besides the totals.
struct RunningState {
  double elapsed_s = 0;                       // since the capture started
  std::uint64_t frames = 0;                   // read so far
  const capture::LiveCaptureStats* capture = nullptr;  // libpcap's counts, live only
  const std::vector<ClientView>* clients = nullptr;    // --clients
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
  // A streaming input (a pipe, a live capture): each line is flushed as it
  // is written, so a reader of the output sees it at once.
  void flush_each_line(bool on) { flush_each_ = on; }
  void add(const Violation& v);
  // A capture not read to its end (`frames_read` before the error; 0 when
  // it could not be opened): said on standard error now, and in the summary,
  // which then never reads as a pass.
  void unreadable(const std::string& file, const std::string& why, std::uint64_t frames_read);
  // Where the server port came from: the option, or the traffic (said on
  // standard error when learned, and in the summary).
  void given_server_port(std::uint16_t port);
  void learned_server_port(std::uint16_t port, const std::string& origin);
  // Call once at the end, with or without --no-summary: it settles the exit status.
  void summary(const CaptureTotals& totals, const TrackerStats& stats);
  // A one-line running summary (--stats-every): on standard error, or as a
  // {"stats":...} object on the output with --json; then the clients.
  void running(const CaptureTotals& totals, const TrackerStats& stats, const RunningState& state);
  // 0 clean, 1 violations or no IMUP datagram checked, 2 unreadable input.
  int exit_status() const;

 private:
  ReportOptions opt_;
  std::FILE* out_;
  std::string file_;
  std::int64_t first_ns_ = 0;
  bool flush_each_ = false;
  std::array<std::uint64_t, std::size_t(Code::kCount)> counts_{};
  std::uint64_t errors_ = 0, warnings_ = 0;
  std::vector<std::pair<std::string, std::string>> not_checked_;  // file, reason
  bool nothing_checked_ = false;  // no datagram was IMUP
  std::uint16_t server_port_ = 0;  // 0 = not given, not learned
  std::string port_origin_;        // how server_port_ was chosen
  // Why nothing was checked, when so (e.g. "none of 282 UDP datagrams looked like IMUP").
  std::string nothing_checked_why(const CaptureTotals& t) const;
  void line_done() {
    if (flush_each_) std::fflush(out_);
  }
};

using cli::json_string;  // the toolkit's one JSON string escape (cli/json_string.hpp)

}  // namespace imup::verify
