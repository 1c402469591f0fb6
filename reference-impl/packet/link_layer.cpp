// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet/link_layer.hpp"

#include "common/byte_order.hpp"

namespace imup::packet {
namespace {

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kTpidCustomer = 0x8100;  // 802.1Q
constexpr std::uint16_t kTpidService = 0x88a8;   // 802.1ad, QinQ's outer tag
constexpr std::uint16_t kTpidOldQinQ = 0x9100;   // pre-standard QinQ, still seen
constexpr std::uint16_t kArphrdLoopback = 772;
constexpr std::uint32_t kAfInet = 2;             // AF_INET on every system

}  // namespace

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

// Each case of the two functions below is one link type's pair: what is
// written in front of IPv4, and how it is read back.
void append_link_header(LinkType link, const LinkOptions& o, std::vector<std::uint8_t>& out) {
  switch (link) {
    case LinkType::Ethernet:
      out.insert(out.end(), o.dst_mac.begin(), o.dst_mac.end());
      out.insert(out.end(), o.src_mac.begin(), o.src_mac.end());
      for (std::size_t i = 0; i < o.vlan_ids.size(); ++i) {
        bool outer_of_several = i == 0 && o.vlan_ids.size() > 1;
        append_be16(out, outer_of_several ? kTpidService : kTpidCustomer);
        append_be16(out, o.vlan_ids[i] & 0x0FFF);
      }
      append_be16(out, kEtherTypeIpv4);
      break;
    case LinkType::Null:
      // Address family in the byte order of the machine that wrote the file;
      // our file headers are little-endian, so AF_INET is 02 00 00 00.
      out.insert(out.end(), {std::uint8_t(kAfInet), 0, 0, 0});
      break;
    case LinkType::Loop:
      append_be32(out, kAfInet);
      break;
    case LinkType::LinuxSll:
      append_be16(out, 0);  // packet type: to us
      append_be16(out, kArphrdLoopback);
      append_be16(out, 6);  // address length
      out.insert(out.end(), o.src_mac.begin(), o.src_mac.end());
      out.insert(out.end(), {0, 0});
      append_be16(out, kEtherTypeIpv4);
      break;
    case LinkType::LinuxSll2:
      append_be16(out, kEtherTypeIpv4);
      append_be16(out, 0);                  // reserved
      out.insert(out.end(), {0, 0, 0, 1});  // interface index
      append_be16(out, kArphrdLoopback);
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

std::optional<std::size_t> ipv4_offset(LinkType link, const std::uint8_t* p, std::size_t n) {
  switch (link) {
    case LinkType::Ethernet: {
      if (n < 14) return std::nullopt;
      std::size_t at = 12;  // the EtherType, or the first tag's TPID
      std::uint16_t type = load_be16(p + at);
      while ((type == kTpidCustomer || type == kTpidService || type == kTpidOldQinQ) && n >= at + 6) {
        at += 4;
        type = load_be16(p + at);
      }
      if (type != kEtherTypeIpv4) return std::nullopt;
      return at + 2;
    }
    case LinkType::Null:
      // Written in the writer's byte order: either reading is AF_INET.
      if (n < 4 || (load_be32(p) != kAfInet && load_be32(p) != 0x02000000)) return std::nullopt;
      return 4;
    case LinkType::Loop:
      if (n < 4 || load_be32(p) != kAfInet) return std::nullopt;
      return 4;
    case LinkType::LinuxSll:
      if (n < 16 || load_be16(p + 14) != kEtherTypeIpv4) return std::nullopt;
      return 16;
    case LinkType::LinuxSll2:
      if (n < 20 || load_be16(p) != kEtherTypeIpv4) return std::nullopt;
      return 20;
    case LinkType::Raw:
    case LinkType::Ipv4:
      return 0;
  }
  return std::nullopt;
}

}  // namespace imup::packet
