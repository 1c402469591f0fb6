// SPDX-License-Identifier: GPL-2.0-or-later
// Reading capture files through libpcap: pcap and pcapng, from a file or
// standard input ("-"), every frame handed to packet::UdpDecoder, which
// knows the link types (Ethernet with 802.1Q and QinQ tags, Linux cooked
// SLL and SLL2, raw IPv4, BSD NULL and LOOP) and reassembles IPv4 fragments
// in a bounded table, so memory stays constant however long the capture is.
//
// The same reader captures live from an interface (imup-verify --interface):
// pcap_create and pcap_activate in immediate mode (or in blocks with a
// timeout, for higher rates) with a BPF filter, read
// without blocking by dispatch() when its selectable_fd() is readable, each
// frame optionally kept in a capture file as it is decoded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "packet/udp_decoder.hpp"

struct pcap_pkthdr;  // <pcap/pcap.h>

namespace imup::capture {

class CaptureReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A live capture that could not start: the message names the interface and
// says why; permission_denied() when libpcap was refused the capture socket
// (neither root nor CAP_NET_RAW and CAP_NET_ADMIN).
class LiveCaptureError : public CaptureReadError {
 public:
  LiveCaptureError(const std::string& what, bool permission_denied)
      : CaptureReadError(what), permission_denied_(permission_denied) {}
  bool permission_denied() const { return permission_denied_; }

 private:
  bool permission_denied_;
};

struct LiveCaptureOptions {
  std::string interface;               // "lo", "eth0", or libpcap's "any"
  std::string filter;                  // a pcap-filter(7) expression; empty: every frame
  // The kernel's ring, where bursts wait instead of being dropped. In
  // immediate mode Linux gives every frame a slot of the snapshot length, so
  // the ring holds buffer_bytes / snapshot_bytes frames: 64 MiB of slots for
  // whole IPv4 packets are about a thousand.
  int buffer_bytes = 64 << 20;
  // The largest IPv4 packet (65,535 bytes) behind an Ethernet header with
  // two VLAN tags: every frame whole (reassembly needs every byte), and not
  // libpcap's default of 262,144, which would cut the ring's slots by four.
  int snapshot_bytes = 65535 + 14 + 8;
  // 0: immediate mode, each frame handed over as it arrives. More: frames in
  // blocks of the ring, each block handed over when full or this many
  // milliseconds after its first frame (higher rates without drops).
  int block_timeout_ms = 0;
};

// What libpcap's pcap_stats says of a live capture.
struct LiveCaptureStats {
  std::uint64_t received = 0;            // frames that passed the filter
  std::uint64_t dropped = 0;             // by the kernel: the ring was full
  std::uint64_t interface_dropped = 0;   // by the interface or its driver
};

class CaptureWriter;  // capture_writer.hpp

using packet::ChecksumState;
using packet::Datagram;
using packet::FrameProblem;

class CaptureReader {
 public:
  // Throws CaptureReadError when the file cannot be opened or read as a capture.
  explicit CaptureReader(const std::string& path);
  // A live capture on `options.interface`; throws LiveCaptureError when it
  // cannot start (no such interface, no permission, a filter that does not
  // compile).
  explicit CaptureReader(const LiveCaptureOptions& options);
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

  // Live: the frames ready now (at most `max_frames`, 0 = all), without
  // waiting for more, through `f(const Datagram&)`. Returns the frames read;
  // throws CaptureReadError when the capture fails. Poll selectable_fd()
  // for readability between calls.
  template <class F>
  std::size_t dispatch(F&& f, std::size_t max_frames = 0) {
    using Fn = std::remove_reference_t<F>;
    return dispatch_once([](void* fn, const Datagram& d) { (*static_cast<Fn*>(fn))(d); }, &f,
                         max_frames);
  }
  int selectable_fd() const;
  LiveCaptureStats stats() const;  // live captures only (zeros otherwise)
  // Every frame read from now on is also written to `writer` (of this
  // reader's link type), as captured; null stops it.
  void keep_frames(CaptureWriter* writer) { keep_ = writer; }

  // True when reading may wait for input still to come (a pipe, a terminal,
  // a socket on standard input; a live capture): what has been read should
  // then be acted on before the next read. False for a file.
  bool streaming() const;
  // A streaming input has bytes (or its end) ready: the next read will not
  // wait. Always true for a file.
  bool input_ready() const;

  void on_problem(std::function<void(const FrameProblem&)> f) { decoder_.on_problem(std::move(f)); }
  // Leave the UDP checksum of plain datagrams Deferred, for
  // packet::finish_udp_checksum(): ReadAhead moves that work to the
  // checking thread.
  void defer_udp_checksums(bool on) { decoder_.defer_udp_checksums(on); }

  packet::LinkType link_type() const { return decoder_.link_type(); }
  std::string_view link_type_name() const;  // libpcap's name ("EN10MB")
  std::uint64_t frames() const { return frames_; }
  std::uint64_t skipped_frames() const { return decoder_.skipped_frames(); }  // not UDP/IPv4

 private:
  using Sink = void (*)(void* context, const Datagram& d);
  void read_all(Sink sink, void* context);
  // One pcap_dispatch: `max_frames` frames (0: all libpcap has at hand).
  // Returns libpcap's count; rethrows what the sink threw.
  std::size_t dispatch_once(Sink sink, void* context, std::size_t max_frames);
  struct Impl;
  static std::unique_ptr<Impl> open(const std::string& path);
  static std::unique_ptr<Impl> open_live(const LiveCaptureOptions& options);
  std::unique_ptr<Impl> impl_;
  packet::UdpDecoder decoder_;
  std::uint64_t frames_ = 0;
  CaptureWriter* keep_ = nullptr;
};

}  // namespace imup::capture
