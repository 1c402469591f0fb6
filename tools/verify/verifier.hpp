// SPDX-License-Identifier: GPL-2.0-or-later
// imup-verify's pipeline for one run over one or more captures:
// capture reader -> checksum checks -> codec (lenient check) -> exchange
// tracker -> report. Streams; nothing is kept per frame.
//
// Each datagram is judged with imup::check_lenient, the codec's grammar run
// without building a message (no allocation on a clean datagram); only the
// types whose fields the tracker reads (11, 4, 21: needs_message) are decoded in full.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "codec/codec.hpp"

#include "capture/capture_reader.hpp"
#include "capture/read_ahead.hpp"
#include "exchange_tracker.hpp"
#include "live_source.hpp"
#include "report.hpp"

namespace imup::verify {

class Verifier {
 public:
  // `decode_cache`: remember the verdicts on recent payloads with text (see
  // below). `read_ahead`: read each capture on a second thread (ReadAhead);
  // the verdicts and the report are the same either way.
  Verifier(TrackerOptions tracker_options, Report& report, bool decode_cache = true,
           bool read_ahead = false);
  // Checks one capture ("-" = standard input). Returns false when it could
  // not be read (reported on standard error; the run's exit status becomes 2).
  bool check(const std::string& path);
  // A live capture, named `name` in the report (the interface), until it
  // stops (LiveSource). False when the capture failed part way.
  bool check_live(LiveSource& source, const std::string& name);
  // The capture clock reads `now_ns` with no datagram (LiveSource's tick):
  // the verdicts due by then are given.
  void advance(std::int64_t now_ns) { tracker_.advance(now_ns); }
  // A running summary (--stats-every), `frames` read so far; the clients
  // the session model knows when `with_clients`.
  void running(double elapsed_s, std::uint64_t frames, const capture::LiveCaptureStats* capture,
               bool with_clients);
  void summary() { report_.summary(totals_, tracker_.stats()); }
  // Datagrams held while the server port is unknown (TrackerOptions with
  // server_port 0): enough for the start of any real session, and bounded,
  // so that a long capture of other traffic costs no more memory than this.
  static constexpr std::size_t kMaxHeld = 4096;
  const CaptureTotals& totals() const { return totals_; }

 private:
  template <class Reader>
  void read(Reader& reader, const std::string& path, std::int64_t& last_ns);
  void datagram(const packet::Datagram& d);
  // Until the server port is known: learns it from `d`, or holds `d` back.
  // True when `d` may be checked now.
  [[gnu::noinline]] bool learn_or_hold(const packet::Datagram& d, const std::string& file);
  void drop_held();  // the end of a capture with the port still unknown
  // The cached verdict of a text-less datagram, or (with the cache) of one with text.
  // Both inlined into datagram(), which runs for every datagram: a call
  // each would cost as much as a fifth of the work they do.
  [[gnu::always_inline]] inline const Verdict& verdict_of(std::span<const std::uint8_t> payload);
  [[gnu::always_inline]] inline void judge(const packet::Datagram& d, Role role, std::int64_t now,
                                           const Verdict& verdict);
  [[gnu::noinline]] void with_message(const Seen& seen);
  [[gnu::noinline]] void checksum_issues(const packet::Datagram& d, std::int64_t now);
  [[gnu::noinline]] void faults(const packet::Datagram& d, std::int64_t now, const Header& h,
                                const Verdict& verdict);


  Report& report_;
  ExchangeTracker tracker_;
  CaptureTotals totals_;

  // Learning the server port: datagrams held back until one tells it, with
  // their own copies of the bytes.
  struct Held {
    packet::Datagram datagram;
    std::vector<std::uint8_t> bytes;
  };
  bool port_known_;
  std::deque<Held> held_;
  std::string file_;  // the capture being read, for the learned port's origin

  // A verdict depends only on the bytes, and most of a capture repeats bytes
  // but for the sequence number: ACKs, probes, and above all each relayed
  // message, sent with the same text to every member of a room. A small
  // direct-mapped cache keyed by the payload with its 10 sequence bits
  // cleared skips the codec for those (the header is re-read every time).
  struct CacheSlot {
    bool used = false;
    std::vector<std::uint8_t> key;
    Verdict verdict;
  };
  static constexpr std::size_t kCacheSlots = 1024;
  bool use_cache_;
  bool read_ahead_;
  std::vector<CacheSlot> cache_;
  // Text-less datagrams (ACKs, probes: about half of any capture, since every
  // request is answered) get a verdict that depends only on the 22
  // header bits besides the sequence number. This table memoizes that pure
  // function exactly (the full key is compared), so it is always on: it does
  // not depend on payloads repeating, and --no-decode-cache leaves it alone.
  struct HeaderOnlySlot {
    bool used = false;
    std::uint32_t key = 0;
    Verdict verdict;
  };
  std::vector<HeaderOnlySlot> header_only_;
};

}  // namespace imup::verify
