// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the server's datagram path. The input is a series of
// records {endpoint+time byte, 16-bit length, datagram}; two clients are
// connected and proved first, so that the fuzzer reaches groups, relays and
// retransmissions, not only the unknown-endpoint drop. Whatever comes in,
// the server must not crash, must only send datagrams the strict decoder
// accepts, and must keep its tables consistent.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "codec/codec.hpp"
#include "codec/exchange.hpp"
#include "engine/server.hpp"

using namespace imup;
using namespace imup::engine;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

void drain(Server& s, std::vector<Transmit>* keep = nullptr) {
  Transmit t;
  while (s.poll_transmit(t)) {
    if (t.bytes.size() < kHeaderBytes || t.bytes.size() > kMaxDatagramBytes) fail("datagram size");
    if (!decode(t.bytes).ok()) fail("the server sent a datagram the strict decoder refuses");
    if (keep) keep->push_back(std::move(t));
  }
  ServerEvent e;
  while (s.poll_event(e)) (void)describe(e);
}

void check_tables(const Server& s) {
  std::set<std::string> names;
  for (auto& u : s.users())
    if (!names.insert(u.name).second) fail("a name held twice");
  for (auto& g : s.groups()) {
    if (g.members.empty() || (g.members.size() == 1 && g.invitees.empty())) fail("a group left alone");
    for (auto& m : g.members)
      if (!names.count(m)) fail("a group member with no record");
  }
  if (s.counters().clients != s.users().size()) fail("client counter");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ServerConfig cfg;
  cfg.reliability.tries = 3;
  Server server(cfg);
  const Endpoint eps[4] = {{0x0A000002u, 1000}, {0x0A000003u, 1000}, {0x0A000004u, 1000},
                           {0x0A000002u, 1001}};
  Time now{};
  // Two proved clients.
  for (int i = 0; i < 2; ++i) {
    server.handle_datagram(eps[i], encode(Message{0, Connect{i ? "Lucy" : "Sheng"}}), now);
    std::vector<Transmit> out;
    drain(server, &out);
    for (auto& t : out) {
      auto m = decode(t.bytes);
      if (m.ok() && m.message->type() == MessageType::LivenessProbe)
        server.handle_datagram(t.peer, encode(Message{m.message->seq, Ack{}}), now);
    }
    drain(server);
  }
  std::size_t pos = 0;
  while (pos + 3 <= size) {
    std::uint8_t ctl = data[pos];
    std::size_t len = ((std::size_t(data[pos + 1]) << 8) | data[pos + 2]) % 1100;
    pos += 3;
    len = std::min(len, size - pos);
    now += Millis(std::int64_t(ctl >> 2) * 250);
    if (auto due = server.poll_timeout(); due && *due <= now) server.handle_timeout(now);
    drain(server);
    server.handle_datagram(eps[ctl & 3], std::span(data + pos, len), now);
    drain(server);
    pos += len;
  }
  // Let every exchange run out.
  for (int i = 0; i < 80; ++i) {
    now += Millis(5000);
    server.handle_timeout(now);
    drain(server);
  }
  check_tables(server);
  return 0;
}
