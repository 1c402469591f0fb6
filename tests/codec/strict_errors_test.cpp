// SPDX-License-Identifier: GPL-2.0-or-later
// Strict decoding names the field and the fault; encoding refuses what the
// protocol forbids instead of cutting it.
#include "catch.hpp"

#include <string>

#include "codec/codec.hpp"

using namespace imup;

namespace {
std::vector<std::uint8_t> datagram(std::uint16_t seq, std::uint8_t type, std::string_view text,
                                   std::uint8_t low = 0, std::optional<std::uint16_t> length = {}) {
  std::vector<std::uint8_t> out(4 + text.size());
  Header h{seq, type, length ? *length : length_field_for(text.size()), low};
  write_datagram(h, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), out);
  return out;
}
struct Case {
  const char* what;
  std::vector<std::uint8_t> bytes;
  Fault fault;
  std::string field;
};
}  // namespace

TEST_CASE("strict decoding names the fault and the field") {
  const std::string k1025(1025, 'a');
  std::vector<Case> cases{
      {"3 bytes", {0, 0x40, 0}, Fault::Truncated, "header"},
      {"type 0", datagram(0, 0, ""), Fault::UnknownType, "header.type"},
      {"type 22", datagram(0, 22, ""), Fault::UnknownType, "header.type"},
      {"1025 text bytes", datagram(0, 18, k1025, 0, 0), Fault::TextTooLong, "text"},
      {"literal length", datagram(0, 1, "Sheng\r\n", 0, 7), Fault::LengthLiteral, "header.length"},
      {"length fits nothing", datagram(0, 1, "Sheng\r\n", 0, 2), Fault::BadLength, "header.length"},
      {"length with no text", datagram(0, 8, "", 0, 3), Fault::BadLength, "header.length"},
      {"reserved bits", datagram(0, 8, "", 0x4), Fault::ReservedSet, "header.reserved"},
      {"user-list reserved bits", datagram(0, 21, "", 0x1), Fault::ReservedSet, "header.reserved"},
      {"group-update reserved bits", datagram(0, 11, "", 0x9), Fault::ReservedSet, "header.reserved"},
      {"more bit on an ACK", datagram(0, 8, "", 0x8), Fault::ReservedSet, "header.reserved"},
      {"state 10", datagram(0, 18, "hi\r\n", 0x8), Fault::BadStateMode, "header.state_mode"},
      {"mode 11", datagram(0, 20, "", 0x3), Fault::BadStateMode, "header.state_mode"},
      {"bad UTF-8", datagram(0, 18, "\xff\r\n"), Fault::BadUtf8, "text"},
      {"missing CRLF", datagram(0, 1, "Sheng"), Fault::MissingCrlf, "text"},
      {"bare LF", datagram(0, 1, "Sheng\n"), Fault::BareLf, "text"},
      {"Connexion without a name", datagram(0, 1, ""), Fault::MissingField, "text"},
      {"Connexion with two names", datagram(0, 1, "a\r\nb\r\n"), Fault::ExtraField, "text"},
      {"21-character name", datagram(0, 1, "abcdefghijklmnopqrstu\r\n"), Fault::BadName, "text.name"},
      {"name with a space", datagram(0, 1, "Li Lei\r\n"), Fault::BadName, "text.name"},
      {"text on an ACK", datagram(0, 8, "x"), Fault::UnexpectedText, "text"},
      {"text on a probe", datagram(0, 12, "\r\n"), Fault::UnexpectedText, "text"},
      {"start id 1024", datagram(0, 4, "1024\r\n"), Fault::BadNumber, "text.start_id"},
      {"start id 007", datagram(0, 4, "007\r\n"), Fault::BadNumber, "text.start_id"},
      {"relay without sender", datagram(0, 9, "Bonjour, Sheng envoie\r\n"), Fault::OneFieldText, "text.sender"},
      {"relay with bad sender", datagram(0, 9, "hi\r\na,b\r\n"), Fault::BadName, "text.sender"},
      {"member with bad address", datagram(0, 11, "Lucy 1.2.3:4\r\n"), Fault::BadAddress, "text.member.address"},
      {"invitation with empty name", datagram(0, 19, "Sheng,,Lucy\r\n", 0x4), Fault::BadName, "text.names"},
      {"invitation with a dangling space", datagram(0, 19, "Sheng \r\n", 0x4), Fault::UnexpectedText, "text.note"},
      {"mode word unknown", datagram(0, 20, "hybride\r\n", 0x4), Fault::UnexpectedText, "text.mode"},
      {"mode text disagrees", datagram(0, 20, "decentralise\r\n", 0x4), Fault::ModeTextMismatch, "text.mode"},
      {"user list as text", datagram(0, 21, "publique, Lucy"), Fault::TextUserList, "text"},
      {"user entry overruns", datagram(0, 21, std::string("\x00\x00\x00\x09Lucy", 8)), Fault::BadUserEntry, "text.entry"},
      {"user entry status 10", datagram(0, 21, std::string("\x80\x00\x00\x04Lucy", 8)), Fault::BadUserEntry, "text.entry"},
      {"user entry bad name", datagram(0, 21, std::string("\x00\x00\x00\x03" "a\x01" "b", 7)), Fault::BadUserEntry, "text.entry.name"},
      {"reason with two lines", datagram(0, 14, "a\r\nb\r\n"), Fault::ExtraField, "text"},
      // Found by the decode fuzzer: a lone CR inside a field is not a terminator.
      {"lone CR in a message", datagram(1, 18, std::string(",\0\r*g\0\r\n", 8), 0x5), Fault::CrlfInField, "text"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto d = decode(c.bytes, Strictness::Strict);
    REQUIRE(d.error);
    CHECK(d.error->fault == c.fault);
    CHECK(std::string(d.error->field) == c.field);
    CHECK_FALSE(d.error->detail.empty());
    CHECK_FALSE(d.message);
  }
}

TEST_CASE("lenient decoding keeps the strict errors that are not the draft's deviations") {
  CHECK(decode_lenient(datagram(0, 18, "hi\r\n", 0xC)).error->fault == Fault::BadStateMode);
  CHECK(decode_lenient(datagram(0, 1, "a b\r\n")).error->fault == Fault::BadName);
  CHECK(decode_lenient(datagram(0, 23, "")).error->fault == Fault::UnknownType);
  auto reserved = decode_lenient(datagram(3, 8, "", 0x2));
  REQUIRE(reserved.ok());
  REQUIRE(reserved.warnings.size() == 1);
  CHECK(reserved.warnings[0].fault == Fault::ReservedSet);
}

TEST_CASE("type 11 carries its more-parts flag in bit 3 (D19)") {
  auto first = decode(datagram(7, 11, "Sheng 10.0.0.1:4000\r\n", 0x8));
  REQUIRE(first.ok());
  CHECK(first.warnings.empty());
  CHECK(std::get<GroupUpdate>(first.message->body).more);
  auto last = decode(datagram(8, 11, "Lucy 10.0.0.2:4001\r\n"));
  REQUIRE(last.ok());
  CHECK_FALSE(std::get<GroupUpdate>(last.message->body).more);
  Message m{9, GroupUpdate{{GroupMember{"Kim", std::nullopt}}, true}};
  CHECK((encode(m)[3] & 0xF) == 0x8);
}

TEST_CASE("a text of exactly 1024 bytes is the largest datagram") {
  std::string text(1022, 'x');
  Message m{5, ChatMessage{Room::Public, Mode::Centralized, text, std::nullopt}};
  auto bytes = encode(m);
  CHECK(bytes.size() == kMaxDatagramBytes);
  CHECK(decode(bytes).ok());
  std::get<ChatMessage>(m.body).message += "y";
  std::vector<std::uint8_t> out(kMaxDatagramBytes);
  auto r = encode(m, out);
  REQUIRE(r.error);
  CHECK(r.error->fault == Fault::TextTooLong);
}

TEST_CASE("the encoder refuses instead of truncating") {
  auto refuses = [](Body body, Fault expected) {
    std::vector<std::uint8_t> out(kMaxDatagramBytes);
    auto r = encode(Message{0, std::move(body)}, out);
    REQUIRE(r.error);
    CHECK(r.error->fault == expected);
    CHECK(r.size == 0);
  };
  refuses(Connect{"abcdefghijklmnopqrstu"}, Fault::BadName);
  refuses(Connect{""}, Fault::BadName);
  refuses(ChatMessage{Room::Public, Mode::Centralized, "two\r\nlines", std::nullopt}, Fault::CrlfInField);
  refuses(ChatMessage{Room::Public, Mode::Centralized, "\xff", std::nullopt}, Fault::BadUtf8);
  refuses(Relayed{"hi", "", std::nullopt}, Fault::BadName);
  refuses(Invitation{Room::Private, Mode::Centralized, {}, ""}, Fault::MissingField);
  refuses(ListRequest{std::uint16_t(1024)}, Fault::BadNumber);
  refuses(UserListPage{false, {UserEntry{Room::Public, 1024, "a"}}, std::nullopt}, Fault::BadUserEntry);
  std::vector<UserEntry> many(60, UserEntry{Room::Public, 1, "abcdefghijklmnopqrst"});
  refuses(UserListPage{false, many, std::nullopt}, Fault::TextTooLong);
  CHECK(entries_fitting(many) == 42);  // 42 * 24 = 1008 <= 1024 < 43 * 24
  std::vector<std::uint8_t> out(kMaxDatagramBytes);
  CHECK(encode(Message{1024, Ack{}}, out).error->fault == Fault::BadNumber);
  CHECK_THROWS_AS(encode(Message{0, Connect{"a b"}}), std::invalid_argument);
}

TEST_CASE("format-2 and format-3 bits travel in the header") {
  auto bytes = encode(Message{9, ChatMessage{Room::Private, Mode::Decentralized, "Rebonjour", std::nullopt}});
  CHECK((bytes[3] & 0xF) == 0x5);
  auto page = encode(Message{3, UserListPage{true, {UserEntry{Room::Private, 7, "Lucy"}}, std::nullopt}});
  CHECK((page[3] & 0xF) == kMoreBit);
  // entry word: status 01, id 7, length 4 -> 0x40700004
  CHECK(load_be32(page.data() + 4) == 0x40700004u);
}

TEST_CASE("the size helpers count the text bytes the encoder writes") {
  GroupMember plain{"Lucy", std::nullopt};
  GroupMember placed{"Sheng", Endpoint{0x7F000001, 4242}};  // "Sheng 127.0.0.1:4242\r\n"
  CHECK(group_member_bytes(plain) == 6);
  CHECK(group_member_bytes(placed) == 22);
  auto update = encode(Message{0, GroupUpdate{{plain, placed}, false}});
  CHECK(update.size() == kHeaderBytes + group_member_bytes(plain) + group_member_bytes(placed));

  auto invitation = encode(Message{0, Invitation{Room::Private, Mode::Centralized, {"Lucy", "Sheng"}, ""}});
  CHECK(invitation.size() ==
        kHeaderBytes + invitation_name_bytes("Lucy", true) + invitation_name_bytes("Sheng", false));

  UserEntry entry{Room::Public, 3, "Lucy"};
  CHECK(encode(Message{0, UserListPage{false, {entry}, std::nullopt}}).size() ==
        kHeaderBytes + user_entry_bytes(entry));
}
