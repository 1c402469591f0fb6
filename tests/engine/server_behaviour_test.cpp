// SPDX-License-Identifier: GPL-2.0-or-later
// The server engine fed datagrams by hand: each test names the behaviour of
// PROTOCOL.md it proves.
#include "catch.hpp"

#include <algorithm>

#include "codec/exchange.hpp"
#include "codec/text.hpp"
#include "engine_harness.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;

namespace {

const Endpoint A = ep(1, 1000), B = ep(2, 1000), C = ep(3, 1000);

// Answers every request in `out` addressed to `who` with an ACK.
void ack_all(ServerBench& s, const std::vector<Transmit>& out, const Endpoint& who, Time now) {
  for (auto& m : to(out, who))
    if (is_request(m.type())) s.feed(who, enc(m.seq, Ack{}), now);
}

}  // namespace

TEST_CASE("resent Connexion gets the same ACK, never name taken") {
  ServerBench s;
  auto first = s.feed(A, enc(7, Connect{"Sheng"}), at_ms(0));
  REQUIRE(to(first, A).size() == 2);  // the ACK and the return-path probe
  CHECK(to(first, A)[0] == Message{7, Ack{}});
  auto again = s.feed(A, enc(7, Connect{"Sheng"}), at_ms(2500));
  REQUIRE(again.size() == 1);
  CHECK(again[0].bytes == first[0].bytes);
  CHECK(s.server.counters().duplicates == 1);
  CHECK(s.server.users().size() == 1);
}

TEST_CASE("a name already used is refused with 2 and the draft's text") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  auto out = s.feed(B, enc(0, Connect{"Sheng"}), at_ms(10));
  REQUIRE(to(out, B).size() == 1);
  CHECK(to(out, B)[0] == Message{0, ConnectRefused{"nom de client deja utilise"}});
  // Its resend gets the same refusal byte for byte.
  auto again = s.feed(B, enc(0, Connect{"Sheng"}), at_ms(2500));
  REQUIRE(again.size() == 1);
  CHECK(again[0].bytes == out[0].bytes);
}

TEST_CASE("a name of 21 characters is refused with 2, never cut") {
  ServerBench s;
  std::string name(21, 'x');
  std::string text = name + "\r\n";
  std::vector<std::uint8_t> d(kMaxDatagramBytes);
  auto n = write_datagram(Header{3, 1, length_field_for(text.size()), 0},
                          std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), d);
  d.resize(n);
  auto out = s.feed(A, d, at_ms(0));
  REQUIRE(out.size() == 1);
  auto m = dec(out[0].bytes);
  CHECK(m.seq == 3);
  REQUIRE(m.type() == MessageType::ConnectRefused);
  CHECK(std::get<ConnectRefused>(m.body).reason.rfind("nom invalide", 0) == 0);
  CHECK(s.server.users().empty());
}

TEST_CASE("a configured shorter name limit is enforced with 2") {
  ServerConfig c;
  c.max_name_chars = 4;
  ServerBench s(c);
  auto out = s.feed(A, enc(0, Connect{"Zoéxx"}), at_ms(0));
  REQUIRE(to(out, A).size() == 1);
  CHECK(to(out, A)[0].type() == MessageType::ConnectRefused);
  s.connect(B, "Zoé", 0, at_ms(0));
  CHECK(s.server.users().size() == 1);
}

TEST_CASE("the server full refuses with serveur plein") {
  ServerConfig c;
  c.max_clients = 2;
  ServerBench s(c);
  s.connect(A, "a", 0, at_ms(0));
  s.connect(B, "b", 0, at_ms(0));
  auto out = s.feed(C, enc(0, Connect{"cccccc"}), at_ms(0));
  CHECK(to(out, C) == std::vector<Message>{Message{0, ConnectRefused{"serveur plein"}}});
}

TEST_CASE("registrations per address are capped with their own refusal") {
  ServerConfig c;
  c.max_registrations_per_ip = 2;
  ServerBench s(c);
  s.connect(ep(9, 1), "a", 0, at_ms(0));
  s.connect(ep(9, 2), "b", 0, at_ms(0));
  auto out = s.feed(ep(9, 3), enc(0, Connect{"cccccccccccccc"}), at_ms(0));
  CHECK(to(out, ep(9, 3)) ==
        std::vector<Message>{Message{0, ConnectRefused{"trop de connexions depuis cette adresse"}}});
  // Another address is not affected.
  s.connect(ep(8, 1), "d", 0, at_ms(0));
  CHECK(s.server.users().size() == 3);
}

