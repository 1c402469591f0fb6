// SPDX-License-Identifier: GPL-2.0-or-later
#include "catch.hpp"

#include "codec/codec.hpp"
#include "codec/exchange.hpp"

using namespace imup;

TEST_CASE("header fields sit at the bit positions PROTOCOL.md section 2 gives") {
  // seq 0x2AB, type 0x15, length 0x155, low 0x9
  Header h{0x2AB, 0x15, 0x155, 0x9};
  std::uint32_t w = pack(h);
  CHECK(w >> 22 == 0x2AB);
  CHECK(((w >> 14) & 0xFF) == 0x15);
  CHECK(((w >> 4) & 0x3FF) == 0x155);
  CHECK((w & 0xF) == 0x9);
  CHECK(unpack(w) == h);
  std::uint8_t b[4];
  store_be32(b, w);
  CHECK(b[0] == (w >> 24));  // big-endian: most significant byte first
  CHECK(load_be32(b) == w);
}

TEST_CASE("connexion2 from the draft packs to 00 40 40 40") {
  // seq 1, type 1, length 4: 0000000001 00000001 0000000100 0000
  CHECK(pack(Header{1, 1, 4, 0}) == 0x00404040u);
}

TEST_CASE("pack drops bits beyond each field's width") {
  CHECK(unpack(pack(Header{0xFFFF, 0xFF, 0xFFFF, 0xFF})) == Header{0x3FF, 0xFF, 0x3FF, 0xF});
}

TEST_CASE("the length rule is n-1 for a text, 0 for none") {
  CHECK(length_field_for(0) == 0);
  CHECK(length_field_for(1) == 0);
  CHECK(length_field_for(5) == 4);
  CHECK(length_field_for(1024) == 1023);
  CHECK(classify_length(0, 0) == LengthVerdict::Conforming);
  CHECK(classify_length(0, 1) == LengthVerdict::Conforming);
  CHECK(classify_length(1, 1) == LengthVerdict::Literal);
  CHECK(classify_length(1, 0) == LengthVerdict::Bad);
  CHECK(classify_length(1023, 1024) == LengthVerdict::Conforming);
  CHECK(classify_length(29, 29) == LengthVerdict::Literal);
  CHECK(classify_length(34, 51) == LengthVerdict::Bad);
}

TEST_CASE("formats follow the type ranges") {
  CHECK(format_of(MessageType::Connect) == Format::Plain);
  CHECK(format_of(MessageType::LimitReached) == Format::Plain);
  CHECK(format_of(MessageType::ChatMessage) == Format::StateMode);
  CHECK(format_of(MessageType::ChooseMode) == Format::StateMode);
  CHECK(format_of(MessageType::UserList) == Format::UserList);
  CHECK_FALSE(is_known_type(0));
  CHECK_FALSE(is_known_type(22));
  CHECK(to_type(21) == MessageType::UserList);
  CHECK_FALSE(to_type(200));
}

TEST_CASE("every request type has an answer and no answer type is answered") {
  for (int t = 1; t <= 21; ++t) {
    auto type = MessageType(t);
    bool answered = false;
    for (int a = 1; a <= 21; ++a)
      answered = answered || answers(type, MessageType(a), false) || answers(type, MessageType(a), true);
    CHECK(answered == is_request(type));
  }
}

TEST_CASE("the answer table of PROTOCOL.md section 6.1") {
  using T = MessageType;
  CHECK(answers(T::Connect, T::Ack, false));
  CHECK(answers(T::Connect, T::ConnectRefused, false));
  CHECK_FALSE(answers(T::Connect, T::UserList, false));
  CHECK(answers(T::ListRequest, T::UserList, false));
  CHECK(answers(T::Invitation, T::ModeOffer, false));
  CHECK_FALSE(answers(T::Invitation, T::ModeOffer, true));
  CHECK(answers(T::Invitation, T::AcceptInvitation, true));
  CHECK(answers(T::Invitation, T::RefuseInvitation, true));
  CHECK(answers(T::ChatMessage, T::CrossesRooms, false));
  CHECK(answers(T::ChooseMode, T::LimitReached, false));
  CHECK(answers(T::LivenessProbe, T::Ack, true));
}

TEST_CASE("sequence numbers compare in serial arithmetic over 10 bits") {
  CHECK(seq_after(1, 0));
  CHECK(seq_after(0, 1023));
  CHECK(seq_after(5, 1020));
  CHECK_FALSE(seq_after(1020, 5));
  CHECK_FALSE(seq_after(7, 7));
  CHECK(seq_after(511, 0));
  CHECK_FALSE(seq_after(512, 0));
  CHECK(seq_add(1023, 1) == 0);
  CHECK(seq_add(0, -1) == 1023);
  CHECK(seq_distance(1020, 3) == 7);
}

TEST_CASE("the unwrapper extends sequence numbers across the wrap") {
  SeqUnwrapper u;
  CHECK(u.unwrap(1020) == 1020);
  CHECK(u.unwrap(1023) == 1023);
  CHECK(u.unwrap(0) == 1024);
  CHECK(u.unwrap(1023) == 1023);  // a late copy stays behind
  CHECK(u.unwrap(1) == 1025);
  for (int i = 2; i < 3000; ++i) CHECK(u.unwrap(std::uint16_t(i % 1024)) == std::uint64_t(1024 + i));
}
