// SPDX-License-Identifier: GPL-2.0-or-later
#include "fuzz_mutator.hpp"

#include <algorithm>
#include <array>

#include "codec/wire.hpp"

namespace imup::craft {

namespace {

// Zero-pads a datagram shorter than a header (0 to 3 bytes) to a full header.
// Built as a new vector rather than by d.resize(kHeaderBytes): at -O3 g++ 16
// vectorizes resize's grow-and-relocate loop with 8-byte stores and reports
// -Werror=stringop-overflow ("writing 8 bytes into a region of size between 1
// and 7") for what moves at most 3 bytes into at least 4 -- a false positive
// that the lone `if (d.size() < 4) d.resize(4, 0);` already triggers (g++ 12
// and 14 are silent). This path has no relocation loop. Same bytes either way.
void pad_to_header(std::vector<std::uint8_t>& d) {
  std::vector<std::uint8_t> padded(kHeaderBytes, 0);
  std::copy(d.begin(), d.end(), padded.begin());
  d.swap(padded);
}

}  // namespace

std::string FuzzMutator::mutate(std::vector<std::uint8_t>& d, bool& duplicate) {
  duplicate = false;
  if (random_.unit() >= rate_) return "";
  // Bytes that stress text parsers: NUL, CR, LF, invalid UTF-8 lead and
  // continuation bytes, the name-list separator.
  static constexpr std::array<std::uint8_t, 7> kNasty{0x00, 0x0D, 0x0A, 0xFF, 0xC0, 0x80, ','};
  auto header_field = [&](const char* what, auto set) {
    if (d.size() < kHeaderBytes) pad_to_header(d);
    Header h = unpack(load_be32(d.data()));
    auto value = set(h);
    store_be32(d.data(), pack(h));
    return std::string(what) + "=" + std::to_string(value);
  };
  switch (random_.below(9)) {
    case 0: {
      if (d.empty()) d.push_back(0);
      auto bit = random_.below(d.size() * 8);
      d[bit / 8] ^= std::uint8_t(1u << (bit % 8));
      return "flip bit " + std::to_string(bit);
    }
    case 1:
      return header_field("seq", [&](Header& h) { return h.seq = std::uint16_t(random_.below(1024)); });
    case 2:
      return header_field("type", [&](Header& h) { return h.type = std::uint8_t(random_.below(256)); });
    case 3:
      return header_field("length", [&](Header& h) { return h.length = std::uint16_t(random_.below(1024)); });
    case 4:
      return header_field("low", [&](Header& h) { return h.low = std::uint8_t(random_.below(16)); });
    case 5: {
      auto n = random_.below(d.size() + 1);
      d.resize(n);
      return "truncate to " + std::to_string(n) + " bytes";
    }
    case 6: {
      auto n = 1 + random_.below(16);
      for (std::uint64_t i = 0; i < n; ++i) d.push_back(std::uint8_t(random_.next()));
      return "append " + std::to_string(n) + " random bytes";
    }
    case 7: {
      // A text byte: a datagram shorter than a header is padded first, so
      // `at` stays inside it (it used to index past the end for 0-3 bytes).
      if (d.size() < kHeaderBytes) pad_to_header(d);
      if (d.size() == kHeaderBytes) d.push_back(0x41);
      auto at = kHeaderBytes + random_.below(d.size() - kHeaderBytes);
      auto b = kNasty[random_.below(kNasty.size())];
      d[at] = b;
      return "byte " + std::to_string(at) + "=" + std::to_string(b);
    }
    default:
      duplicate = true;
      return "duplicate";
  }
}

}  // namespace imup::craft