TEST_CASE("a new endpoint counts only once it answers the probe") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  auto out = s.feed(B, enc(0, Connect{"Lucy"}), at_ms(0));
  auto probes = of_type(to(out, B), MessageType::LivenessProbe);
  REQUIRE(probes.size() == 1);
  // Not listed, not broadcast to, not invitable while unproved.
  auto list = s.feed(A, enc(1, ListRequest{}), at_ms(1));
  auto page = std::get<UserListPage>(to(list, A).at(0).body);
  REQUIRE(page.entries.size() == 1);
  CHECK(page.entries[0].name == "Sheng");
  auto bc = s.feed(A, enc(2, ChatMessage{Room::Public, Mode::Centralized, "hi", std::nullopt}), at_ms(2));
  CHECK(to(bc, B).empty());
  auto inv = s.feed(A, enc(3, Invitation{Room::Private, Mode::Centralized, {"Lucy"}, ""}), at_ms(3));
  CHECK(to(inv, A).at(0).type() == MessageType::UnknownRecipient);
  // Proved: now it counts.
  s.feed(B, enc(probes[0].seq, Ack{}), at_ms(4));
  bc = s.feed(A, enc(4, ChatMessage{Room::Public, Mode::Centralized, "hi again", std::nullopt}), at_ms(5));
  auto relayed = to(bc, B);
  REQUIRE(relayed.size() == 1);
  CHECK(std::get<Relayed>(relayed[0].body) == Relayed{"hi again", "Sheng", std::nullopt});
}

TEST_CASE("an unproved endpoint gets at most three times the bytes it sent") {
  ServerConfig cfg;
  cfg.proof_timeout = Millis(300000);  // the probe's tries run out first
  ServerBench s(cfg);
  auto request = enc(0, Connect{"v"});  // 7 bytes: 21 bytes of budget
  std::size_t sent = 0;
  for (auto& t : s.feed(A, request, at_ms(0))) sent += t.bytes.size();
  for (std::int64_t t = 0; t < 200000; t += 500)
    for (auto& x : s.tick(at_ms(t))) sent += x.bytes.size();
  CHECK(sent <= 3 * request.size());
  CHECK(s.server.counters().dropped(DropReason::Amplification) > 0);
  CHECK(s.server.users().empty());  // never proved: given up and removed
}

TEST_CASE("a refusal to an unknown endpoint stays within the budget of its request") {
  ServerBench s;
  s.connect(A, "ab", 0, at_ms(0));
  auto request = enc(0, Connect{"ab"});  // 8 bytes: 24 of budget, the full text needs 32
  auto out = s.feed(B, request, at_ms(1));
  REQUIRE(out.size() == 1);
  CHECK(out[0].bytes.size() <= 3 * request.size());
  CHECK(dec(out[0].bytes).type() == MessageType::ConnectRefused);
}

TEST_CASE("a public message is relayed to every other client with its sender and acknowledged") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  s.connect(C, "Bob", 0, at_ms(0));
  auto out = s.feed(A, enc(1, ChatMessage{Room::Public, Mode::Centralized, "Bonjour", std::nullopt}), at_ms(1));
  CHECK(to(out, A) == std::vector<Message>{Message{1, Ack{}}});
  for (auto who : {B, C}) {
    auto m = to(out, who);
    REQUIRE(m.size() == 1);
    CHECK(std::get<Relayed>(m[0].body) == Relayed{"Bonjour", "Sheng", std::nullopt});
  }
}

TEST_CASE("a duplicate message is acknowledged again and not relayed twice") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  auto msg = enc(1, ChatMessage{Room::Public, Mode::Centralized, "once", std::nullopt});
  auto first = s.feed(A, msg, at_ms(1));
  auto again = s.feed(A, msg, at_ms(2100));
  CHECK(to(first, B).size() == 1);
  CHECK(to(again, B).empty());
  REQUIRE(to(again, A).size() == 1);
  CHECK(to(again, A)[0] == Message{1, Ack{}});
}

