// SPDX-License-Identifier: GPL-2.0-or-later
// The server engine's cost per Connexion, without sockets: CYCLES times, a
// new endpoint connects under a new name (ACK and probe drained) and leaves
// (Deconnexion, ACK), beside 16 connected clients. KIND is the names' kind:
// `ascii` ("user123"), `latin` ("Zoë123", one non-ASCII letter) or `cyrillic`
// ("Ольга123"). Meant to run under `valgrind --tool=callgrind`: run it with
// two cycle counts and divide the difference of instructions by the
// difference of cycles; callgrind's inclusive cost of
// imup::names::LookAlikes::problem and ::skeleton is the look-alike rules'
// share of it.
//
//   engine_connect_bench CYCLES [ascii|latin|cyrillic]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine_harness.hpp"

using namespace imup;
using namespace imup::test;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: engine_connect_bench CYCLES [ascii|latin|cyrillic]\n");
    return 2;
  }
  long cycles = std::atol(argv[1]);
  std::string kind = argc > 2 ? argv[2] : "ascii";
  std::string stem = kind == "ascii" ? "user" : kind == "latin" ? "Zo\u00EB" : kind == "cyrillic"
                                                                       ? "\u041E\u043B\u044C\u0433\u0430"
                                                                       : "";
  if (cycles < 0 || stem.empty()) {
    std::fprintf(stderr, "engine_connect_bench: CYCLES >= 0, KIND ascii, latin or cyrillic\n");
    return 2;
  }
  engine::ServerConfig cfg;
  cfg.per_client = {};
  cfg.per_ip = {};
  cfg.max_registrations_per_ip = 1024;
  ServerBench s(cfg);
  Time now = at_ms(1000);
  for (long i = 0; i < 16; ++i) s.connect(ep(1, std::uint16_t(10000 + i)), "bystander" + std::to_string(i), 0, now);
  std::vector<Transmit> outgoing(64);
  std::size_t accepted = 0;
  engine::ServerEvent e;
  for (long r = 0; r < cycles; ++r) {
    Endpoint who = ep(2 + std::uint32_t(r % 200), std::uint16_t(20000 + r % 1000));
    s.server.handle_datagram(who, enc(0, Connect{stem + std::to_string(r)}), now);
    std::size_t n = 0, got = 0;
    while (s.server.poll_transmit(outgoing[n])) n = (n + 1) % outgoing.size(), ++got;
    accepted += got == 2;  // the ACK and the probe
    s.server.handle_datagram(who, enc(1, Disconnect{}), now);
    while (s.server.poll_transmit(outgoing[n])) n = (n + 1) % outgoing.size();
    while (s.server.poll_event(e)) {
    }
    now += Millis(1);
  }
  std::printf("connexions %ld accepted %zu clients %zu\n", cycles, accepted, s.server.users().size());
  return accepted == std::size_t(cycles) ? 0 : 1;
}
