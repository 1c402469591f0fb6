// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet/internet_checksum.hpp"

namespace imup::packet {

std::uint32_t ones_complement_add(std::uint32_t sum, std::span<const std::uint8_t> bytes) {
  std::uint16_t folded = fold64(ones_complement_sum(0, bytes.data(), bytes.size()));
  if constexpr (std::endian::native == std::endian::little)
    folded = std::uint16_t(folded << 8 | folded >> 8);  // to host order
  std::uint64_t total = std::uint64_t(sum) + folded;
  return std::uint32_t(total) + std::uint32_t(total >> 32);  // end-around carry
}

std::uint16_t fold_checksum(std::uint32_t sum) { return std::uint16_t(~fold64(sum)); }

std::uint16_t ipv4_header_checksum(std::span<const std::uint8_t> header) {
  return fold_checksum(ones_complement_add(0, header));
}

std::uint16_t udp_checksum(std::uint32_t src_ip, std::uint32_t dst_ip,
                           std::span<const std::uint8_t> udp_segment) {
  std::uint32_t sum = udp_pseudo_header_sum(src_ip, dst_ip, udp_segment.size());
  std::uint16_t c = fold_checksum(ones_complement_add(sum, udp_segment));
  // RFC 768: a computed zero is sent as all ones, since 0 means "no checksum".
  return c == 0 ? 0xFFFF : c;
}

}  // namespace imup::packet
