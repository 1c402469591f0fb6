// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "codec/text.hpp"

using namespace imup;

TEST_CASE("names follow PROTOCOL.md section 4.2") {
  CHECK(is_valid_name("Sheng"));
  CHECK(is_valid_name("lucy_2017"));
  CHECK(is_valid_name("Zoé"));
  CHECK(is_valid_name("李雷"));
  CHECK(is_valid_name("abcdefghijklmnopqrst"));         // 20 characters
  CHECK(is_valid_name("éééééééééééééééééééé"));         // 20 characters, 40 bytes
  CHECK_FALSE(is_valid_name(""));
  CHECK_FALSE(is_valid_name("abcdefghijklmnopqrstu"));  // 21
  CHECK_FALSE(is_valid_name("a b"));
  CHECK_FALSE(is_valid_name("a\tb"));
  CHECK_FALSE(is_valid_name("a,b"));
  CHECK_FALSE(is_valid_name("a\r"));
  CHECK_FALSE(is_valid_name("a\xc2\xa0" "b"));           // no-break space
  CHECK_FALSE(is_valid_name("a\xe3\x80\x80" "b"));       // ideographic space
  CHECK_FALSE(is_valid_name("a\xc2\x85"));               // C1 control
  CHECK_FALSE(is_valid_name("\xff"));
  CHECK(*name_problem("abcdefghijklmnopqrstu") == "the name has 21 characters (at most 20)");
}

TEST_CASE("UTF-8 validation rejects overlong forms, surrogates and truncation") {
  CHECK(utf8_length("abc") == 3u);
  CHECK(utf8_length("\xf0\x9f\x98\x80") == 1u);
  CHECK_FALSE(utf8_length("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(utf8_length("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(utf8_length("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(utf8_length("\xe2\x82"));          // truncated
  CHECK_FALSE(utf8_length("\x80"));              // lone continuation
}

TEST_CASE("fields split at LF and record their terminator") {
  auto f = split_fields("a\r\nb\nc");
  REQUIRE(f.size() == 3);
  CHECK(f[0].value == "a");
  CHECK(f[0].end == Terminator::Crlf);
  CHECK(f[1].value == "b");
  CHECK(f[1].end == Terminator::BareLf);
  CHECK(f[2].value == "c");
  CHECK(f[2].end == Terminator::None);
  CHECK(split_fields("").empty());
  auto e = split_fields("\r\n");
  REQUIRE(e.size() == 1);
  CHECK(e[0].value.empty());
}

TEST_CASE("endpoints have one spelling") {
  auto e = parse_endpoint("127.0.0.1:2017");
  REQUIRE(e);
  CHECK(e->ipv4 == 0x7F000001u);
  CHECK(e->port == 2017);
  CHECK(format_endpoint(*e) == "127.0.0.1:2017");
  CHECK_FALSE(parse_endpoint("127.0.0.1"));
  CHECK_FALSE(parse_endpoint("127.0.0.1:0"));
  CHECK_FALSE(parse_endpoint("127.0.0.1:65536"));
  CHECK_FALSE(parse_endpoint("127.0.0.1:02017"));
  CHECK_FALSE(parse_endpoint("127.0.0.01:2017"));
  CHECK_FALSE(parse_endpoint("256.0.0.1:2017"));
  CHECK_FALSE(parse_endpoint("1.2.3:4"));
  CHECK_FALSE(parse_endpoint("1.2.3.4.5:4"));
  CHECK_FALSE(parse_endpoint("a.b.c.d:1"));
}

TEST_CASE("utf8_length counts characters across its 8-byte ASCII fast path") {
  CHECK(utf8_length("") == 0u);
  CHECK(utf8_length("abcdefg") == 7u);
  CHECK(utf8_length("abcdefgh") == 8u);
  CHECK(utf8_length("abcdefghij") == 10u);
  CHECK(utf8_length("abcdefgh\xc3\xa9") == 9u);                // é after a full ASCII word
  CHECK(utf8_length("abcd\xc3\xa9" "efghijkl") == 13u);        // é inside the first word
  CHECK(utf8_length("abcdefghi\xc3\xa9jkl") == 13u);           // é in the tail
  CHECK_FALSE(utf8_length("abcdefghi\xff" "jklmnop").has_value());
  CHECK_FALSE(utf8_length("abcdefgh\xc3").has_value());         // cut in the tail
  CHECK_FALSE(utf8_length("abc\x80" "defghijklmnop").has_value());
}
