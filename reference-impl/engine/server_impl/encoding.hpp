// SPDX-License-Identifier: GPL-2.0-or-later
// The server's two shortcuts around the codec: encode a message it built
// itself (empty when it does not fit), and give cached bytes (a user-list
// page, a relayed message) the sequence number of the request they serve.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "codec/codec.hpp"

namespace imup::engine {

inline std::vector<std::uint8_t> encode_or_empty(const Message& m) {
  std::array<std::uint8_t, kMaxDatagramBytes> buf;
  Encoded e = encode(m, buf);
  if (!e.ok()) return {};
  // Sized first, then filled: the iterator-pair constructor, inlined with
  // Debian's hardening flags (-O2, _FORTIFY_SOURCE=3), makes g++ 14 see a
  // delete at an offset (-Wfree-nonheap-object, a false positive).
  std::vector<std::uint8_t> bytes(e.size);
  std::copy_n(buf.data(), e.size, bytes.data());
  return bytes;
}

// Rewrites the sequence number of encoded bytes in place.
inline void set_seq(std::span<std::uint8_t> bytes, std::uint16_t seq) {
  if (bytes.size() < kHeaderBytes) return;
  Header h = unpack(load_be32(bytes.data()));
  h.seq = seq;
  store_be32(bytes.data(), pack(h));
}

}  // namespace imup::engine
