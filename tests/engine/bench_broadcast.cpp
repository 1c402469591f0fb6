// SPDX-License-Identifier: GPL-2.0-or-later
// Benchmark (a step of `make bench`): public broadcasts per second through the
// server engine alone with 1000 connected clients, every relayed copy
// acknowledged (the ACKs are fed back and processed), on one core; and the
// memory the engine holds per connected client. Prints its figures.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "codec/codec.hpp"
#include "engine/server.hpp"

using namespace imup;
using namespace imup::engine;

namespace {

long resident_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

Endpoint client_ep(int i) { return Endpoint{0x0A000000u + std::uint32_t(i + 2), 40000}; }

// Feeds the server's output back as the clients would: an ACK for every
// request. Returns how many datagrams the server sent.
std::size_t answer_everything(Server& s, Time now, std::vector<Transmit>& batch) {
  std::size_t sent = 0;
  Transmit t;
  batch.clear();
  while (s.poll_transmit(t)) batch.push_back(std::move(t));
  for (auto& tr : batch) {
    ++sent;
    auto h = unpack(load_be32(tr.bytes.data()));
    auto type = MessageType(h.type);
    if (type == MessageType::Relayed || type == MessageType::LivenessProbe) {
      std::uint8_t ack[4];
      store_be32(ack, pack(Header{h.seq, std::uint8_t(MessageType::Ack), 0, 0}));
      s.handle_datagram(tr.peer, std::span<const std::uint8_t>(ack, 4), now);
    }
  }
  return sent;
}

}  // namespace

int main(int argc, char** argv) {
  int clients = argc > 1 ? std::atoi(argv[1]) : 1000;
  int broadcasts = argc > 2 ? std::atoi(argv[2]) : 300;
  ServerConfig cfg;
  cfg.per_client = RateLimit{};  // the benchmark measures the engine, not its limits
  cfg.per_ip = RateLimit{};
  Time now{};
  long rss_before = resident_kib();
  Server server(cfg);
  std::vector<Transmit> batch;
  for (int i = 0; i < clients; ++i) {
    server.handle_datagram(client_ep(i), encode(Message{0, Connect{"user" + std::to_string(i)}}), now);
    answer_everything(server, now, batch);
  }
  long rss_connected = resident_kib();
  std::size_t engine_bytes = server.memory_bytes();
  if (server.counters().clients != std::size_t(clients)) {
    std::fprintf(stderr, "only %zu clients connected\n", server.counters().clients);
    return 1;
  }

  std::size_t datagrams = 0;
  auto start = std::chrono::steady_clock::now();
  for (int b = 0; b < broadcasts; ++b) {
    now += Millis(1);
    int from = b % clients;
    auto msg = encode(Message{std::uint16_t((b / clients + 1) & 0x3FF),
                              ChatMessage{Room::Public, Mode::Centralized,
                                          "broadcast number " + std::to_string(b), std::nullopt}});
    server.handle_datagram(client_ep(from), msg, now);
    datagrams += answer_everything(server, now, batch);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto& c = server.counters();
  std::printf("engine broadcast benchmark: %d clients, %d public broadcasts in %.3f s\n", clients,
              broadcasts, seconds);
  std::printf("  %.0f broadcasts/s (aim >= 100/s), %.0f relayed copies + ACKs/s, %zu datagrams out\n",
              broadcasts / seconds, double(datagrams) / seconds, datagrams);
  std::printf("  retransmissions %llu, give-ups %llu (both should be 0)\n",
              (unsigned long long)c.retransmissions, (unsigned long long)c.give_ups);
  std::printf("  memory per connected client: %.0f bytes (engine estimate), %.0f bytes (RSS growth)\n",
              double(engine_bytes) / clients, double(rss_connected - rss_before) * 1024.0 / clients);
  std::printf("  after the run: %.0f bytes per client (engine estimate; mostly timer-heap entries of\n"
              "  acknowledged copies, which leave when their deadline passes)\n",
              double(server.memory_bytes()) / clients);
  return c.give_ups == 0 ? 0 : 1;
}
