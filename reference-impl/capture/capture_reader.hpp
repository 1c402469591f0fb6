// SPDX-License-Identifier: GPL-2.0-or-later
// Reading capture files through libpcap: pcap and pcapng, from a file or
// standard input ("-"), every frame handed to packet::UdpDecoder, which
// knows the link types (Ethernet with 802.1Q and QinQ tags, Linux cooked
// SLL and SLL2, raw IPv4, BSD NULL and LOOP) and reassembles IPv4 fragments
// in a bounded table, so memory stays constant however long the capture is.
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

using packet::ChecksumState;
using packet::Datagram;
using packet::FrameProblem;

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
  struct Impl;
  static std::unique_ptr<Impl> open(const std::string& path);
  std::unique_ptr<Impl> impl_;
  packet::UdpDecoder decoder_;
  std::uint64_t frames_ = 0;
};

}  // namespace imup::capture