TEST_CASE("a direct message reaches its recipient alone; unknown names get 14") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  s.connect(C, "Bob", 0, at_ms(0));
  auto out = s.feed(A, enc(1, ChatMessage{Room::Public, Mode::Centralized, "psst", "Lucy"}), at_ms(1));
  CHECK(to(out, C).empty());
  REQUIRE(to(out, B).size() == 1);
  CHECK(std::get<Relayed>(to(out, B)[0].body) == Relayed{"psst", "Sheng", "Lucy"});
  out = s.feed(A, enc(2, ChatMessage{Room::Public, Mode::Centralized, "a message to Bobby", "Bobby"}), at_ms(2));
  REQUIRE(to(out, A).size() == 1);
  CHECK(to(out, A)[0].type() == MessageType::UnknownRecipient);
  CHECK(std::get<UnknownRecipient>(to(out, A)[0].body).reason == "nom de recepteur n'existe pas: Bobby");
}

TEST_CASE("a relayed text that would not fit a 9 is refused, never cut") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  std::string big(1020, 'x');  // fits an 18 (1022 bytes), not a 9 (1029)
  auto out = s.feed(A, enc(1, ChatMessage{Room::Public, Mode::Centralized, big, std::nullopt}), at_ms(1));
  CHECK(to(out, B).empty());
  REQUIRE(to(out, A).size() == 1);
  CHECK(to(out, A)[0].type() == MessageType::UnknownRecipient);
}

namespace {
// Sheng opens a group with Lucy (and Bob when asked); returns the group's id.
void open_group(ServerBench& s, Mode mode, bool with_bob, Time now) {
  std::vector<std::string> names{"Sheng", "Lucy"};
  if (with_bob) names.push_back("Bob");
  auto offer = s.feed(A, enc(10, Invitation{Room::Private, Mode::Centralized, names, ""}), now);
  REQUIRE(to(offer, A) == std::vector<Message>{Message{10, ModeOffer{"centralise ou decentralise"}}});
  auto chosen = s.feed(A, enc(11, ChooseMode{Room::Private, mode, true}), now);
  CHECK(to(chosen, A) == std::vector<Message>{Message{11, Ack{}}});
  auto inv = to(chosen, B);
  REQUIRE(inv.size() == 1);
  auto& i = std::get<Invitation>(inv[0].body);
  CHECK(i.names == std::vector<std::string>{"Sheng"});
  CHECK(i.mode == mode);
  CHECK(i.note == "Sheng vous invite messagerie");
  auto update = s.feed(B, enc(inv[0].seq, AcceptInvitation{}), now);
  auto to_a = to(update, A), to_b = to(update, B);
  REQUIRE(to_a.size() == 1);
  REQUIRE(to_b.size() == 1);
  auto& members = std::get<GroupUpdate>(to_a[0].body).members;
  REQUIRE(members.size() == 2);
  CHECK(members[0].name == "Sheng");
  CHECK(members[1].name == "Lucy");
  if (mode == Mode::Decentralized) {
    CHECK(members[0].endpoint == A);
    CHECK(members[1].endpoint == B);
  } else {
    CHECK_FALSE(members[0].endpoint);
  }
  ack_all(s, update, A, now);
  ack_all(s, update, B, now);
  if (with_bob) {
    auto bob = to(chosen, C);
    REQUIRE(bob.size() == 1);
    ack_all(s, s.feed(C, enc(bob[0].seq, AcceptInvitation{}), now), A, now);
    s.drain();
  }
}
}  // namespace

TEST_CASE("invitation: offer of modes, choice, relayed invitation, acceptance, group update") {
  for (auto mode : {Mode::Centralized, Mode::Decentralized}) {
    ServerBench s;
    s.connect(A, "Sheng", 0, at_ms(0));
    s.connect(B, "Lucy", 0, at_ms(0));
    open_group(s, mode, false, at_ms(10));
    auto groups = s.server.groups();
    REQUIRE(groups.size() == 1);
    CHECK(groups[0].members == std::vector<std::string>{"Sheng", "Lucy"});
    CHECK(groups[0].mode == mode);
  }
}

