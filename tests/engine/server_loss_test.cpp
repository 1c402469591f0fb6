// SPDX-License-Identifier: GPL-2.0-or-later
// Losing the server, and losing a client (PROTOCOL.md §7, §9.4): a connected
// client that hears nothing from its server for two probe intervals plus the
// first retransmission timeout takes it for gone, and not sooner; a client
// that keeps hearing the probes stays; with ClientConfig::reconnect it
// connects again under its name, waiting 1, 2, 4, ... s between attempts, a
// bounded number of times; and the server frees a vanished client's slot
// within the probe interval plus the probe's tries.
#include "catch.hpp"

#include <algorithm>

#include "engine_harness.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;
namespace ev = imup::engine::event;

namespace {

// Runs the network in 100 ms steps until `name` has one more E event than
// now, at most `limit`; returns the virtual time that took.
template <typename E>
Millis run_until(Net& net, const std::string& name, Millis limit) {
  std::size_t before = net.got<E>(name).size();
  Time start = net.now;
  while (net.got<E>(name).size() == before && net.now - start < limit) net.run(Millis(100));
  return std::chrono::duration_cast<Millis>(net.now - start);
}

// The server's datagrams are lost from now on (it was killed, or restarted
// and knows nobody): what reaches it is dropped too, unless `hears` is set.
void silence_server(Net& net, bool hears = false) {
  net.pass = [&net, hears](const Endpoint& from, const Endpoint& to, const Bytes&) {
    if (from == net.server_ep) return false;
    return hears || !(to == net.server_ep);
  };
}

// A server started afresh on the same endpoint: it knows no client.
void restart_server(Net& net, ServerConfig cfg = {}) {
  net.server = Server(cfg);
  net.pass = [](const Endpoint&, const Endpoint&, const Bytes&) { return true; };
}

ClientConfig reconnecting(unsigned attempts, unsigned tries) {
  ClientConfig cc;
  cc.reconnect.attempts = attempts;
  cc.reliability.tries = tries;
  return cc;
}

// Piper, connected alone, whose server then falls silent until Piper says server_gone.
Client& lost_server(Net& net, const ClientConfig& cc) {
  auto& piper = net.add("Piper", 1, cc);
  net.connect_all();
  silence_server(net);
  run_until<ev::ServerGone>(net, "Piper", Millis(120000));
  return piper;
}

std::vector<Millis> delays(Net& net, const std::string& name) {
  std::vector<Millis> d;
  for (auto& s : net.got<ev::ReconnectScheduled>(name)) d.push_back(s.delay);
  return d;
}

}  // namespace

TEST_CASE("an idle client whose server falls silent says server_gone after 2 probe intervals + the first timeout, not before") {
  Net net;
  auto& piper = net.add("Piper", 1);
  net.connect_all();  // Connexion, ACK, the return-path probe and its ACK
  REQUIRE(net.got<ev::Connected>("Piper").size() == 1);
  Millis limit = server_silence_limit(piper.config());
  CHECK(limit == 2 * kProbeInterval + kFirstTimeoutMax);  // 63 s with the protocol's values

  silence_server(net);
  Millis took = run_until<ev::ServerGone>(net, "Piper", Millis(120000));
  INFO("server_gone " << took.count() << " ms after the server's last datagram");
  CHECK(took >= Millis(60000));
  CHECK(took <= Millis(66000));
  CHECK(took >= limit - Millis(200));
  auto gone = net.got<ev::ServerGone>("Piper");
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].detail.find("nothing heard from the server for 63 s") != std::string::npos);
  CHECK(piper.view().connection == ConnectionState::Disconnected);
  CHECK_FALSE(piper.view().reconnecting);  // not asked to
  // Nothing else to say: no request was open, and no attempt follows.
  net.run(Millis(120000));
  CHECK(net.got<ev::ServerGone>("Piper").size() == 1);
  CHECK(net.got<ev::DeliveryFailed>("Piper").empty());
  CHECK(net.got<ev::ReconnectScheduled>("Piper").empty());
}

