// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet/udp_decoder.hpp"

#include <arpa/inet.h>

namespace imup::packet {

ChecksumState UdpDecoder::wrong_udp_sum(std::uint16_t field, std::uint32_t src_ip,
                                        std::uint32_t dst_ip, std::size_t udp_len) {
  // With checksum offload, a capture on the sender shows the pseudo-header
  // sum that the stack leaves in the field for the NIC to finish.
  std::uint16_t partial = fold64(udp_pseudo_header_sum(src_ip, dst_ip, udp_len));
  return field == partial || field == std::uint16_t(~partial) ? ChecksumState::OffloadArtefact
                                                              : ChecksumState::Bad;
}

void finish_udp_checksum(Datagram& d) {
  if (d.udp_checksum != ChecksumState::Deferred) return;
  const std::uint8_t* udp = d.payload.data() - 8;
  const std::size_t udp_len = d.payload.size() + 8;
  d.udp_checksum = udp_checksum_ok(htonl(d.src.ipv4), htonl(d.dst.ipv4), udp, udp_len)
                       ? ChecksumState::Good
                       : UdpDecoder::wrong_udp_sum(load_be16(udp + 6), d.src.ipv4, d.dst.ipv4, udp_len);
}

// Every other frame (out of line, so that the reading loop stays short).
bool UdpDecoder::any_frame(std::uint64_t frame, const std::uint8_t* data, std::size_t captured,
                           std::size_t length, Timestamp when, Datagram& out) {
  const std::int64_t frame_ns = when.to_ns();
  auto report = [&](std::string_view code, std::string detail) {
    if (on_problem_) on_problem_(FrameProblem{frame, code, std::move(detail), frame_ns});
  };
  // Link layer -> start of an IPv4 packet, or skip the frame.
  std::optional<std::size_t> at = ipv4_offset(link_, data, captured);
  const std::uint8_t* p = data + at.value_or(0);
  std::size_t n = captured - at.value_or(0);
  if (!at || n < 1 || (p[0] >> 4) != 4) {
    ++skipped_;
    return false;
  }
  if (n < 20) {
    report("truncated_frame", "frame ends inside the IPv4 header");
    ++skipped_;
    return false;
  }
  std::size_t ihl = std::size_t(p[0] & 0xF) * 4;
  std::size_t total = load_be16(p + 2);
  if (ihl < 20 || total < ihl) {
    report("bad_ip_header", "IPv4 header length " + std::to_string(ihl) + ", total length " +
                                std::to_string(total));
    ++skipped_;
    return false;
  }
  if (p[9] != 17) {
    ++skipped_;
    return false;
  }
  bool snapped = captured < length;
  if (n < total) {
    if (!snapped || n < ihl + 8) {
      report("truncated_frame", "IPv4 total length " + std::to_string(total) + " but " +
                                    std::to_string(n) + " bytes captured");
      ++skipped_;
      return false;
    }
    total = n;  // snapped capture: use what is there, checksums unverifiable
  }
  std::uint32_t src_ip = load_be32(p + 12), dst_ip = load_be32(p + 16);
  std::uint16_t ip_sum = load_be16(p + 10);
  if (ipv4_header_ok(p, ihl)) out.ip_checksum = ChecksumState::Good;
  else if (ip_sum == 0) out.ip_checksum = ChecksumState::OffloadArtefact;
  else out.ip_checksum = ChecksumState::Bad;

  std::uint16_t flags_offset = load_be16(p + 6);
  bool more = flags_offset & 0x2000;
  std::size_t frag_offset = std::size_t(flags_offset & 0x1FFF) * 8;
  std::span<const std::uint8_t> ip_payload{p + ihl, total - ihl};
  out.fragments = 1;

  if (frame_ns - last_expiry_ns_ > kExpiryEveryNs) {
    last_expiry_ns_ = frame_ns;
    if (std::size_t k = reassembler_.expire(frame_ns, kFragmentTimeoutNs))
      report("fragment_timeout", std::to_string(k) +
                                     " IPv4 datagram(s) never completed within 30 s");
  }
  if (more || frag_offset != 0) {
    Ipv4Reassembler::Key key{src_ip, dst_ip, load_be16(p + 4), 17};
    std::span<const std::uint8_t> whole;
    std::uint16_t count = 0;
    Ipv4Reassembler::Result also{};
    auto r = reassembler_.add(key, frag_offset, more, ip_payload, frame_ns, whole, count, also);
    if (also == Ipv4Reassembler::Result::Overlap)
      report("fragment_overlap", "IPv4 fragment overlaps bytes already received");
    if (also == Ipv4Reassembler::Result::TableFull)
      report("fragment_table_full", "too many IPv4 datagrams in reassembly; oldest dropped");
    if (r == Ipv4Reassembler::Result::TooBig)
      report("bad_ip_header", "IPv4 fragment beyond 65,535 bytes");
    if (r != Ipv4Reassembler::Result::Complete) return false;
    ip_payload = whole;
    out.fragments = count;
    snapped = false;
  }

  if (ip_payload.size() < 8) {
    report("truncated_frame", "frame ends inside the UDP header");
    ++skipped_;
    return false;
  }
  const std::uint8_t* u = ip_payload.data();
  std::size_t udp_len = load_be16(u + 4);
  if (udp_len < 8 || udp_len > ip_payload.size()) {
    if (!(snapped && udp_len > ip_payload.size())) {
      report("bad_udp_length", "UDP length " + std::to_string(udp_len) + " but " +
                                   std::to_string(ip_payload.size()) + " bytes of IP payload");
    }
    udp_len = ip_payload.size();
  }
  std::uint16_t udp_sum = load_be16(u + 6);
  if (snapped) {
    out.udp_checksum = ChecksumState::Unchecked;
  } else if (udp_sum == 0) {
    out.udp_checksum = ChecksumState::Absent;
  } else {
    out.udp_checksum = udp_checksum_ok(htonl(src_ip), htonl(dst_ip), u, udp_len)
                           ? ChecksumState::Good
                           : wrong_udp_sum(udp_sum, src_ip, dst_ip, udp_len);
  }
  out.frame = frame;
  out.when = when;
  out.src = Endpoint{src_ip, load_be16(u)};
  out.dst = Endpoint{dst_ip, load_be16(u + 2)};
  out.payload = ip_payload.subspan(8, udp_len - 8);
  return true;
}

}  // namespace imup::packet