TEST_CASE("a group's messages go to its members only; crossing rooms gets 15, no group gets 16") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  s.connect(C, "Bob", 0, at_ms(0));
  open_group(s, Mode::Centralized, false, at_ms(10));
  auto out = s.feed(A, enc(20, ChatMessage{Room::Private, Mode::Centralized, "entre nous", std::nullopt}), at_ms(20));
  CHECK(to(out, C).empty());
  CHECK(to(out, B).size() == 1);
  out = s.feed(A, enc(21, ChatMessage{Room::Public, Mode::Centralized, "dehors", std::nullopt}), at_ms(21));
  CHECK(to(out, A).at(0).type() == MessageType::CrossesRooms);
  out = s.feed(A, enc(22, ChatMessage{Room::Private, Mode::Centralized, "a Bob", "Bob"}), at_ms(22));
  CHECK(to(out, A).at(0).type() == MessageType::CrossesRooms);
  out = s.feed(C, enc(5, ChatMessage{Room::Private, Mode::Centralized, "?", std::nullopt}), at_ms(23));
  CHECK(to(out, C).at(0).type() == MessageType::GroupEnded);
  out = s.feed(C, enc(6, ChatMessage{Room::Public, Mode::Centralized, "a Lucy", "Lucy"}), at_ms(24));
  CHECK(to(out, C).at(0).type() == MessageType::CrossesRooms);
}

TEST_CASE("leaving a group of two closes it with 13 for the one left") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  open_group(s, Mode::Centralized, false, at_ms(10));
  auto out = s.feed(B, enc(30, LeaveGroup{}), at_ms(30));
  CHECK(to(out, B) == std::vector<Message>{Message{30, Ack{}}});
  auto closed = to(out, A);
  REQUIRE(closed.size() == 1);
  CHECK(std::get<GroupClosed>(closed[0].body).reason ==
        "fermer cette messagerie car il reste seule personne");
  CHECK(s.server.groups().empty());
  // Leaving again: no group.
  out = s.feed(B, enc(31, LeaveGroup{}), at_ms(31));
  CHECK(to(out, B).at(0).type() == MessageType::GroupEnded);
}

TEST_CASE("every invitee refusing closes the new group") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  s.feed(A, enc(10, Invitation{Room::Private, Mode::Centralized, {"Lucy"}, ""}), at_ms(1));
  auto chosen = s.feed(A, enc(11, ChooseMode{Room::Private, Mode::Centralized, false}), at_ms(2));
  auto inv = to(chosen, B).at(0);
  auto out = s.feed(B, enc(inv.seq, RefuseInvitation{}), at_ms(3));
  CHECK(to(out, A).at(0).type() == MessageType::GroupClosed);
  CHECK(s.server.groups().empty());
}

TEST_CASE("an invitee that never answers is given up as a refusal, not removed") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  s.feed(A, enc(10, Invitation{Room::Private, Mode::Centralized, {"Lucy"}, ""}), at_ms(1));
  s.feed(A, enc(11, ChooseMode{Room::Private, Mode::Centralized, false}), at_ms(2));
  bool closed = false;
  for (std::int64_t t = 0; t < 100000; t += 250) {
    auto out = s.tick(at_ms(t));
    for (auto& m : to(out, A)) {
      if (m.type() == MessageType::GroupClosed) closed = true;
      if (is_request(m.type())) s.feed(A, enc(m.seq, Ack{}), at_ms(t));
    }
    for (auto& m : to(out, B))
      if (m.type() == MessageType::LivenessProbe) s.feed(B, enc(m.seq, Ack{}), at_ms(t));
  }
  CHECK(closed);
  CHECK(s.server.users().size() == 2);
}

