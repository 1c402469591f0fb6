// SPDX-License-Identifier: GPL-2.0-or-later
// The codec's text fast paths, private to the codec (its .cpp files and the
// equivalence tests in tests/codec include this; nothing else should): the
// common valid name and the common CRLF text recognised eight bytes at a
// time, each accepting only what the general rules of text.hpp accept, with
// the same result. The general path stays the definition.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "codec/text.hpp"

namespace imup {

// Byte tests on eight bytes at once ("Bit Twiddling Hacks": hasless,
// hasmore, haszero): each leaves the top bit set in the bytes that match.
// The lowest set bit is exact; bits above it may be carries (any() is exact).
namespace word {
inline constexpr std::uint64_t kOnes = 0x0101010101010101ull;
inline constexpr std::uint64_t kHigh = 0x8080808080808080ull;
constexpr std::uint64_t below(std::uint64_t w, std::uint8_t n) {  // bytes < n, n <= 128
  return (w - kOnes * n) & ~w & kHigh;
}
constexpr std::uint64_t above(std::uint64_t w, std::uint8_t n) {  // bytes > n, n <= 127
  return ((w + kOnes * (127 - n)) | w) & kHigh;
}
constexpr std::uint64_t equal(std::uint64_t w, std::uint8_t c) {  // bytes == c
  return below(w ^ (kOnes * c), 1);
}
}  // namespace word

// The common valid name, tested without decoding: 1 to 20 visible ASCII
// characters but the comma. name_problem() accepts every such name.
// Eight bytes per test (at most three words for 20 bytes; a shorter name is
// read as overlapping pieces, which repeat bytes but add none).
inline bool is_plain_ascii_name(std::string_view name) {
  // Any byte <= 0x20, > 0x7E, or a comma.
  auto bad = [](std::uint64_t w) {
    return word::below(w, 0x21) | word::above(w, 0x7E) | word::equal(w, ',');
  };
  const char* p = name.data();
  const std::size_t n = name.size();
  if (n == 0 || n > kMaxNameChars) return false;
  auto load32 = [](const char* at) {
    std::uint32_t v;
    __builtin_memcpy(&v, at, 4);
    return std::uint64_t(v);
  };
  if (n < 8) {
    std::uint64_t w;
    if (n >= 4) {
      w = load32(p) | load32(p + n - 4) << 32;
    } else {  // 1..3 bytes, and five of 'a' (plain) around them
      w = std::uint64_t(static_cast<unsigned char>(p[0])) |
          std::uint64_t(static_cast<unsigned char>(p[n / 2])) << 8 |
          std::uint64_t(static_cast<unsigned char>(p[n - 1])) << 16 | (word::kOnes * 'a') << 24;
    }
    return !bad(w);
  }
  std::uint64_t any = 0;
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    std::uint64_t w;
    __builtin_memcpy(&w, p + i, 8);
    any |= bad(w);
  }
  std::uint64_t last;
  __builtin_memcpy(&last, p + n - 8, 8);
  return !(any | bad(last));
}

// The form nearly every text takes, recognised in one pass: printable ASCII
// (0x20..0x7E) in lines that each end with CRLF, the last one included.
// Returns true after calling `f(const Field&)` on each line (all Crlf) —
// the very fields for_each_field gives, on a text that is valid UTF-8 with
// no stray CR or LF. Returns false on anything else (a tab, UTF-8, a bare
// LF, a missing final CRLF...), possibly after some calls to `f`: the
// caller then starts over on the general path.
template <class F>
bool for_each_plain_line(std::string_view text, F&& f) {
  // Eight bytes at a time: the bytes below 0x20 or above 0x7E. Bits above
  // the lowest may be carries, so the byte found is always looked at before
  // it is judged.
  auto special = [](std::uint64_t w) { return word::below(w, 0x20) | word::above(w, 0x7E); };
  const char* p = text.data();
  const std::size_t n = text.size();
  std::size_t i = 0, start = 0;
  while (i < n) {
    // Skip to the next candidate byte: whole words, then (for the last
    // 1..7 bytes) one word ending at the text's end, its bytes before `i` shifted out.
    std::uint64_t w, m;
    if (i + 8 <= n) {
      __builtin_memcpy(&w, p + i, 8);
      if constexpr (std::endian::native != std::endian::little) w = __builtin_bswap64(w);
      m = special(w);
      if (!m) {
        i += 8;
        continue;
      }
    } else if (n >= 8) {
      __builtin_memcpy(&w, p + n - 8, 8);
      if constexpr (std::endian::native != std::endian::little) w = __builtin_bswap64(w);
      m = special(w) >> (8 * (i - (n - 8)));
      if (!m) {
        i = n;
        break;
      }
    } else {
      m = 0x80;  // a short text: byte by byte
    }
    i += std::size_t(std::countr_zero(m)) / 8;
    auto c = static_cast<unsigned char>(p[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;  // a carry, not a special byte
    } else if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
      f(Field{text.substr(start, i - start), Terminator::Crlf});
      i += 2;
      start = i;
    } else {
      return false;
    }
  }
  return start == n;
}

}  // namespace imup
