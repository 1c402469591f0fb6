// SPDX-License-Identifier: GPL-2.0-or-later
#include "catch.hpp"

#include "codec/codec.hpp"
#include "message_script.hpp"
#include "script_encoder.hpp"

using namespace imup;
using namespace imup::script;

namespace {
std::vector<EncodedLine> encode_all(std::string_view text) {
  ScriptParser p;
  auto lines = p.parse(text);
  ScriptEncoder e(packet::Timestamp{100, 0}, 1'000'000, 2017);
  std::vector<EncodedLine> out;
  for (const auto& l : lines) {
    out.emplace_back();
    e.encode(l, out.back());
  }
  return out;
}
}  // namespace

TEST_CASE("requests are numbered per sender and answers echo the request they answer") {
  auto out = encode_all(
      "0 client server connect name=A\n"
      "- client server list\n"
      "- server client user-list entry=0:A\n"
      "- server client ack\n"
      "- client2 server connect name=B\n");
  REQUIRE(out.size() == 5);
  CHECK(out[0].seq == 0);
  CHECK(out[1].seq == 1);
  CHECK(out[2].seq == 1);  // the list page answers the list request
  CHECK(out[3].seq == 0);  // the ACK answers the Connexion
  CHECK(out[4].seq == 0);  // another client has its own counter
}

TEST_CASE("times: absolute, relative and gap") {
  auto out = encode_all(
      "1.5 client server ack\n"
      "+0.25 client server ack\n"
      "- client server ack\n");
  CHECK(out[0].when == packet::Timestamp{101, 500'000'000});
  CHECK(out[1].when == packet::Timestamp{101, 750'000'000});
  CHECK(out[2].when == packet::Timestamp{101, 751'000'000});
}

TEST_CASE("the encoded datagram decodes to the fields of the line") {
  auto out = encode_all(
      "0 client server message message=\"Bonjour a tous\" recipient=Lucy state=private mode=d\n");
  auto d = decode(out[0].payload);
  REQUIRE(d.ok());
  auto& m = std::get<ChatMessage>(d.message->body);
  CHECK(m.message == "Bonjour a tous");
  CHECK(m.recipient == std::optional<std::string>("Lucy"));
  CHECK(m.room == Room::Private);
  CHECK(m.mode == Mode::Decentralized);
}

TEST_CASE("header fields can be forced to invalid values") {
  auto out = encode_all("0 client server connect name=A seq=1023 length=0x3FF low=15 force-type=99\n");
  auto h = unpack(load_be32(out[0].payload.data()));
  CHECK(h.seq == 1023);
  CHECK(h.length == 1023);
  CHECK(h.low == 15);
  CHECK(h.type == 99);
}

TEST_CASE("invalid state and mode values go to the header bits") {
  auto out = encode_all("0 client server message message=x state=3 mode=2\n");
  CHECK(unpack(load_be32(out[0].payload.data())).low == 0xE);
}

TEST_CASE("text= and payload= write raw bytes") {
  auto out = encode_all(
      "0 client server connect text=\"lucy\\n\"\n"
      "- client server ack payload=\"de ad be ef 01\"\n");
  CHECK(std::string(out[0].payload.begin() + 4, out[0].payload.end()) == "lucy\n");
  CHECK(unpack(load_be32(out[0].payload.data())).length == 4);
  CHECK(out[1].payload == std::vector<std::uint8_t>{0xde, 0xad, 0xbe, 0xef, 0x01});
}

TEST_CASE("resend=yes reuses the last request's number") {
  auto out = encode_all(
      "0 client server message message=a\n"
      "+2 client server message message=a resend=yes\n"
      "- client server message message=b\n");
  CHECK(out[0].seq == 0);
  CHECK(out[1].seq == 0);
  CHECK(out[2].seq == 1);
}

TEST_CASE("bad lines are refused with the line number and the reason") {
  ScriptParser p;
  CHECK_THROWS_WITH(p.parse("0 client server connect name=A\n0 client server nosuchtype\n"),
                    Catch::Contains("line 2") && Catch::Contains("unknown type"));
  CHECK_THROWS_WITH(p.parse("0 client nowhere ack\n"), Catch::Contains("unknown destination"));
  CHECK_THROWS_WITH(p.parse("0 client server ack name=x\n"), Catch::Contains("not a field of ack"));
  CHECK_THROWS_WITH(p.parse("0 client server connect name=\"open\n"), Catch::Contains("unterminated"));
  CHECK_THROWS_WITH(p.parse("zz client server ack\n"), Catch::Contains("bad time"));
  CHECK_THROWS_WITH(p.parse("0 client server ack seq=1024\n"), Catch::Contains("0 to 1023"));
}

TEST_CASE("define names an endpoint") {
  ScriptParser p;
  auto lines = p.parse("define alice 10.1.2.3:5000\n0 alice server ack\n");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].src == Endpoint{0x0A010203, 5000});
}

TEST_CASE("every type word round-trips and every type has a word") {
  for (std::uint8_t t = 1; t <= 21; ++t) {
    auto w = type_word(t);
    REQUIRE_FALSE(w.empty());
    CHECK(parse_type_word(w) == t);
  }
  CHECK(parse_type_word("Connexion") == 1);
  CHECK(parse_type_word("type23") == 23);
  CHECK(parse_type_word("0x16") == 22);
}
