// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcap/frame.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>

#include "common/byte_order.hpp"

namespace imup::pcap {
namespace {

constexpr std::size_t kIpHeaderBytes = 20;
constexpr std::size_t kUdpHeaderBytes = 8;
constexpr std::size_t kMaxUdpPayload = 65535 - kIpHeaderBytes - kUdpHeaderBytes;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kTpidCustomer = 0x8100;
constexpr std::uint16_t kTpidService = 0x88a8;

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

Timestamp Timestamp::now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return Timestamp{ts.tv_sec, std::uint32_t(ts.tv_nsec)};
}

Timestamp Timestamp::from_ns(std::int64_t ns) {
  std::int64_t sec = ns / 1'000'000'000;
  std::int64_t rem = ns % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    --sec;
  }
  return Timestamp{sec, std::uint32_t(rem)};
}

std::optional<LinkType> parse_link_type(std::string_view name) {
  if (name == "ether" || name == "ethernet" || name == "en10mb") return LinkType::Ethernet;
  if (name == "null") return LinkType::Null;
  if (name == "loop") return LinkType::Loop;
  if (name == "raw") return LinkType::Raw;
  if (name == "ipv4") return LinkType::Ipv4;
  if (name == "sll" || name == "linux-sll") return LinkType::LinuxSll;
  if (name == "sll2" || name == "linux-sll2") return LinkType::LinuxSll2;
  return std::nullopt;
}

std::string_view link_type_name(LinkType t) {
  switch (t) {
    case LinkType::Null: return "null";
    case LinkType::Ethernet: return "ether";
    case LinkType::Raw: return "raw";
    case LinkType::Loop: return "loop";
    case LinkType::LinuxSll: return "sll";
    case LinkType::Ipv4: return "ipv4";
    case LinkType::LinuxSll2: return "sll2";
  }
  return "unknown";
}

void append_link_header(LinkType link, const FrameOptions& o, std::size_t /*ip_bytes*/,
                        std::vector<std::uint8_t>& out) {
  switch (link) {
    case LinkType::Ethernet: {
      out.insert(out.end(), o.dst_mac.begin(), o.dst_mac.end());
      out.insert(out.end(), o.src_mac.begin(), o.src_mac.end());
      for (std::size_t i = 0; i < o.vlan_ids.size(); ++i) {
        bool outer_of_several = i == 0 && o.vlan_ids.size() > 1;
        append_be16(out, outer_of_several ? kTpidService : kTpidCustomer);
        append_be16(out, o.vlan_ids[i] & 0x0FFF);
      }
      append_be16(out, kEtherTypeIpv4);
      break;
    }
    case LinkType::Null:
      // Address family in the byte order of the machine that wrote the file;
      // our file headers are little-endian, so AF_INET is 02 00 00 00.
      out.insert(out.end(), {2, 0, 0, 0});
      break;
    case LinkType::Loop:
      out.insert(out.end(), {0, 0, 0, 2});
      break;
    case LinkType::LinuxSll:
      append_be16(out, 0);    // packet type: to us
      append_be16(out, 772);  // ARPHRD_LOOPBACK
      append_be16(out, 6);    // address length
      out.insert(out.end(), o.src_mac.begin(), o.src_mac.end());
      out.insert(out.end(), {0, 0});
      append_be16(out, kEtherTypeIpv4);
      break;
    case LinkType::LinuxSll2:
      append_be16(out, kEtherTypeIpv4);
      append_be16(out, 0);                  // reserved
      out.insert(out.end(), {0, 0, 0, 1});  // interface index
      append_be16(out, 772);                // ARPHRD_LOOPBACK
      out.push_back(0);                     // packet type: to us
      out.push_back(6);                     // address length
      out.insert(out.end(), o.src_mac.begin(), o.src_mac.end());
      out.insert(out.end(), {0, 0});
      break;
    case LinkType::Raw:
    case LinkType::Ipv4:
      break;
  }
}

bool build_udp_frame(LinkType link, const FrameOptions& o, std::uint16_t default_ip_id,
                     Endpoint src, Endpoint dst, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out) {
  if (payload.size() > kMaxUdpPayload) return false;
  out.clear();
  std::size_t ip_bytes = kIpHeaderBytes + kUdpHeaderBytes + payload.size();
  append_link_header(link, o, ip_bytes, out);
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
    append_link_header(link, o, kIpHeaderBytes + n, f);
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

}  // namespace imup::pcap