TEST_CASE("the 101st group and a group over its member limit get 17") {
  ServerConfig c;
  c.max_groups = 1;
  c.max_group_members = 2;
  ServerBench s(c);
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  s.connect(C, "Bob", 0, at_ms(0));
  auto out = s.feed(A, enc(10, Invitation{Room::Private, Mode::Centralized, {"Lucy", "Bob"}, ""}), at_ms(1));
  CHECK(to(out, A).at(0).type() == MessageType::LimitReached);
  s.feed(A, enc(11, Invitation{Room::Private, Mode::Centralized, {"Lucy"}, ""}), at_ms(2));
  out = s.feed(A, enc(12, ChooseMode{Room::Private, Mode::Centralized, false}), at_ms(3));
  CHECK(to(out, A).at(0).type() == MessageType::Ack);
  s.feed(C, enc(1, Invitation{Room::Private, Mode::Centralized, {"Sheng"}, ""}), at_ms(4));
  out = s.feed(C, enc(2, ChooseMode{Room::Private, Mode::Centralized, false}), at_ms(5));
  CHECK(to(out, C).at(0).type() == MessageType::LimitReached);
  out = s.feed(C, enc(3, ChooseMode{Room::Private, Mode::Centralized, false}), at_ms(6));
  CHECK(to(out, C).at(0).type() == MessageType::LimitReached);
  // Choosing without an offer: 16.
  out = s.feed(B, enc(1, ChooseMode{Room::Private, Mode::Centralized, false}), at_ms(7));
  CHECK(to(out, B).at(0).type() == MessageType::GroupEnded);
}

TEST_CASE("the user list is paged with the M bit and resumed from the next id") {
  ServerBench s;
  for (std::uint32_t i = 0; i < 120; ++i)
    s.connect(ep(100 + i, 1), "user-with-a-long-" + std::to_string(i), 0, at_ms(0));
  std::vector<std::string> names;
  std::optional<std::uint16_t> start;
  int pages = 0;
  for (std::uint16_t seq = 5;; ++seq) {
    auto out = s.feed(ep(100, 1), enc(seq, ListRequest{start}), at_ms(1));
    auto m = to(out, ep(100, 1)).at(0);
    CHECK(m.seq == seq);
    auto& page = std::get<UserListPage>(m.body);
    CHECK(out.at(0).bytes.size() <= kMaxDatagramBytes);
    ++pages;
    for (auto& e : page.entries) names.push_back(e.name);
    if (!page.more) break;
    start = std::uint16_t(page.entries.back().id + 1);
  }
  CHECK(pages > 1);
  CHECK(names.size() == 120);
}

TEST_CASE("malformed, oversized, truncated and unknown-endpoint datagrams are dropped and counted") {
  ServerBench s;
  s.feed(A, {1, 2}, at_ms(0));
  s.feed(A, std::vector<std::uint8_t>(1029, 0x41), at_ms(0));
  s.feed(A, {0x00, 0x5C, 0x00, 0x00}, at_ms(0));  // type 23
  s.feed(A, enc(1, ListRequest{}), at_ms(0));
  s.feed(A, enc(1, ModeOffer{"x"}), at_ms(0));   // a server-only type
  auto out = s.drain();
  CHECK(out.empty());
  auto& c = s.server.counters();
  CHECK(c.dropped(DropReason::Truncated) == 1);
  CHECK(c.dropped(DropReason::TooLong) == 1);
  CHECK(c.dropped(DropReason::UnknownType) == 1);
  CHECK(c.dropped(DropReason::UnknownEndpoint) == 1);
  CHECK(c.dropped(DropReason::WrongDirection) == 1);
  auto events = s.events();
  CHECK(std::count_if(events.begin(), events.end(),
                      [](auto& e) { return e.kind == ServerEvent::Kind::Dropped; }) == 5);
}

TEST_CASE("the server retransmits after 2-3 s, doubling, then gives up and removes the client") {
  ServerConfig c;
  c.reliability.tries = 3;
  ServerBench s(c);
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  auto out = s.feed(A, enc(1, ChatMessage{Room::Public, Mode::Centralized, "hello", std::nullopt}), at_ms(0));
  REQUIRE(to(out, B).size() == 1);
  std::vector<std::int64_t> copies{0};
  for (std::int64_t t = 1; t < 40000; ++t) {
    auto due = s.server.poll_timeout();
    if (!due || *due > at_ms(t)) continue;
    for (auto& m : to(s.tick(at_ms(t)), B))
      if (m.type() == MessageType::Relayed) copies.push_back(t);
    for (auto& m : to(s.drain(), A)) (void)m;
  }
  REQUIRE(copies.size() == 3);
  auto first = copies[1] - copies[0], second = copies[2] - copies[1];
  CHECK(first >= 2000);
  CHECK(first <= 3000);
  CHECK(second == 2 * first);
  CHECK(s.server.counters().retransmissions >= 2);
  CHECK(s.server.counters().give_ups >= 1);
  auto users = s.server.users();
  CHECK(std::none_of(users.begin(), users.end(), [](auto& u) { return u.name == "Lucy"; }));
}

