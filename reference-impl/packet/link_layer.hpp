// SPDX-License-Identifier: GPL-2.0-or-later
// The link layers a capture of IPv4 can be in, each as one pair: the header
// that crafting puts in front of an IPv4 packet, and the reading that finds
// the IPv4 packet behind such a header. Ethernet (with 802.1Q and QinQ
// tags), Linux cooked SLL and SLL2, raw IPv4 (two link types), BSD NULL and
// OpenBSD LOOP. Adding a link type means one case in each of the two
// functions of link_layer.cpp, side by side.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace imup::packet {

// LINKTYPE_* values from the tcpdump.org registry, as capture files hold
// them (libpcap's DLT_* values differ for some: capture/ maps those).
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

// What a crafted link header says besides "IPv4 follows".
struct LinkOptions {
  // Ethernet only: 802.1Q tags, outermost first (two = QinQ, outer TPID 0x88a8).
  std::vector<std::uint16_t> vlan_ids;
  MacAddress src_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  MacAddress dst_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
};

// Crafting: appends the link-layer header of `link` for an IPv4 packet.
void append_link_header(LinkType link, const LinkOptions& options, std::vector<std::uint8_t>& out);

// Reading: where the IPv4 packet starts in a frame of `link` of `n`
// captured bytes, or nullopt when the frame does not carry IPv4 (another
// EtherType or address family) or ends inside its link header.
std::optional<std::size_t> ipv4_offset(LinkType link, const std::uint8_t* frame, std::size_t n);

}  // namespace imup::packet
