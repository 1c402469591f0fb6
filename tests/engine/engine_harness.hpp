// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers for the behaviour tests: datagrams built with the codec, a server
// fed raw datagrams, and a lossless network joining a server and clients on a
// virtual clock.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "engine/client.hpp"
#include "engine/server.hpp"

namespace imup::test {

using engine::Millis;
using engine::Time;
using engine::Transmit;
using Bytes = std::vector<std::uint8_t>;

inline Time at_ms(std::int64_t ms) { return Time(Millis(ms)); }
inline Bytes enc(std::uint16_t seq, Body body) { return encode(Message{seq, std::move(body)}); }
inline Message dec(const Bytes& b) {
  auto d = decode(b);
  if (!d.ok()) throw std::runtime_error("undecodable datagram: " + describe(*d.error));
  return *d.message;
}
inline Endpoint ep(std::uint32_t host, std::uint16_t port) { return Endpoint{0x0A000000u + host, port}; }

// The datagrams in `out` addressed to `who`, decoded, in order.
inline std::vector<Message> to(const std::vector<Transmit>& out, const Endpoint& who) {
  std::vector<Message> v;
  for (auto& t : out)
    if (t.peer == who) v.push_back(dec(t.bytes));
  return v;
}
inline std::vector<Message> of_type(const std::vector<Message>& v, MessageType t) {
  std::vector<Message> r;
  for (auto& m : v)
    if (m.type() == t) r.push_back(m);
  return r;
}
// Whether the server holds a user of that name (proved or not).
inline bool lists_user(const engine::Server& s, const std::string& name) {
  for (auto& u : s.users())
    if (u.name == name) return true;
  return false;
}

// The server alone, fed datagrams by hand.
struct ServerBench {
  engine::Server server;
  explicit ServerBench(engine::ServerConfig c = {}) : server(c) {}
  std::vector<Transmit> feed(const Endpoint& from, const Bytes& b, Time now) {
    server.handle_datagram(from, b, now);
    return drain();
  }
  std::vector<Transmit> tick(Time now) {
    server.handle_timeout(now);
    return drain();
  }
  std::vector<Transmit> drain() {
    std::vector<Transmit> out;
    Transmit t;
    while (server.poll_transmit(t)) out.push_back(std::move(t));
    return out;
  }
  std::vector<engine::ServerEvent> events() {
    std::vector<engine::ServerEvent> out;
    engine::ServerEvent e;
    while (server.poll_event(e)) out.push_back(std::move(e));
    return out;
  }
  // Connects `name` from `from` and answers the return-path probe.
  void connect(const Endpoint& from, const std::string& name, std::uint16_t seq, Time now) {
    auto out = feed(from, enc(seq, Connect{name}), now);
    for (auto& t : out) {
      auto m = dec(t.bytes);
      if (m.type() == MessageType::LivenessProbe) feed(from, enc(m.seq, Ack{}), now);
    }
  }
};

// A server and clients joined by a lossless network, with optional filters.
struct Net {
  Endpoint server_ep{0x0A000001u, 2017};
  engine::Server server;
  std::map<std::string, std::unique_ptr<engine::Client>> clients;
  std::map<std::string, Endpoint> where;
  std::map<std::string, std::vector<engine::ClientEvent>> events;
  Time now{};
  // Return false to lose a datagram.
  std::function<bool(const Endpoint& from, const Endpoint& to, const Bytes&)> pass =
      [](const Endpoint&, const Endpoint&, const Bytes&) { return true; };
  std::vector<std::pair<Endpoint, Transmit>> wire;  // every datagram sent, in order

  explicit Net(engine::ServerConfig c = {}) : server(c) {}

  // `cc`'s server and seed are set here; the rest (tries, reconnection) is the test's.
  engine::Client& add(const std::string& name, std::uint32_t host, engine::ClientConfig cc = {}) {
    cc.server = server_ep;
    cc.rng_seed = host;
    where[name] = ep(0x100 + host, std::uint16_t(5000 + host));
    return *(clients[name] = std::make_unique<engine::Client>(cc));
  }
  engine::Client& operator[](const std::string& n) { return *clients.at(n); }

  // Delivers everything in flight, then fires timers, until nothing is left
  // before now + span.
  void run(Millis span = Millis(1000)) {
    Time end = now + span;
    while (true) {
      bool moved = deliver_all();
      Time next = end;
      if (auto t = server.poll_timeout()) next = std::min(next, *t);
      for (auto& [n, c] : clients)
        if (auto t = c->poll_timeout()) next = std::min(next, *t);
      if (!moved && next >= end) break;
      if (next > now) now = next;
      if (now >= end) break;
      server.handle_timeout(now);
      for (auto& [n, c] : clients) c->handle_timeout(now);
    }
    now = end;
    deliver_all();
  }
  bool deliver_all() {
    bool any = false;
    for (bool again = true; again;) {
      again = false;
      std::vector<std::pair<Endpoint, Transmit>> batch;
      Transmit t;
      while (server.poll_transmit(t)) batch.emplace_back(server_ep, std::move(t));
      for (auto& [n, c] : clients)
        while (c->poll_transmit(t)) batch.emplace_back(where[n], std::move(t));
      for (auto& [from, tr] : batch) {
        again = any = true;
        wire.emplace_back(from, tr);
        if (!pass(from, tr.peer, tr.bytes)) continue;
        if (tr.peer == server_ep) server.handle_datagram(from, tr.bytes, now);
        for (auto& [n, e] : where)
          if (e == tr.peer) clients.at(n)->handle_datagram(from, tr.bytes, now);
      }
      for (auto& [n, c] : clients) {
        engine::ClientEvent e;
        while (c->poll_event(e)) events[n].push_back(std::move(e));
      }
      engine::ServerEvent se;
      while (server.poll_event(se)) {
      }
    }
    return any;
  }
  template <typename E>
  std::vector<E> got(const std::string& n) {
    std::vector<E> out;
    for (auto& e : events[n])
      if (auto* x = std::get_if<E>(&e)) out.push_back(*x);
    return out;
  }
  void connect_all() {
    for (auto& [n, c] : clients) c->connect(n, now);
    run(Millis(100));
  }
};

}  // namespace imup::test
