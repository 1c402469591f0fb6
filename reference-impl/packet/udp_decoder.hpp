// SPDX-License-Identifier: GPL-2.0-or-later
// Reading UDP-over-IPv4 datagrams out of frames of one link type: the link
// header (link_layer.hpp), the IPv4 header with its checksum, fragments put
// back together in a bounded table (ipv4_reassembly.hpp), the UDP header
// with its checksum. The reading twin of udp_frame.hpp. Frames come from
// anywhere (a capture file, a live interface, a test); capture/ feeds it.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "codec/message.hpp"  // imup::Endpoint
#include "common/byte_order.hpp"
#include "packet/internet_checksum.hpp"
#include "packet/ipv4_reassembly.hpp"
#include "packet/link_layer.hpp"
#include "packet/timestamp.hpp"

namespace imup::packet {

enum class ChecksumState : std::uint8_t {
  Good,
  Absent,           // UDP checksum 0: the sender did not compute one (legal in IPv4)
  Bad,              // wrong, and not what checksum offload leaves behind
  OffloadArtefact,  // wrong in the way of a capture taken before the NIC fills it in
  Unchecked,        // not verifiable (snapped frame)
  // Not summed yet: only from a decoder told to defer_udp_checksums(), whose
  // user finishes the job with finish_udp_checksum() (on another thread).
  Deferred,
};

struct Datagram {
  std::uint64_t frame = 0;  // 1-based frame number in its capture (the last fragment's)
  Timestamp when;
  Endpoint src;
  Endpoint dst;
  // Valid until the next frame is decoded, and always right after its 8-byte
  // UDP header in memory (finish_udp_checksum() reads it there).
  std::span<const std::uint8_t> payload;
  ChecksumState udp_checksum = ChecksumState::Good;
  ChecksumState ip_checksum = ChecksumState::Good;
  std::uint16_t fragments = 1;  // > 1 when reassembled
};

// Sums a Deferred datagram's UDP checksum (its addresses, and the UDP header
// and payload where they lie) and sets udp_checksum to what the decoder
// would have found.
void finish_udp_checksum(Datagram& d);

// Things wrong below IMUP, reported through the decoder's callback with
// stable names: truncated_frame, bad_ip_header, bad_udp_length,
// fragment_overlap, fragment_timeout, fragment_table_full,
// unsupported_link_type (the last from capture/, for a whole capture).
struct FrameProblem {
  std::uint64_t frame;
  std::string_view code;
  std::string detail;
  std::int64_t when_ns = 0;  // the frame's capture time
};

class UdpDecoder {
 public:
  explicit UdpDecoder(LinkType link) : link_(link) {}

  // Frame number `frame` (1-based), `captured` of its `length` bytes at
  // `data`, taken at `when`. True when it yields a UDP datagram in `out`
  // (the payload points into `data`, or into the reassembly table); false
  // when the frame holds none, or only a fragment of one so far.
  bool decode(std::uint64_t frame, const std::uint8_t* data, std::size_t captured,
              std::size_t length, Timestamp when, Datagram& out) {
    if (link_ == LinkType::Ethernet && fast_path(frame, data, captured, captured == length, when, out))
      [[likely]] return true;
    return any_frame(frame, data, captured, length, when, out);
  }

  void on_problem(std::function<void(const FrameProblem&)> f) { on_problem_ = std::move(f); }
  // Leave the UDP checksum of plain (unfragmented, whole) datagrams
  // Deferred, for finish_udp_checksum(): a read-ahead thread moves that work
  // to the checking thread.
  void defer_udp_checksums(bool on) { defer_udp_checksums_ = on; }

  LinkType link_type() const { return link_; }
  std::uint64_t skipped_frames() const { return skipped_; }  // not UDP over IPv4

