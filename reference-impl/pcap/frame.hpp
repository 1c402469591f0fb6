// SPDX-License-Identifier: GPL-2.0-or-later
// Building the frames that carry one UDP datagram: IPv4 + UDP headers with
// their checksums, wrapped in the link layer a capture file declares
// (Ethernet with optional 802.1Q / QinQ tags, Linux SLL and SLL2, raw IPv4,
// BSD NULL/LOOP). Tools can force any header field or break a checksum.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "codec/message.hpp"  // imup::Endpoint
#include "pcap/internet_checksum.hpp"  // the checksums the frames carry

namespace imup::pcap {

// Capture time. Nanosecond resolution; writers round as their format needs.
struct Timestamp {
  std::int64_t sec = 0;
  std::uint32_t nsec = 0;  // 0..999,999,999
  static Timestamp now();  // CLOCK_REALTIME
  static Timestamp from_ns(std::int64_t ns);
  std::int64_t to_ns() const { return sec * 1'000'000'000 + nsec; }
  bool operator==(const Timestamp&) const = default;
  auto operator<=>(const Timestamp&) const = default;
};

// LINKTYPE_* values from the tcpdump.org registry.
enum class LinkType : std::uint16_t {
  Null = 0,         // BSD loopback, 4-byte address family in host byte order
  Ethernet = 1,
  Raw = 101,        // raw IP (LINKTYPE_RAW)
  Loop = 108,       // OpenBSD loopback, address family in network byte order
  LinuxSll = 113,   // tcpdump -i any, Linux < 3.x cooked header
  Ipv4 = 228,       // LINKTYPE_IPV4
  LinuxSll2 = 276,  // tcpdump -i any, cooked header v2
};
std::optional<LinkType> parse_link_type(std::string_view name);  // "ether", "sll", ...
std::string_view link_type_name(LinkType t);

using MacAddress = std::array<std::uint8_t, 6>;

struct FrameOptions {
  // Ethernet only: 802.1Q tags, outermost first (two = QinQ, outer TPID 0x88a8).
  std::vector<std::uint16_t> vlan_ids;
  MacAddress src_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  MacAddress dst_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::optional<std::uint16_t> ip_id;  // default: a per-writer counter
  bool dont_fragment = false;
  // Forced values, written as given even when wrong (nullopt = computed).
  std::optional<std::uint16_t> ip_checksum;
  std::optional<std::uint16_t> udp_checksum;  // 0 = "no checksum" (legal in IPv4)
  std::optional<std::uint16_t> udp_length;
  std::optional<std::uint16_t> ip_total_length;
  // > 0: split the IPv4 packet into fragments carrying at most this many
  // bytes of IP payload each (rounded down to a multiple of 8).
  std::size_t fragment_payload = 0;
  bool reverse_fragments = false;  // emit the fragments last first
};

// Appends the link-layer header for an IPv4 packet of `ip_bytes` bytes.
void append_link_header(LinkType link, const FrameOptions& options, std::size_t ip_bytes,
                        std::vector<std::uint8_t>& out);

// Builds the frame(s) carrying one datagram. With fragment_payload == 0 the
// result is exactly one frame. `default_ip_id` is used when options.ip_id is
// unset. Returns false (frames untouched) when the datagram cannot fit an
// IPv4 packet (more than 65,507 bytes of payload).
bool build_udp_frames(LinkType link, const FrameOptions& options, std::uint16_t default_ip_id,
                      Endpoint src, Endpoint dst, std::span<const std::uint8_t> payload,
                      std::vector<std::vector<std::uint8_t>>& frames);
// Single-frame fast path (no fragmentation): the frame replaces `out`.
bool build_udp_frame(LinkType link, const FrameOptions& options, std::uint16_t default_ip_id,
                     Endpoint src, Endpoint dst, std::span<const std::uint8_t> payload,
                     std::vector<std::uint8_t>& out);

}  // namespace imup::pcap