TEST_CASE("a client that hears only the probes stays connected for 10 minutes, even when each probe's first copy is lost") {
  bool lossy = GENERATE(false, true);
  Net net;
  auto& piper = net.add("Piper", 1);
  net.connect_all();
  std::map<std::uint16_t, int> copies;  // of each probe, by sequence number
  if (lossy)
    net.pass = [&](const Endpoint& from, const Endpoint&, const Bytes& b) {
      auto m = dec(b);
      if (!(from == net.server_ep) || m.type() != MessageType::LivenessProbe) return true;
      return ++copies[m.seq] > 1;  // the resend, 2-3 s later, gets through
    };
  std::size_t wire_before = net.wire.size();
  net.run(Millis(600000));
  INFO((lossy ? "first copies lost" : "lossless"));
  CHECK(net.got<ev::ServerGone>("Piper").empty());
  CHECK(piper.view().connection == ConnectionState::Connected);
  std::size_t probes = 0;
  for (std::size_t i = wire_before; i < net.wire.size(); ++i)
    if (net.wire[i].first == net.server_ep && dec(net.wire[i].second.bytes).type() == MessageType::LivenessProbe)
      ++probes;
  CHECK(probes >= (lossy ? 34u : 19u));  // one every 30 s (two copies every 32.5 s or so)
  CHECK(lists_user(net.server, "Piper"));
}

TEST_CASE("a client that hears nothing while its own request is open gives up once, at the earlier deadline") {
  Net net;
  auto& piper = net.add("Piper", 1);
  net.connect_all();
  net.run(Millis(50000));  // the probe at 30 s was the last datagram heard
  silence_server(net);
  REQUIRE(piper.send_to_room("hello?", net.now));
  // The silence deadline (63 s after 30 s) comes before the message's last try (62-93 s from 50 s).
  Millis took = run_until<ev::ServerGone>(net, "Piper", Millis(120000));
  CHECK(took <= Millis(44000));
  auto failed = net.got<ev::DeliveryFailed>("Piper");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].request == MessageType::ChatMessage);
  net.run(Millis(120000));
  CHECK(net.got<ev::ServerGone>("Piper").size() == 1);
}

TEST_CASE("with reconnect, a client connects again under its name to the restarted server, waiting 1, 2, 4 s between attempts") {
  Net net;
  auto& piper = net.add("Piper", 1, reconnecting(5, 2));
  net.add("Lucy", 2);
  net.connect_all();
  REQUIRE(piper.invite({"Lucy"}, net.now));
  net.run(Millis(100));
  REQUIRE(piper.choose_mode(Mode::Centralized, net.now));
  net.run(Millis(100));
  REQUIRE(net["Lucy"].accept_invitation(net.now));
  net.run(Millis(100));
  REQUIRE(piper.view().room == Room::Private);

  silence_server(net);
  run_until<ev::ServerGone>(net, "Piper", Millis(120000));
  CHECK(piper.view().reconnecting);
  CHECK(piper.view().connection == ConnectionState::Disconnected);
  CHECK(piper.view().room == Room::Public);  // the old session's group is gone with it
  // Attempts 1 and 2 reach nobody (each: 2 tries, 6-9 s); the server is back during attempt 3.
  run_until<ev::Reconnecting>(net, "Piper", Millis(5000));
  run_until<ev::Reconnecting>(net, "Piper", Millis(20000));
  run_until<ev::Reconnecting>(net, "Piper", Millis(20000));
  REQUIRE(net.got<ev::Reconnecting>("Piper").size() == 3);
  restart_server(net);
  Millis took = run_until<ev::Reconnected>(net, "Piper", Millis(20000));
  CHECK(took <= Millis(3100));  // attempt 3's first copy was lost: its resend reaches the new server

  CHECK(delays(net, "Piper") == std::vector<Millis>{Millis(1000), Millis(2000), Millis(4000)});
  auto again = net.got<ev::Reconnected>("Piper");
  REQUIRE(again.size() == 1);
  CHECK(again[0].name == "Piper");
  CHECK(again[0].attempts == 3);
  CHECK(net.got<ev::Connected>("Piper").size() == 2);
  CHECK(piper.view().connection == ConnectionState::Connected);
  CHECK_FALSE(piper.view().reconnecting);
  CHECK(piper.view().room == Room::Public);
  CHECK(lists_user(net.server, "Piper"));
  // The new session works: a message to the public room is acknowledged.
  auto sent = piper.send_to_room("back", net.now);
  REQUIRE(sent);
  net.run(Millis(100));
  auto delivered = net.got<ev::MessageDelivered>("Piper");
  REQUIRE_FALSE(delivered.empty());
  CHECK(delivered.back().command == sent.id);
}

