// SPDX-License-Identifier: GPL-2.0-or-later
// The one Internet checksum (RFC 1071) of the project, for IPv4 headers and
// UDP (RFC 768): what frames are built with and what captures are checked
// with. Its core sums the bytes eight at a time in memory order (the
// one's-complement sum commutes with byte swapping) and folds by
// rotate-and-add; the hot checks are inline here so that the capture
// reader's fast path keeps them in line.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace imup::packet {

// The one's-complement sum of `n` >= 8 bytes, added to `acc` (both in
// memory order: each 16-bit word as it lies in memory). The bytes eight at a
// time, the end-around carry brought back at once; the last n % 8 bytes by
// one load ending at the last byte, shifted down (they start on a word
// boundary, so each byte keeps its place in its 16-bit word). An odd last
// byte is the first of a word whose second is zero, as RFC 1071 pads.
inline std::uint64_t ones_complement_sum8(std::uint64_t acc, const std::uint8_t* p, std::size_t n) {
  auto add = [&](std::uint64_t w) {
    acc += w;
    acc += acc < w;  // end-around carry
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    add(w);
  }
  if (std::size_t rest = n - i) {
    std::uint64_t w;
    std::memcpy(&w, p + n - 8, 8);
    if constexpr (std::endian::native == std::endian::little) add(w >> (64 - 8 * rest));
    else add(w << (64 - 8 * rest));
  }
  return acc;
}

// The same for any `n`: fewer than 8 bytes are first copied into a zeroed word.
inline std::uint64_t ones_complement_sum(std::uint64_t acc, const std::uint8_t* p, std::size_t n) {
  if (n >= 8) return ones_complement_sum8(acc, p, n);
  std::uint64_t w = 0;
  if (n) std::memcpy(&w, p, n);
  acc += w;
  return acc + (acc < w);
}

// Folds a one's-complement sum to 16 bits (not inverted). Adding a value to
// itself rotated by half its width leaves in the upper half the sum of both
// halves with the carry of the lower half's addition brought around: the
// end-around-carry fold in two instructions per step (as csum_fold does).
inline std::uint16_t fold64(std::uint64_t acc) {
  auto half = std::uint32_t((acc + std::rotr(acc, 32)) >> 32);
  return std::uint16_t((half + std::rotr(half, 16)) >> 16);
}

// Whether a UDP datagram's checksum verifies (the one's-complement sum of
// the pseudo-header and the datagram, checksum field included, is 0xFFFF):
// `src` and `dst` are the addresses as they lie in the IPv4 header (network
// order), `udp` the datagram of `n` >= 8 bytes. Summed in memory order (0xFFFF
// reads the same both ways): the addresses as they are, the protocol and
// length swapped in.
inline bool udp_checksum_ok(std::uint32_t src, std::uint32_t dst, const std::uint8_t* udp,
                            std::size_t n) {
  auto net16 = [](std::uint16_t v) {
    if constexpr (std::endian::native == std::endian::little) v = std::uint16_t(v << 8 | v >> 8);
    return std::uint64_t(v);
  };
  std::uint64_t acc = std::uint64_t(src) + dst + net16(17) + net16(std::uint16_t(n));
  return fold64(ones_complement_sum8(acc, udp, n)) == 0xFFFF;
}

// Whether an IPv4 header of `n` >= 20 bytes (its checksum field included) verifies.
inline bool ipv4_header_ok(const std::uint8_t* p, std::size_t n) {
  return fold64(ones_complement_sum8(0, p, n)) == 0xFFFF;
}

// The UDP pseudo-header's sum (addresses in host order), not folded.
inline std::uint32_t udp_pseudo_header_sum(std::uint32_t src_ip, std::uint32_t dst_ip,
                                           std::size_t udp_length) {
  return (src_ip >> 16) + (src_ip & 0xFFFF) + (dst_ip >> 16) + (dst_ip & 0xFFFF) + 17 +
         std::uint32_t(udp_length);
}

// The same sum in host order, for building headers: `sum` plus the bytes'
// one's-complement sum (32 bits, neither folded to 16 nor inverted).
std::uint32_t ones_complement_add(std::uint32_t sum, std::span<const std::uint8_t> bytes);
std::uint16_t fold_checksum(std::uint32_t sum);  // ~folded sum
std::uint16_t ipv4_header_checksum(std::span<const std::uint8_t> header);
// UDP checksum over the pseudo-header; a computed 0 is returned as 0xFFFF.
std::uint16_t udp_checksum(std::uint32_t src_ip, std::uint32_t dst_ip,
                           std::span<const std::uint8_t> udp_segment);

}  // namespace imup::packet
