// SPDX-License-Identifier: GPL-2.0-or-later
// Crafting the frames that carry one UDP datagram: IPv4 + UDP headers with
// their checksums, fragmented on request, behind the link-layer header of
// the capture's link type (link_layer.hpp). Tools can force any header field
// or break a checksum. Reading such frames back is udp_decoder.hpp's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "codec/message.hpp"  // imup::Endpoint
#include "packet/link_layer.hpp"

namespace imup::packet {

// The link header's options (VLAN tags, MAC addresses), then the IPv4 and
// UDP ones.
struct FrameOptions : LinkOptions {
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

}  // namespace imup::packet
