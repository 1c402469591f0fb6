// SPDX-License-Identifier: GPL-2.0-or-later
// The one set of big-endian (network byte order) load and store helpers.
// Header-only and dependent on nothing but the standard library, so that
// every library may use it: the codec (the IMUP header), pcap (frames) and
// the tools (the capture reader) alike.
#pragma once

#include <cstdint>
#include <vector>

namespace imup {

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return std::uint16_t(p[0] << 8 | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) |
         (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = std::uint8_t(v >> 8);
  p[1] = std::uint8_t(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = std::uint8_t(v >> 24);
  p[1] = std::uint8_t(v >> 16);
  p[2] = std::uint8_t(v >> 8);
  p[3] = std::uint8_t(v);
}
inline void append_be16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(std::uint8_t(v >> 8));
  out.push_back(std::uint8_t(v));
}
inline void append_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  append_be16(out, std::uint16_t(v >> 16));
  append_be16(out, std::uint16_t(v));
}

}  // namespace imup