 private:
  static constexpr std::int64_t kFragmentTimeoutNs = 30'000'000'000;  // as Linux's ipfrag_time
  static constexpr std::int64_t kExpiryEveryNs = 1'000'000'000;
  // Inlined into the caller's reading loop: a call would cost a tenth of
  // what it saves.
  [[gnu::always_inline]] inline bool fast_path(std::uint64_t frame, const std::uint8_t* p,
                                               std::size_t n, bool whole, Timestamp when,
                                               Datagram& out);
  [[gnu::noinline]] bool any_frame(std::uint64_t frame, const std::uint8_t* data,
                                   std::size_t captured, std::size_t length, Timestamp when,
                                   Datagram& out);
  // A UDP checksum that does not verify: checksum offload's leftover, or wrong.
  static ChecksumState wrong_udp_sum(std::uint16_t field, std::uint32_t src_ip,
                                     std::uint32_t dst_ip, std::size_t udp_len);
  friend void finish_udp_checksum(Datagram& d);

  LinkType link_;
  Ipv4Reassembler reassembler_;
  std::int64_t last_expiry_ns_ = 0;
  bool defer_udp_checksums_ = false;
  std::uint64_t skipped_ = 0;
  std::function<void(const FrameProblem&)> on_problem_;
};

// The commonest frame by far, in one straight line: untagged Ethernet, IPv4
// without options, not a fragment, UDP whose lengths agree, captured whole.
// Returns false, having changed nothing, for any other frame: decode() then
// takes the general path, which handles (and reports) everything; for the
// frames accepted here both paths give the same Datagram.
inline bool UdpDecoder::fast_path(std::uint64_t frame, const std::uint8_t* p, std::size_t n,
                                  bool whole, Timestamp when, Datagram& out) {
  constexpr std::size_t kEthernet = 14, kIp = 20, kUdp = 8;
  constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
  if (!whole || n < kEthernet + kIp + kUdp || load_be16(p + 12) != kEtherTypeIpv4) return false;
  const std::uint8_t* ip = p + kEthernet;
  std::size_t total = load_be16(ip + 2);
  // Version 4 with a 20-byte header, UDP, neither MF nor an offset, and the
  // IP total length within what was captured.
  if (ip[0] != 0x45 || ip[9] != 17 || (load_be16(ip + 6) & 0x3FFF) != 0 || total < kIp + kUdp ||
      total > n - kEthernet)
    return false;
  const std::uint8_t* u = ip + kIp;
  std::size_t udp_len = load_be16(u + 4);
  if (udp_len < kUdp || udp_len > total - kIp) return false;

  std::int64_t now = when.to_ns();
  if (now - last_expiry_ns_ > kExpiryEveryNs) return false;  // the general path expires
  std::uint32_t src_ip = load_be32(ip + 12), dst_ip = load_be32(ip + 16);
  if (ipv4_header_ok(ip, kIp)) out.ip_checksum = ChecksumState::Good;
  else if (load_be16(ip + 10) == 0) out.ip_checksum = ChecksumState::OffloadArtefact;
  else out.ip_checksum = ChecksumState::Bad;
  std::uint16_t udp_sum = load_be16(u + 6);
  std::uint32_t src_net, dst_net;
  std::memcpy(&src_net, ip + 12, 4);
  std::memcpy(&dst_net, ip + 16, 4);
  if (udp_sum == 0) out.udp_checksum = ChecksumState::Absent;
  else if (defer_udp_checksums_) out.udp_checksum = ChecksumState::Deferred;
  else if (udp_checksum_ok(src_net, dst_net, u, udp_len)) [[likely]]
    out.udp_checksum = ChecksumState::Good;
  else out.udp_checksum = wrong_udp_sum(udp_sum, src_ip, dst_ip, udp_len);
  out.fragments = 1;
  out.frame = frame;
  out.when = when;
  out.src = Endpoint{src_ip, load_be16(u)};
  out.dst = Endpoint{dst_ip, load_be16(u + 2)};
  out.payload = std::span<const std::uint8_t>(u + kUdp, udp_len - kUdp);
  return true;
}

}  // namespace imup::packet