TEST_CASE("group members are probed every interval; a silent member is removed and the group closed") {
  ServerConfig c;
  c.reliability.tries = 2;
  ServerBench s(c);
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  open_group(s, Mode::Decentralized, false, at_ms(10));
  bool closed = false;
  int probes_to_a = 0;
  for (std::int64_t t = 0; t <= 120000; t += 100) {
    auto out = s.tick(at_ms(t));
    for (auto& m : to(out, A)) {
      if (m.type() == MessageType::LivenessProbe) ++probes_to_a;
      if (m.type() == MessageType::GroupClosed) closed = true;
      if (is_request(m.type())) s.feed(A, enc(m.seq, Ack{}), at_ms(t));
    }
    // Lucy never answers.
  }
  CHECK(probes_to_a >= 3);
  CHECK(closed);
  CHECK(s.server.groups().empty());
  CHECK(s.server.users().size() == 1);
}

TEST_CASE("a client over its token bucket is dropped and counted") {
  ServerConfig c;
  c.per_client = RateLimit{1, 5};
  ServerBench s(c);
  s.connect(A, "Sheng", 0, at_ms(0));
  std::size_t answered = 0;
  for (std::uint16_t i = 1; i <= 20; ++i) answered += s.feed(A, enc(i, ListRequest{}), at_ms(0)).size();
  CHECK(answered < 20);
  CHECK(s.server.counters().dropped(DropReason::ClientRateLimit) > 0);
  // The bucket refills with time.
  CHECK(s.feed(A, enc(40, ListRequest{}), at_ms(5000)).size() == 1);
}

TEST_CASE("reconfiguring applies new limits and refuses a bad configuration") {
  ServerBench s;
  ServerConfig c;
  c.max_clients = 1;
  CHECK_FALSE(s.server.reconfigure(c));
  s.connect(A, "a", 0, at_ms(0));
  auto out = s.feed(B, enc(0, Connect{"bbbbbbbbbbbbbb"}), at_ms(0));
  CHECK(to(out, B).at(0).type() == MessageType::ConnectRefused);
  ServerConfig bad;
  bad.reliability.first_timeout_min = Millis(500);
  CHECK(s.server.reconfigure(bad));
  CHECK(s.server.config().max_clients == 1);
  CHECK_THROWS_AS(Server(bad), std::invalid_argument);
}

TEST_CASE("the next deadline is the earliest timer") {
  ServerBench s;
  CHECK_FALSE(s.server.poll_timeout());
  s.feed(A, enc(0, Connect{"Sheng"}), at_ms(1000));
  auto due = s.server.poll_timeout();
  REQUIRE(due);
  CHECK(*due >= at_ms(3000));  // the probe's first retransmission
  CHECK(*due <= at_ms(4000));
}

TEST_CASE("a choice of mode waits, unanswered, until the client has acknowledged its group news") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  s.connect(C, "Bob", 0, at_ms(0));
  open_group(s, Mode::Centralized, false, at_ms(10));
  // Lucy leaves: Sheng is sent a 13 that he has not acknowledged yet.
  auto out = s.feed(B, enc(30, LeaveGroup{}), at_ms(20));
  auto closed = to(out, A).at(0);
  REQUIRE(closed.type() == MessageType::GroupClosed);
  s.feed(A, enc(40, Invitation{Room::Private, Mode::Centralized, {"Bob"}, ""}), at_ms(21));
  CHECK(s.server.counters().dropped(DropReason::Deferred) == 1);
  s.feed(A, enc(closed.seq, Ack{}), at_ms(22));
  // The resend, once the 13 is acknowledged, is answered.
  out = s.feed(A, enc(40, Invitation{Room::Private, Mode::Centralized, {"Bob"}, ""}), at_ms(2500));
  CHECK(to(out, A).at(0).type() == MessageType::ModeOffer);
}

