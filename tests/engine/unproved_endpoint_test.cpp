// SPDX-License-Identifier: GPL-2.0-or-later
// Endpoints that have not proved their return path (PROTOCOL.md §14): they
// may be forged, so nothing they send reaches anyone before the proof, they
// hold a slot and a name for a few seconds at most, and one address holds few
// of them at once.
#include "catch.hpp"

#include "codec/exchange.hpp"
#include "engine_harness.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;

namespace {

const Endpoint A = ep(1, 1000), B = ep(2, 1000), C = ep(3, 1000);

Message probe_in(const std::vector<Transmit>& out, const Endpoint& who) {
  for (auto& m : to(out, who))
    if (m.type() == MessageType::LivenessProbe) return m;
  FAIL("no probe to the new endpoint");
  return {};
}

Bytes public_message(std::uint16_t seq, const std::string& text) {
  return enc(seq, ChatMessage{Room::Public, Mode::Centralized, text, std::nullopt});
}

bool connected(const ServerBench& s, const std::string& name) { return lists_user(s.server, name); }

}  // namespace

TEST_CASE("an unproved client's public message waits for its proof, then reaches the others") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  auto first = s.feed(B, enc(0, Connect{"Lucy"}), at_ms(10));
  Message probe = probe_in(first, B);
  // Sent before the proof: relayed to nobody, not answered (a resend changes nothing).
  auto early = s.feed(B, public_message(1, "bonjour"), at_ms(11));
  CHECK(to(early, A).empty());
  CHECK(to(early, B).empty());
  CHECK(s.feed(B, public_message(1, "bonjour"), at_ms(12)).empty());
  // The proof: the message is acted on now, once, and answered.
  auto proved = s.feed(B, enc(probe.seq, Ack{}), at_ms(13));
  auto relayed = to(proved, A);
  REQUIRE(relayed.size() == 1);
  CHECK(std::get<Relayed>(relayed[0].body) == Relayed{"bonjour", "Lucy", std::nullopt});
  auto answers = to(proved, B);
  REQUIRE(answers.size() == 1);
  CHECK(answers[0] == Message{1, Ack{}});
  // Its resend is now a duplicate: the same ACK, not relayed again.
  auto again = s.feed(B, public_message(1, "bonjour"), at_ms(2100));
  CHECK(to(again, A).empty());
  CHECK(to(again, B) == std::vector<Message>{Message{1, Ack{}}});
}

TEST_CASE("an unproved client's invitation waits for its proof too") {
  ServerBench s;
  s.connect(A, "Sheng", 0, at_ms(0));
  Message probe = probe_in(s.feed(B, enc(0, Connect{"Lucy"}), at_ms(0)), B);
  auto early = s.feed(B, enc(1, Invitation{Room::Private, Mode::Centralized, {"Sheng"}, ""}), at_ms(1));
  CHECK(early.empty());
  auto proved = s.feed(B, enc(probe.seq, Ack{}), at_ms(2));
  auto answers = to(proved, B);
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].type() == MessageType::ModeOffer);
}

TEST_CASE("an unproved client keeps a few requests for its proof and drops the rest") {
  ServerConfig cfg;
  cfg.max_held_unproved = 2;
  ServerBench s(cfg);
  s.connect(A, "Sheng", 0, at_ms(0));
  Message probe = probe_in(s.feed(B, enc(0, Connect{"Lucy"}), at_ms(0)), B);
  for (std::uint16_t q = 1; q <= 4; ++q) s.feed(B, public_message(q, "m" + std::to_string(q)), at_ms(q));
  CHECK(s.server.counters().dropped(DropReason::Unproved) == 2);
  auto proved = s.feed(B, enc(probe.seq, Ack{}), at_ms(10));
  CHECK(to(proved, A).size() == 2);  // m1 and m2; m3 and m4 come with their resends
  auto later = s.feed(B, public_message(3, "m3"), at_ms(2010));
  REQUIRE(to(later, A).size() == 1);
  CHECK(std::get<Relayed>(to(later, A)[0].body).message == "m3");
}

TEST_CASE("an unproved client gives its slot and name back after the proof timeout") {
  ServerConfig cfg;
  ServerBench s(cfg);
  REQUIRE(cfg.proof_timeout == Millis(5000));
  s.feed(B, enc(0, Connect{"Alice"}), at_ms(0));  // never answers its probe
  // Taken while the proof may still come (the probe is sent twice).
  auto taken = s.feed(C, enc(0, Connect{"Alice"}), at_ms(4900));
  REQUIRE(to(taken, C).size() == 1);
  CHECK(to(taken, C)[0].type() == MessageType::ConnectRefused);
  s.tick(at_ms(4999));
  CHECK(connected(s, "Alice"));
  s.tick(at_ms(5000));
  CHECK_FALSE(connected(s, "Alice"));
  CHECK(s.server.counters().clients == 0);
  // Free: a Connexion that proves its path gets the name.
  auto out = s.feed(C, enc(1, Connect{"Alice"}), at_ms(5001));
  CHECK(to(out, C).at(0) == Message{1, Ack{}});
}

TEST_CASE("a proved client is not removed at the proof deadline") {
  ServerBench s;
  s.connect(B, "Lucy", 0, at_ms(0));
  for (std::int64_t t = 0; t <= 10000; t += 250) s.tick(at_ms(t));
  CHECK(connected(s, "Lucy"));
}

TEST_CASE("a flood of unproved Connexions cannot fill the server") {
  // The finding: 1,024 Connexions from 4 addresses that never answer the
  // probe filled the server for 62.8 s. Now each address holds at most
  // max_unproved_per_ip of them at once, for proof_timeout at most.
  ServerBench s;
  const ServerConfig cfg;
  std::size_t accepted = 0, refused = 0;
  for (std::uint32_t host = 0; host < 4; ++host)
    for (std::uint16_t port = 1; port <= 256; ++port) {
      Endpoint e = ep(100 + host, port);
      auto out = to(s.feed(e, enc(0, Connect{"n" + std::to_string(host) + "_" + std::to_string(port)}),
                           at_ms(port / 10)),
                    e);
      REQUIRE_FALSE(out.empty());
      (out[0].type() == MessageType::Ack ? accepted : refused) += 1;
    }
  CHECK(accepted == 4 * cfg.max_unproved_per_ip);
  CHECK(refused == 1024 - accepted);
  // An honest client is admitted meanwhile, from another address.
  s.connect(A, "Alice", 0, at_ms(100));
  CHECK(connected(s, "Alice"));
  // All the unproved slots are free once the deadline has passed.
  s.tick(at_ms(5100));
  CHECK(s.server.counters().clients == 1);
}

TEST_CASE("the proof timeout must let the probe be sent twice") {
  ServerConfig cfg;
  cfg.proof_timeout = cfg.reliability.first_timeout_max;
  auto problem = check_config(cfg);
  REQUIRE(problem);
  CHECK(problem->find("proof timeout") != std::string::npos);
  cfg.proof_timeout = cfg.reliability.first_timeout_max + Millis(1);
  CHECK_FALSE(check_config(cfg));
}
