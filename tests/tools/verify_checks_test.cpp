// SPDX-License-Identifier: GPL-2.0-or-later
// The verifier's tables and exchange logic, driven without a capture.
#include "catch.hpp"

#include <algorithm>
#include <set>

#include "exchange_tracker.hpp"
#include "rtt_histogram.hpp"
#include "violation_codes.hpp"

using namespace imup;
using namespace imup::verify;

TEST_CASE("datagram codes are the codec's fault names") {
  for (int f = 0; f < int(Fault::CrlfInField); ++f)
    CHECK(info(from_fault(Fault(f))).name == fault_name(Fault(f)));
}

TEST_CASE("code names are unique snake_case and explained") {
  std::set<std::string_view> seen;
  for (const auto& c : all_codes()) {
    CHECK(seen.insert(c.name).second);
    CHECK(c.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string_view::npos);
    CHECK_FALSE(c.explanation.empty());
    CHECK(code_by_name(c.name) == c.code);
  }
}

TEST_CASE("RTT histogram quantiles are within 2 percent") {
  RttHistogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.add(v * 1000);
  CHECK(h.min() == 1000);
  CHECK(h.max() == 100'000'000);
  CHECK(double(h.quantile(0.5)) == Approx(50'000'000).epsilon(0.02));
  CHECK(double(h.quantile(0.99)) == Approx(99'000'000).epsilon(0.02));
}

namespace {
struct Harness {
  std::vector<Violation> seen;
  ExchangeTracker t{TrackerOptions{}, [this](Violation&& v) { seen.push_back(std::move(v)); }};
  Endpoint client{0x7F000001, 40000}, server{0x7F000001, 2017};
  std::uint64_t frame = 0;
  void send(bool from_client, std::uint8_t type, std::uint16_t seq, double at_s,
            std::uint8_t low = 0) {
    Header h{seq, type, 0, low};
    Endpoint s = from_client ? client : server, d = from_client ? server : client;
    std::uint8_t bytes[4];
    store_be32(bytes, pack(h));
    Message m;
    m.seq = seq;
    m.body = make_body(MessageType(type));
    t.datagram(++frame, std::int64_t(at_s * 1e9), s, d, t.classify(s, d), h, &m, bytes);
  }
  bool has(Code c) const {
    return std::any_of(seen.begin(), seen.end(), [&](const Violation& v) { return v.code == c; });
  }
};
}  // namespace