TEST_CASE("a new Connexion from a connected endpoint starts a new session, numbered apart") {
  ServerBench s;
  auto first = s.feed(A, enc(0, Connect{"Sheng"}), at_ms(0));
  auto probe = of_type(to(first, A), MessageType::LivenessProbe).at(0);
  s.feed(A, enc(probe.seq, Ack{}), at_ms(1));
  auto again = s.feed(A, enc(5, Connect{"Sheng"}), at_ms(10));
  CHECK(to(again, A).at(0) == Message{5, Ack{}});
  auto probe2 = of_type(to(again, A), MessageType::LivenessProbe).at(0);
  CHECK(seq_distance(probe.seq, probe2.seq) >= 256);
  auto users = s.server.users();
  REQUIRE(users.size() == 1);
  CHECK_FALSE(users[0].proved);  // the new session proves its path again
}

TEST_CASE("a late resend from an ended session is answered from its cache, not acted on") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  s.connect(B, "Lucy", 0, at_ms(0));
  auto msg = enc(3, ChatMessage{Room::Public, Mode::Centralized, "une fois", std::nullopt});
  CHECK(to(s.feed(A, msg, at_ms(1)), B).size() == 1);
  s.feed(A, enc(4, Disconnect{}), at_ms(2));
  // Out of any session: the cached ACK, no relay.
  auto late = s.feed(A, msg, at_ms(3));
  CHECK(to(late, A) == std::vector<Message>{Message{3, Ack{}}});
  CHECK(to(late, B).empty());
  // In the next session too.
  s.connect(A, "Sheng", 5, at_ms(4));
  late = s.feed(A, msg, at_ms(5));
  CHECK(to(late, A) == std::vector<Message>{Message{3, Ack{}}});
  CHECK(to(late, B).empty());
}

// The server keeps encoded user-list pages between requests: each change of
// the user table (a client proved, joining or leaving a group, gone) must
// show in the next page, and every answer must carry its own request number.
TEST_CASE("the user list follows every change of the user table") {
  ServerBench s;
  std::uint16_t seq = 0;  // Sheng's numbers; open_group uses 10 and 11
  auto list = [&](Time now) {
    ++seq;
    auto answers = to(s.feed(A, enc(seq, ListRequest{}), now), A);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].seq == seq);
    std::vector<std::pair<std::string, Room>> seen;
    for (auto& e : std::get<UserListPage>(answers[0].body).entries) seen.emplace_back(e.name, e.status);
    return seen;
  };
  using Seen = std::vector<std::pair<std::string, Room>>;
  s.connect(A, "Sheng", 0, at_ms(0));
  CHECK(list(at_ms(1)) == Seen{{"Sheng", Room::Public}});
  CHECK(list(at_ms(1)) == Seen{{"Sheng", Room::Public}});  // the same page, a new number
  // Connected but unproved: not listed; proved: listed.
  auto out = s.feed(B, enc(0, Connect{"Lucy"}), at_ms(2));
  auto probes = of_type(to(out, B), MessageType::LivenessProbe);
  REQUIRE(probes.size() == 1);
  CHECK(list(at_ms(3)) == Seen{{"Sheng", Room::Public}});
  s.feed(B, enc(probes[0].seq, Ack{}), at_ms(4));
  CHECK(list(at_ms(5)) == Seen{{"Sheng", Room::Public}, {"Lucy", Room::Public}});
  // In a group: listed as private.
  s.connect(C, "Bob", 0, at_ms(6));
  open_group(s, Mode::Centralized, false, at_ms(7));
  seq = 11;
  CHECK(list(at_ms(8)) ==
        Seen{{"Sheng", Room::Private}, {"Lucy", Room::Private}, {"Bob", Room::Public}});
  // Gone: no longer listed.
  s.feed(C, enc(1, Disconnect{}), at_ms(9));
  CHECK(list(at_ms(10)) == Seen{{"Sheng", Room::Private}, {"Lucy", Room::Private}});
}