TEST_CASE("reconnection is bounded: after its attempts the client gives up and stays disconnected") {
  Net net;
  auto& piper = lost_server(net, reconnecting(7, 1));
  Millis took = run_until<ev::ReconnectGaveUp>(net, "Piper", Millis(600000));
  // Seven Connexions of one try (2-3 s each) and waits of 1, 2, 4, 8, 16, 30, 30 s.
  CHECK(took >= Millis(91000 + 7 * 2000));
  CHECK(took <= Millis(91000 + 7 * 3000 + 1000));
  CHECK(delays(net, "Piper") == std::vector<Millis>{Millis(1000), Millis(2000), Millis(4000), Millis(8000),
                                                    Millis(16000), Millis(30000), Millis(30000)});
  auto gave_up = net.got<ev::ReconnectGaveUp>("Piper");
  REQUIRE(gave_up.size() == 1);
  CHECK(gave_up[0].attempts == 7);
  CHECK_FALSE(piper.view().reconnecting);
  CHECK(piper.view().connection == ConnectionState::Disconnected);
  net.run(Millis(300000));
  CHECK(net.got<ev::Reconnecting>("Piper").size() == 7);  // no eighth
}

TEST_CASE("a name taken on the new server is one failed attempt; the next one succeeds once it is free") {
  Net net;
  auto& piper = net.add("Piper", 1, reconnecting(10, 5));
  auto& other = net.add("other", 2);
  piper.connect("Piper", net.now);
  net.run(Millis(100));
  silence_server(net);
  run_until<ev::ServerGone>(net, "Piper", Millis(120000));
  restart_server(net);
  other.connect("Piper", net.now);  // somebody else takes the name meanwhile
  net.run(Millis(100));
  run_until<ev::ConnectRefused>(net, "Piper", Millis(5000));
  CHECK(piper.view().reconnecting);
  run_until<ev::ConnectRefused>(net, "Piper", Millis(5000));
  REQUIRE(other.disconnect(net.now));
  Millis took = run_until<ev::Reconnected>(net, "Piper", Millis(10000));
  CHECK(took <= Millis(4100));  // the third attempt, 4 s after the second refusal
  CHECK(net.got<ev::Reconnected>("Piper").at(0).attempts == 3);
  CHECK(lists_user(net.server, "Piper"));
}

TEST_CASE("the user's /disconnect while the client waits to reconnect ends the reconnection") {
  Net net;
  auto& piper = lost_server(net, reconnecting(5, 2));
  REQUIRE(piper.view().reconnecting);
  REQUIRE(piper.disconnect(net.now));
  CHECK_FALSE(piper.view().reconnecting);
  CHECK(net.got<ev::Disconnected>("Piper").size() == 0);  // drained by the next run
  net.run(Millis(60000));
  CHECK(net.got<ev::Disconnected>("Piper").size() == 1);
  CHECK(net.got<ev::Reconnecting>("Piper").empty());
}

TEST_CASE("a vanished client's slot and name are free within the probe interval + the probe's tries") {
  unsigned probe_tries = GENERATE(0u, 3u);
  ServerConfig cfg;
  cfg.probe_tries = probe_tries;
  ServerBench s(cfg);
  const Endpoint piper = ep(1, 1000);
  s.connect(piper, "Piper", 0, at_ms(0));  // last heard at 0 (the proof's ACK)
  REQUIRE(lists_user(s.server, "Piper"));
  Time t = at_ms(0);
  while (lists_user(s.server, "Piper") && t < at_ms(300000)) {
    t += Millis(100);
    s.tick(t);
  }
  unsigned tries = probe_tries ? probe_tries : cfg.reliability.tries;
  auto span = [&](Millis first) { return cfg.probe_interval + first * ((1 << tries) - 1); };
  Millis took = std::chrono::duration_cast<Millis>(t - at_ms(0));
  INFO("probe tries " << tries << ": slot free after " << took.count() << " ms");
  CHECK_FALSE(lists_user(s.server, "Piper"));
  CHECK(took >= span(cfg.reliability.first_timeout_min));
  CHECK(took <= span(cfg.reliability.first_timeout_max) + Millis(100));
  CHECK(took <= (probe_tries ? Millis(51100) : Millis(123100)));  // PROTOCOL.md §9.4's figures
  // The name is free: another endpoint takes it.
  s.connect(ep(2, 1000), "Piper", 0, t);
  CHECK(lists_user(s.server, "Piper"));
}
