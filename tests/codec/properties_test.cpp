// SPDX-License-Identifier: GPL-2.0-or-later
// Properties over many random inputs: valid messages survive a round trip;
// arbitrary bytes always give a message or a named error, never a crash.
#include "catch.hpp"

#include "codec/codec.hpp"
#include "random_messages.hpp"

using namespace imup;

TEST_CASE("decode(encode(m)) == m for 200,000 random valid messages of every type") {
  std::mt19937_64 rng(2017);
  std::array<int, 22> per_type{};
  for (int i = 0; i < 200000; ++i) {
    Message m = testing::random_message(rng);
    auto bytes = encode(m);
    auto d = decode(bytes, Strictness::Strict);
    INFO(describe(m));
    REQUIRE(d.ok());
    REQUIRE(*d.message == m);
    REQUIRE(d.warnings.empty());
    REQUIRE(d.header->length == length_field_for(bytes.size() - kHeaderBytes));
    ++per_type[std::size_t(m.type())];
  }
  for (int t = 1; t <= 21; ++t) CHECK(per_type[std::size_t(t)] > 5000);
}

TEST_CASE("random bytes always decode to a message or a named error") {
  std::mt19937_64 rng(1);
  std::vector<std::uint8_t> buf;
  int decoded = 0;
  for (int i = 0; i < 300000; ++i) {
    buf.resize(std::uniform_int_distribution<std::size_t>(0, 64)(rng));
    for (auto& b : buf) b = std::uint8_t(rng());
    // Bias half the inputs toward known types so the text parsers run too.
    if (buf.size() >= 4 && (i & 1)) {
      if (rng() % 3 == 0) buf.resize(4);  // the many types with no text
      Header h{std::uint16_t(rng() & 0x3FF), std::uint8_t(1 + rng() % 21),
               length_field_for(buf.size() - 4), std::uint8_t(rng() % 2 ? rng() & 0xF : 0)};
      store_be32(buf.data(), pack(h));
    }
    for (auto mode : {Strictness::Strict, Strictness::Lenient}) {
      auto d = decode(buf, mode);
      REQUIRE(d.ok() != d.error.has_value());
      if (d.error) REQUIRE_FALSE(fault_name(d.error->fault).empty());
      if (mode == Strictness::Strict) REQUIRE(d.warnings.empty());
      if (d.ok() && mode == Strictness::Strict) {
        ++decoded;
        // Strictly valid bytes are canonical.
        REQUIRE(encode(*d.message) == buf);
      }
    }
  }
  CHECK(decoded > 1000);  // the biased half reaches the text parsers
}

TEST_CASE("a lenient decode with no warnings is a strict decode") {
  std::mt19937_64 rng(7);
  std::vector<std::uint8_t> buf;
  for (int i = 0; i < 100000; ++i) {
    buf.resize(std::uniform_int_distribution<std::size_t>(4, 40)(rng));
    for (auto& b : buf) b = std::uint8_t(" ,a\r\nZ\xc3\xa9"[rng() % 8]);
    Header h{0, std::uint8_t(1 + rng() % 21), std::uint16_t(rng() % 40), 0};
    store_be32(buf.data(), pack(h));
    auto lenient = decode_lenient(buf);
    if (lenient.ok() && lenient.warnings.empty()) {
      auto strict = decode(buf, Strictness::Strict);
      REQUIRE(strict.ok());
      REQUIRE(*strict.message == *lenient.message);
    }
  }
}

namespace {
// check() must give decode()'s verdict exactly: header, error and warnings
// (fault, field and detail), in both modes.
void require_same_verdict(std::span<const std::uint8_t> bytes) {
  for (auto mode : {Strictness::Strict, Strictness::Lenient}) {
    auto d = decode(bytes, mode);
    auto v = check(bytes, mode);
    REQUIRE(v.header == d.header);
    REQUIRE(v.error == d.error);
    REQUIRE(v.warnings == d.warnings);
    REQUIRE(v.ok() == d.ok());
  }
}
}  // namespace

TEST_CASE("check() gives decode()'s verdict on valid, mutated and random datagrams") {
  std::mt19937_64 rng(19);
  std::vector<std::uint8_t> buf;
  int faulty = 0;
  for (int i = 0; i < 150000; ++i) {
    Message m = testing::random_message(rng);
    buf = encode(m);
    require_same_verdict(buf);
    // Mutations aimed at every grammar: a byte from the alphabet that
    // breaks texts (separators, terminators, invalid UTF-8), a cut, the low bits.
    auto mutated = buf;
    switch (rng() % 4) {
      case 0:
        if (mutated.size() > 4)
          mutated[4 + rng() % (mutated.size() - 4)] = std::uint8_t(" ,:.\r\n\xff\xc3"[rng() % 8]);
        break;
      case 1: mutated.resize(rng() % (mutated.size() + 1)); break;
      case 2: mutated[3] = std::uint8_t((mutated[3] & 0xF0) | (rng() & 0xF)); break;
      default: mutated.push_back(std::uint8_t(rng())); break;
    }
    require_same_verdict(mutated);
    if (!check(mutated, Strictness::Lenient).clean()) ++faulty;
    // And arbitrary bytes after a known header.
    buf.resize(std::uniform_int_distribution<std::size_t>(0, 48)(rng));
    for (auto& b : buf) b = std::uint8_t(rng());
    if (buf.size() >= 4) {
      Header h{std::uint16_t(rng() & 0x3FF), std::uint8_t(1 + rng() % 21),
               length_field_for(buf.size() - 4), std::uint8_t(rng() % 2 ? rng() & 0xF : 0)};
      store_be32(buf.data(), pack(h));
    }
    require_same_verdict(buf);
  }
  CHECK(faulty > 10000);  // the mutations reach the faults, not only clean inputs
}