TEST_CASE("a clean connect, message and ACKs shows nothing, and counts the RTT") {
  Harness h;
  h.send(true, 1, 0, 0.0);
  h.send(false, 8, 0, 0.01);
  h.send(true, 18, 1, 1.0);
  h.send(false, 8, 1, 1.02);
  h.t.finish(2'000'000'000);
  CHECK(h.seen.empty());
  CHECK(h.t.stats().rtt.count() == 2);
  CHECK(h.t.stats().requests == 2);
}

TEST_CASE("a retransmission 2 s later is fine; one 1 s later is too soon") {
  Harness h;
  h.send(true, 1, 0, 0.0);
  h.send(true, 1, 0, 2.5);
  CHECK(h.seen.empty());
  h.send(true, 1, 0, 3.0);
  CHECK(h.has(Code::RetransmitTooSoon));
  CHECK(h.t.stats().retransmissions == 2);
}

TEST_CASE("the resent request's answer must be the cached one") {
  Harness h;
  h.send(true, 1, 0, 0.0);
  h.send(false, 8, 0, 0.01);
  h.send(true, 1, 0, 3.0);
  h.send(false, 8, 0, 3.01);
  CHECK(h.seen.empty());
  h.send(false, 8, 0, 3.02);
  CHECK(h.has(Code::DuplicateAnswer));
}

TEST_CASE("sequence numbers wrap around 1023 to 0 without complaint") {
  Harness h;
  h.send(true, 1, 1022, 0.0);
  h.send(false, 8, 1022, 0.01);
  h.send(true, 18, 1023, 0.1);
  h.send(false, 8, 1023, 0.11);
  h.send(true, 18, 0, 0.2);
  h.send(false, 8, 0, 0.21);
  CHECK(h.seen.empty());
  h.send(true, 18, 1000, 0.3);
  CHECK(h.has(Code::SeqNotIncreasing));
}

TEST_CASE("the window spans 32 numbers from the oldest unanswered request") {
  Harness h;
  h.send(true, 1, 0, 0.0);
  h.send(false, 8, 0, 0.01);
  h.send(true, 18, 1, 0.1);  // never answered
  for (std::uint16_t seq = 2; seq <= 32; ++seq) {
    h.send(true, 18, seq, 0.1 + seq * 0.01);
    h.send(false, 8, seq, 0.105 + seq * 0.01);
  }
  CHECK_FALSE(h.has(Code::WindowExceeded));
  h.send(true, 18, 33, 0.5);  // 32 numbers after the unanswered 1
  CHECK(h.has(Code::WindowExceeded));
}

TEST_CASE("a message before the Connexion is reported once") {
  Harness h;
  h.send(true, 18, 0, 0.0);
  h.send(false, 8, 0, 0.01);
  h.send(true, 18, 1, 0.1);
  h.send(false, 8, 1, 0.11);
  CHECK(std::count_if(h.seen.begin(), h.seen.end(),
                      [](const Violation& v) { return v.code == Code::NotConnected; }) == 1);
}

namespace {
// Whole messages between named endpoints, encoded and decoded as a capture's
// datagrams would be.
struct Flow {
  std::vector<Violation> seen;
  ExchangeTracker t{TrackerOptions{}, [this](Violation&& v) { seen.push_back(std::move(v)); }};
  Endpoint server{0xC0000201, 2017};
  Endpoint sheng{0xC000020A, 40000}, lucy{0xC000020B, 40001}, carol{0xC000020C, 40002};
  std::uint64_t frame = 0;
  void send(Endpoint s, Endpoint d, double at_s, Body body, std::uint16_t seq) {
    Message m{seq, std::move(body)};
    auto bytes = encode(m);
    auto decoded = decode_lenient(bytes);
    REQUIRE(decoded.ok());
    t.datagram(++frame, std::int64_t(at_s * 1e9), s, d, t.classify(s, d), *decoded.header,
               &*decoded.message, bytes);
  }
  void connect(Endpoint c, const char* name, double at_s) {
    send(c, server, at_s, Connect{name}, 0);
    send(server, c, at_s + 0.01, Ack{}, 0);
  }
  // An 11 from the server to `c` with `seq`, ACKed 10 ms later unless told not to.
  void update(Endpoint c, double at_s, std::uint16_t seq, std::vector<GroupMember> members,
              bool more, bool acked = true) {
    send(server, c, at_s, GroupUpdate{std::move(members), more}, seq);
    if (acked) send(c, server, at_s + 0.01, Ack{}, seq);
  }
  std::size_t count(Code c) const {
    return std::size_t(std::count_if(seen.begin(), seen.end(),
                                      [&](const Violation& v) { return v.code == c; }));
  }
};
ChatMessage private_message(const char* text, Mode mode) {
  return ChatMessage{Room::Private, mode, text, std::nullopt};
}
}  // namespace

TEST_CASE("a request resent with the same bytes is a retransmission; with other bytes, seq_reused") {
  Flow f;
  f.connect(f.sheng, "Sheng", 0);
  f.send(f.sheng, f.server, 1.0, ChatMessage{Room::Public, Mode::Centralized, "premier", {}}, 1);
  f.send(f.server, f.sheng, 1.01, Ack{}, 1);
  f.send(f.sheng, f.server, 3.5, ChatMessage{Room::Public, Mode::Centralized, "premier", {}}, 1);
  f.send(f.server, f.sheng, 3.51, Ack{}, 1);
  CHECK(f.seen.empty());
  CHECK(f.t.stats().retransmissions == 1);
  // Other bytes, 0.5 s later: neither a resend sent too soon nor a number going back.
  f.send(f.sheng, f.server, 4.0, ChatMessage{Room::Public, Mode::Centralized, "second", {}}, 1);
  f.send(f.server, f.sheng, 4.01, Ack{}, 1);
  CHECK(f.count(Code::SeqReused) == 1);
  CHECK(f.seen.size() == 1);
}

TEST_CASE("a group update in parts (D19) applies when complete, and only one part at a time") {
  Flow f;
  f.connect(f.sheng, "Sheng", 0);
  f.send(f.sheng, f.server, 1, Invitation{Room::Private, Mode::Centralized, {"Lucy"}, ""}, 1);
  f.send(f.server, f.sheng, 1.01, ModeOffer{"centralise ou decentralise"}, 1);
  f.send(f.sheng, f.server, 2, ChooseMode{Room::Private, Mode::Centralized, false}, 2);
  f.send(f.server, f.sheng, 2.01, Ack{}, 2);
  // First part without Sheng, more to come: the membership has not changed yet.
  f.update(f.sheng, 3, 1, {{"Lucy", {}}}, true);
  f.send(f.sheng, f.server, 3.5, private_message("a", Mode::Centralized), 3);
  f.send(f.server, f.sheng, 3.51, Ack{}, 3);
  CHECK(f.seen.empty());
  // The last part completes a list that does not name Sheng.
  f.update(f.sheng, 4, 2, {{"Carol", {}}}, false);
  f.send(f.sheng, f.server, 4.5, private_message("b", Mode::Centralized), 4);
  f.send(f.server, f.sheng, 4.51, Ack{}, 4);
  CHECK(f.count(Code::SenderNotMember) == 1);
  // A complete list naming him again: fine.
  f.update(f.sheng, 5, 3, {{"Sheng", {}}, {"Lucy", {}}}, true);
  f.update(f.sheng, 5.1, 4, {{"Carol", {}}}, false);
  f.send(f.sheng, f.server, 5.5, private_message("c", Mode::Centralized), 5);
  f.send(f.server, f.sheng, 5.51, Ack{}, 5);
  CHECK(f.count(Code::SenderNotMember) == 1);
  CHECK(f.count(Code::UpdatePartOutOfOrder) == 0);
  // An update with no members ("accepted", no list) keeps the membership:
  // Sheng is still listed, and his message is fine.
  f.update(f.sheng, 5.6, 5, {}, false);
  f.send(f.sheng, f.server, 5.7, private_message("d", Mode::Centralized), 6);
  f.send(f.server, f.sheng, 5.71, Ack{}, 6);
  CHECK(f.count(Code::SenderNotMember) == 1);
  // Part 2 before part 1's ACK.
  f.update(f.sheng, 6, 6, {{"Sheng", {}}}, true, false);
  f.update(f.sheng, 6.01, 7, {{"Lucy", {}}}, false, false);
  CHECK(f.count(Code::UpdatePartOutOfOrder) == 1);
  f.send(f.sheng, f.server, 6.02, Ack{}, 6);
  f.send(f.sheng, f.server, 6.03, Ack{}, 7);
  // A Group closed between announced parts.
  f.update(f.sheng, 7, 8, {{"Sheng", {}}}, true);
  f.send(f.server, f.sheng, 7.1, GroupClosed{"fermer"}, 9);
  CHECK(f.count(Code::UpdatePartOutOfOrder) == 2);
}

TEST_CASE("mode bits are checked against the group's mode as the flow set it") {
  Flow f;
  f.connect(f.sheng, "Sheng", 0);
  // From the public room an invitation carries mode 00.
  f.send(f.sheng, f.server, 1, Invitation{Room::Private, Mode::Decentralized, {"Lucy"}, ""}, 1);
  CHECK(f.count(Code::GroupModeMismatch) == 1);
  f.send(f.server, f.sheng, 1.01, ModeOffer{"centralise ou decentralise"}, 1);
  f.send(f.sheng, f.server, 2, ChooseMode{Room::Private, Mode::Decentralized, false}, 2);
  f.send(f.server, f.sheng, 2.01, Ack{}, 2);
  f.send(f.sheng, f.server, 3, private_message("ok", Mode::Decentralized), 3);
  f.send(f.server, f.sheng, 3.01, Ack{}, 3);
  CHECK(f.count(Code::GroupModeMismatch) == 1);
  f.send(f.sheng, f.server, 4, private_message("wrong", Mode::Centralized), 4);
  CHECK(f.count(Code::GroupModeMismatch) == 2);
  f.send(f.server, f.sheng, 4.01, Ack{}, 4);
  // The server's invitation to Lucy must carry the inviter's group's mode.
  f.connect(f.lucy, "Lucy", 5);
  f.send(f.server, f.lucy, 6, Invitation{Room::Private, Mode::Centralized, {"Sheng"}, ""}, 1);
  CHECK(f.count(Code::GroupModeMismatch) == 3);
  f.send(f.lucy, f.server, 6.01, AcceptInvitation{}, 1);
  // A list without addresses for a decentralized group.
  f.update(f.sheng, 7, 1, {{"Sheng", {}}, {"Lucy", {}}}, false);
  CHECK(f.count(Code::GroupModeMismatch) == 4);
  CHECK(f.seen.size() == 4);
}

TEST_CASE("peers learned from a decentralized update: their exchanges are checked") {
  Flow f;
  f.connect(f.sheng, "Sheng", 0);
  // Lucy never talks to the server in this capture: she is known from the list.
  CHECK(f.t.classify(f.lucy, f.sheng) == Role::PeerToPeer);  // Sheng is a client
  CHECK(f.t.classify(f.lucy, f.carol) == Role::NotImup);
  f.update(f.sheng, 1, 1, {{"Sheng", f.sheng}, {"Lucy", f.lucy}}, false);
  CHECK(f.t.classify(f.lucy, f.carol) == Role::PeerToPeer);  // Lucy is learned
  f.send(f.lucy, f.sheng, 2, private_message("salut", Mode::Decentralized), 0);
  f.send(f.sheng, f.lucy, 2.01, Ack{}, 0);
  f.send(f.lucy, f.sheng, 3, private_message("encore", Mode::Decentralized), 1);
  f.send(f.lucy, f.sheng, 3.5, private_message("encore", Mode::Decentralized), 1);
  f.send(f.sheng, f.lucy, 3.51, Ack{}, 1);
  CHECK(f.count(Code::RetransmitTooSoon) == 1);
  CHECK(f.t.stats().retransmissions == 1);
  f.send(f.lucy, f.sheng, 4, private_message("x", Mode::Decentralized), 5);
  CHECK(f.count(Code::SeqGap) == 1);  // numbers per sender per peer
  f.send(f.sheng, f.lucy, 4.01, Ack{}, 5);
  // Sheng to Carol: no list links them.
  f.send(f.sheng, f.carol, 5, private_message("?", Mode::Decentralized), 0);
  CHECK(f.count(Code::PeerNotMember) == 1);
  CHECK(f.seen.size() == 3);
}

namespace {
// A Connexion and the server's probe numbered 8.
void first_session(Harness& h) {
  h.send(true, 1, 0, 0.0);
  h.send(false, 8, 0, 0.01);
  h.send(false, 12, 8, 0.02);
  h.send(true, 8, 8, 0.03);
}
}  // namespace

TEST_CASE("a reconnect starts a new session: the server numbers it half the space away (§14)") {
  Harness h;
  first_session(h);
  h.send(true, 3, 1, 1.0);  // Deconnexion
  h.send(false, 8, 1, 1.01);
  h.send(true, 1, 2, 2.0);  // a new session at the same endpoint
  h.send(false, 8, 2, 2.01);
  h.send(false, 12, 520, 2.02);  // 8 + 512
  h.send(true, 8, 520, 2.03);
  h.send(false, 12, 521, 3.0);
  h.send(true, 8, 521, 3.01);
  CHECK(h.seen.empty());
  // Within one session the same numbers are still a violation.
  Harness one;
  first_session(one);
  one.send(false, 12, 520, 2.02);
  CHECK(one.has(Code::SeqNotIncreasing));
}

TEST_CASE("a sender that stops resending before its tries run out gave up early (§7)") {
  Harness h;
  h.send(true, 1, 0, 0.0);
  h.t.finish(120'000'000'000);
  CHECK(h.has(Code::UnansweredRequest));
  CHECK(h.has(Code::GaveUpEarly));
  // All five tries with the backoff: unanswered, but not given up early.
  Harness all;
  for (double at : {0.0, 3.0, 9.0, 21.0, 45.0}) all.send(true, 1, 0, at);
  all.t.finish(150'000'000'000);
  CHECK(all.has(Code::UnansweredRequest));
  CHECK_FALSE(all.has(Code::GaveUpEarly));
  // Cut short: the capture ends before the next try was due.
  Harness cut;
  cut.send(true, 1, 0, 0.0);
  cut.t.finish(2'000'000'000);
  CHECK(cut.has(Code::UnansweredAtEnd));
  CHECK_FALSE(cut.has(Code::GaveUpEarly));
}

TEST_CASE("the give-up time comes from the timer values of codec/limits.hpp") {
  CHECK(timeout_after_try_ns(1) == std::chrono::nanoseconds(kFirstTimeoutMax).count());
  CHECK(timeout_after_try_ns(2) == 2 * timeout_after_try_ns(1));
  CHECK(TrackerOptions{}.give_up_ns == sender_gives_up_ns(kTries));
  CHECK(sender_gives_up_ns(kTries) == 93'000'000'000);
  CHECK(sender_gives_up_ns(255) > 0);  // --max-tries 255 does not overflow
}
