// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet/udp_frame.hpp"

#include <algorithm>
#include <cstring>

#include "common/byte_order.hpp"
#include "packet/internet_checksum.hpp"

namespace imup::packet {
namespace {

constexpr std::size_t kIpHeaderBytes = 20;
constexpr std::size_t kUdpHeaderBytes = 8;
constexpr std::size_t kMaxUdpPayload = 65535 - kIpHeaderBytes - kUdpHeaderBytes;

// Writes a 20-byte IPv4 header at `p`.
void write_ip_header(std::uint8_t* p, const FrameOptions& o, std::uint16_t id,
                     std::uint16_t total_length, std::uint16_t flags_offset, Endpoint src,
                     Endpoint dst) {
  p[0] = 0x45;
  p[1] = o.tos;
  store_be16(p + 2, o.ip_total_length.value_or(total_length));
  store_be16(p + 4, id);
  store_be16(p + 6, flags_offset);
  p[8] = o.ttl;
  p[9] = 17;  // UDP
  store_be16(p + 10, 0);
  store_be32(p + 12, src.ipv4);
  store_be32(p + 16, dst.ipv4);
  store_be16(p + 10, o.ip_checksum.value_or(ipv4_header_checksum({p, kIpHeaderBytes})));
}

// Writes the UDP header and payload at `p` (the whole segment).
void write_udp_segment(std::uint8_t* p, const FrameOptions& o, Endpoint src, Endpoint dst,
                       std::span<const std::uint8_t> payload) {
  store_be16(p, src.port);
  store_be16(p + 2, dst.port);
  store_be16(p + 4, o.udp_length.value_or(std::uint16_t(kUdpHeaderBytes + payload.size())));
  store_be16(p + 6, 0);
  if (!payload.empty()) std::memcpy(p + kUdpHeaderBytes, payload.data(), payload.size());
  std::uint16_t sum = o.udp_checksum ? *o.udp_checksum
                                     : udp_checksum(src.ipv4, dst.ipv4,
                                                    {p, kUdpHeaderBytes + payload.size()});
  store_be16(p + 6, sum);
}

}  // namespace

bool build_udp_frame(LinkType link, const FrameOptions& o, std::uint16_t default_ip_id,
                     Endpoint src, Endpoint dst, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out) {
  if (payload.size() > kMaxUdpPayload) return false;
  out.clear();
  std::size_t ip_bytes = kIpHeaderBytes + kUdpHeaderBytes + payload.size();
  append_link_header(link, o, out);
  std::size_t ip_at = out.size();
  out.resize(ip_at + ip_bytes);
  std::uint8_t* ip = out.data() + ip_at;
  write_udp_segment(ip + kIpHeaderBytes, o, src, dst, payload);
  write_ip_header(ip, o, o.ip_id.value_or(default_ip_id), std::uint16_t(ip_bytes),
                  o.dont_fragment ? 0x4000 : 0, src, dst);
  return true;
}

bool build_udp_frames(LinkType link, const FrameOptions& o, std::uint16_t default_ip_id,
                      Endpoint src, Endpoint dst, std::span<const std::uint8_t> payload,
                      std::vector<std::vector<std::uint8_t>>& frames) {
  if (payload.size() > kMaxUdpPayload) return false;
  std::size_t chunk = o.fragment_payload & ~std::size_t(7);
  std::size_t segment_bytes = kUdpHeaderBytes + payload.size();
  if (o.fragment_payload == 0 || segment_bytes <= chunk) {
    frames.resize(1);
    return build_udp_frame(link, o, default_ip_id, src, dst, payload, frames[0]);
  }
  if (chunk == 0) chunk = 8;
  std::vector<std::uint8_t> segment(segment_bytes);
  write_udp_segment(segment.data(), o, src, dst, payload);
  std::uint16_t id = o.ip_id.value_or(default_ip_id);
  frames.clear();
  for (std::size_t offset = 0; offset < segment_bytes; offset += chunk) {
    std::size_t n = std::min(chunk, segment_bytes - offset);
    bool more = offset + n < segment_bytes;
    std::vector<std::uint8_t> f;
    append_link_header(link, o, f);
    std::size_t ip_at = f.size();
    f.resize(ip_at + kIpHeaderBytes + n);
    std::memcpy(f.data() + ip_at + kIpHeaderBytes, segment.data() + offset, n);
    std::uint16_t flags_offset = std::uint16_t((more ? 0x2000 : 0) | (offset / 8));
    FrameOptions per_fragment = o;
    per_fragment.ip_total_length.reset();
    write_ip_header(f.data() + ip_at, per_fragment, id, std::uint16_t(kIpHeaderBytes + n),
                    flags_offset, src, dst);
    frames.push_back(std::move(f));
  }
  if (o.reverse_fragments) std::reverse(frames.begin(), frames.end());
  return true;
}

}  // namespace imup::packet
