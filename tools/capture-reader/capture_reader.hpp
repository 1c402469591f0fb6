// SPDX-License-Identifier: GPL-2.0-or-later
// Reading UDP-over-IPv4 datagrams out of capture files through libpcap:
// pcap and pcapng, from a file or standard input ("-"); Ethernet with 802.1Q
// and QinQ tags, Linux cooked SLL and SLL2, raw IPv4, BSD NULL and LOOP.
// IPv4 fragments are reassembled in a bounded table, so memory stays
// constant however long the capture is.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "codec/message.hpp"  // imup::Endpoint
#include "pcap/frame.hpp"     // imup::pcap::Timestamp

struct pcap_pkthdr;  // <pcap/pcap.h>

namespace imup::capture {

class CaptureReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ChecksumState : std::uint8_t {
  Good,
  Absent,           // UDP checksum 0: the sender did not compute one (legal in IPv4)
  Bad,              // wrong, and not what checksum offload leaves behind
  OffloadArtefact,  // wrong in the way of a capture taken before the NIC fills it in
  Unchecked,        // not verifiable (snapped frame)
  // Not summed yet: only from a reader told to defer_udp_checksums(), whose
  // user finishes the job with finish_udp_checksum() (on another thread).
  Deferred,
};

struct Datagram {
  std::uint64_t frame = 0;  // 1-based frame number in its file (the last fragment's)
  pcap::Timestamp when;
  Endpoint src;
  Endpoint dst;
  // Valid until the next call to next(), and always right after its 8-byte
  // UDP header in memory (finish_udp_checksum() reads it there).
  std::span<const std::uint8_t> payload;
  ChecksumState udp_checksum = ChecksumState::Good;
  ChecksumState ip_checksum = ChecksumState::Good;
  std::uint16_t fragments = 1;  // > 1 when reassembled
};

// Sums a Deferred datagram's UDP checksum (its addresses, and the UDP header
// and payload where they lie) and sets udp_checksum to what the reader would
// have found.
void finish_udp_checksum(Datagram& d);

// Things wrong below IMUP, reported through the reader's callback with stable
// names: truncated_frame, bad_ip_header, bad_udp_length, fragment_overlap,
// fragment_timeout, fragment_table_full, unsupported_link_type.
struct FrameProblem {
  std::uint64_t frame;
  std::string_view code;
  std::string detail;
  std::int64_t when_ns = 0;  // the frame's capture time
};

class CaptureReader {
 public:
  // Throws CaptureReadError when the file cannot be opened or read as a capture.
  explicit CaptureReader(const std::string& path);
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // The next UDP datagram, skipping frames that are not UDP over IPv4.
  // Returns false at the end of the capture; throws CaptureReadError if the
  // file is damaged part way.
  bool next(Datagram& out);

  // Every remaining datagram, in order, through `f(const Datagram&)` (the
  // payload valid during the call), reading with libpcap's own loop
  // (pcap_dispatch): the same datagrams and problems as calls to next(),
  // without a trip through pcap_next_ex per frame. Throws what next() throws,
  // and whatever `f` throws (after libpcap's loop has been left).
  template <class F>
  void for_each(F&& f) {
    using Fn = std::remove_reference_t<F>;
    read_all([](void* fn, const Datagram& d) { (*static_cast<Fn*>(fn))(d); }, &f);
  }

  void on_problem(std::function<void(const FrameProblem&)> f) { on_problem_ = std::move(f); }
  // Leave the UDP checksum of plain (unfragmented, whole) datagrams
  // Deferred, for finish_udp_checksum(): ReadAhead moves that work to the
  // checking thread.
  void defer_udp_checksums(bool on) { defer_udp_checksums_ = on; }

  int link_type() const;  // DLT_ value
  std::string_view link_type_name() const;
  std::uint64_t frames() const { return frames_; }
  std::uint64_t skipped_frames() const { return skipped_; }  // not UDP/IPv4

 private:
  // Inlined into next(): a call would cost a tenth of what it saves.
  [[gnu::always_inline]] inline bool fast_path(const std::uint8_t* p, std::size_t n, bool whole,
                                               pcap::Timestamp when, Datagram& out);
  using Sink = void (*)(void* context, const Datagram& d);
  void read_all(Sink sink, void* context);
  [[gnu::noinline]] bool any_frame(const ::pcap_pkthdr& frame, const std::uint8_t* data,
                                   pcap::Timestamp when, Datagram& out);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::function<void(const FrameProblem&)> on_problem_;
  std::uint64_t frames_ = 0;
  std::uint64_t skipped_ = 0;
  bool defer_udp_checksums_ = false;
  friend struct Impl;
};

}  // namespace imup::capture
