// SPDX-License-Identifier: GPL-2.0-or-later
#include "catch.hpp"

#include "codec/text.hpp"
#include "codec/text_fast_path.hpp"
#include "common/seeded_random.hpp"

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

// The single-pass recogniser must give for_each_field's very fields when it
// accepts, and accept exactly the printable-ASCII CRLF-line texts: checked
// against a byte-by-byte definition on short texts from an alphabet of the
// bytes that matter, at every alignment of the 8-byte word test.
TEST_CASE("for_each_plain_line accepts exactly printable ASCII CRLF lines, with for_each_field's fields") {
  const std::string alphabet = std::string("a ~,\r\n\t\x7f\x1f\x80\xc3\xa9") + '\0';
  auto plain_lines = [](std::string_view t) {
    for (std::size_t i = 0; i < t.size(); ++i) {
      auto c = static_cast<unsigned char>(t[i]);
      if (c >= 0x20 && c < 0x7F) continue;
      if (c == '\r' && i + 1 < t.size() && t[i + 1] == '\n') {
        ++i;
        continue;
      }
      return false;
    }
    return t.empty() || t.ends_with("\r\n");
  };
  SeededRandom random(0x9E3779B97F4A7C15ull);
  auto next = [&] { return random.next(); };
  std::size_t accepted = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string t;
    std::size_t len = next() % 24;
    // Mostly printable runs with line ends, so both answers come up often.
    for (std::size_t i = 0; i < len; ++i) {
      auto r = next() % 16;
      if (r < 10) t += char('a' + r);
      else if (r < 12) t += "\r\n";
      else t += alphabet[next() % alphabet.size()];
    }
    std::vector<Field> got;
    bool ok = for_each_plain_line(t, [&](const Field& f) { got.push_back(f); });
    INFO("text: " << t);
    REQUIRE(ok == plain_lines(t));
    if (!ok) continue;
    ++accepted;
    auto want = split_fields(t);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].value == want[i].value);
      CHECK(want[i].end == Terminator::Crlf);
      CHECK(got[i].end == Terminator::Crlf);
    }
    CHECK(utf8_length(t).has_value());
  }
  CHECK(accepted > 10000);
}

// is_plain_ascii_name reads names eight bytes at a time (overlapping pieces
// under 8): against the byte-by-byte rule at every length around the limit.
TEST_CASE("is_plain_ascii_name agrees with the byte-by-byte rule at every length") {
  const std::string alphabet = std::string("aZ09!~_-,\x20\x21\x7e\x7f\x1f\x80\xc3\xff") + '\0';
  auto rule = [](std::string_view name) {
    if (name.empty() || name.size() > kMaxNameChars) return false;
    for (char ch : name) {
      auto c = static_cast<unsigned char>(ch);
      if (c <= 0x20 || c >= 0x7F || c == ',') return false;
    }
    return true;
  };
  SeededRandom random(0x2545F4914F6CDD1Dull);
  auto next = [&] { return random.next(); };
  std::size_t plain = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string name;
    std::size_t len = next() % 24;
    bool clean = next() % 2;  // half the names draw from plain letters only
    for (std::size_t i = 0; i < len; ++i)
      name += clean && next() % 8 ? char('a' + next() % 26) : alphabet[next() % alphabet.size()];
    INFO("name bytes: " << name.size() << " '" << name << "'");
    REQUIRE(is_plain_ascii_name(name) == rule(name));
    plain += rule(name);
  }
  CHECK(plain > 20000);
}
