// SPDX-License-Identifier: GPL-2.0-or-later
// The server engine's cost per small request, without sockets: N connected
// clients send List requests (the load of bench-answers) and every answer is
// drained the way the I/O shell does, into Transmits it keeps. Meant to run
// under `valgrind --tool=callgrind`: run it with two request counts and divide
// the difference of instructions by the difference of requests.
//
//   engine_list_bench REQUESTS [CLIENTS]
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engine_harness.hpp"

using namespace imup;
using namespace imup::test;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: engine_list_bench REQUESTS [CLIENTS]\n");
    return 2;
  }
  long requests = std::atol(argv[1]);
  long clients = argc > 2 ? std::atol(argv[2]) : 16;
  if (requests < 0 || clients < 1 || clients > 1000) {
    std::fprintf(stderr, "engine_list_bench: REQUESTS >= 0, 1 <= CLIENTS <= 1000\n");
    return 2;
  }
  engine::ServerConfig cfg;
  cfg.per_client = {};
  cfg.per_ip = {};
  ServerBench s(cfg);
  Time now = at_ms(1000);
  std::vector<Endpoint> eps;
  for (long i = 0; i < clients; ++i) {
    eps.push_back(ep(1, std::uint16_t(10000 + i)));
    s.connect(eps.back(), "user" + std::to_string(i), 0, now);
  }
  // Every request a distinct number, so each is acted on (not a duplicate).
  std::vector<Bytes> list(kSeqModulo);
  for (std::uint16_t q = 0; q < kSeqModulo; ++q) list[q] = enc(q, ListRequest{});
  std::vector<Transmit> outgoing(64);
  std::size_t answers = 0, bytes = 0;
  for (long r = 0; r < requests; ++r) {
    long who = r % clients;
    std::uint16_t seq = std::uint16_t(1 + (r / clients) % (kSeqModulo - 1));
    s.server.handle_datagram(eps[std::size_t(who)], list[seq], now);
    std::size_t n = 0;
    while (s.server.poll_transmit(outgoing[n])) {
      bytes += outgoing[n].bytes.size();
      ++answers;
      n = (n + 1) % outgoing.size();
    }
  }
  std::printf("requests %ld answers %zu bytes %zu\n", requests, answers, bytes);
  return answers == std::size_t(requests) ? 0 : 1;
}
