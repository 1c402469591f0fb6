// SPDX-License-Identifier: GPL-2.0-or-later
// What a front end needs to show a request's progress: each resending as an
// event (so a silent server is seen at once, not after the last try), the
// request's sequence number on its delivery or failure, and how many
// requests are still open (so a client can leave when its work is done).
#include "catch.hpp"

#include "codec/exchange.hpp"
#include "engine_harness.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;
namespace ev = imup::engine::event;

TEST_CASE("an unanswered Connexion is reported at each resending, then failed with its number") {
  Net net;
  net.add("Piper", 1);
  net.pass = [](const Endpoint&, const Endpoint&, const Bytes&) { return false; };
  auto r = net["Piper"].connect("Piper", net.now);
  REQUIRE(r);
  CHECK(net["Piper"].pending_requests() == 1);
  net.run(Millis(200000));

  auto retried = net.got<ev::RequestRetried>("Piper");
  REQUIRE(retried.size() == kTries - 1);
  for (std::size_t i = 0; i < retried.size(); ++i) {
    CHECK(retried[i].command == r.id);
    CHECK(retried[i].request == MessageType::Connect);
    CHECK_FALSE(retried[i].peer);
    CHECK(retried[i].tries == i + 2);
    CHECK(retried[i].max_tries == kTries);
    if (i > 0) CHECK(retried[i].next_wait == 2 * retried[i - 1].next_wait);
  }
  auto failed = net.got<ev::DeliveryFailed>("Piper");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].request == MessageType::Connect);
  REQUIRE(failed[0].seq);
  CHECK(*failed[0].seq == retried[0].seq);
  CHECK(net.got<ev::ServerGone>("Piper").size() == 1);
  CHECK(net["Piper"].pending_requests() == 0);
}

TEST_CASE("a delivered message carries the sequence number it was sent under") {
  Net net;
  net.add("Sheng", 1);
  net.connect_all();
  CHECK(net["Sheng"].pending_requests() == 0);
  auto r = net["Sheng"].send_to_room("Bonjour", net.now);
  REQUIRE(r);
  CHECK(net["Sheng"].pending_requests() == 1);
  net.run(Millis(100));
  auto delivered = net.got<ev::MessageDelivered>("Sheng");
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].command == r.id);
  // The ChatMessage on the wire, from Sheng to the server, had that number.
  bool found = false;
  for (const auto& [from, t] : net.wire) {
    if (t.peer != net.server_ep) continue;
    auto m = dec(t.bytes);
    if (m.type() == MessageType::ChatMessage) found = m.seq == delivered[0].seq;
  }
  CHECK(found);
  CHECK(net["Sheng"].pending_requests() == 0);
  CHECK(net.got<ev::RequestRetried>("Sheng").empty());
}

TEST_CASE("a refusal by the server names the request's sequence number") {
  Net net;
  net.add("Sheng", 1);
  net.connect_all();
  auto r = net["Sheng"].send_direct("Nobody", "hello?", net.now);
  REQUIRE(r);
  net.run(Millis(100));
  auto errors = net.got<ev::ErrorReceived>("Sheng");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].command == r.id);
  CHECK(errors[0].seq != 0);  // the Connexion was 0
  CHECK(net["Sheng"].pending_requests() == 0);
}
