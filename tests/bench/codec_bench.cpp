// SPDX-License-Identifier: GPL-2.0-or-later
// Codec throughput: encode and decode rates (messages/s) over a mix of random
// valid messages of every type, and over the draft's section-5 datagrams.
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "codec/codec.hpp"
#include "random_messages.hpp"

namespace {
using Clock = std::chrono::steady_clock;

template <typename F>
double rate(std::size_t items_per_round, F&& round) {
  // Repeat until at least 0.5 s has passed, then report items per second.
  std::size_t rounds = 0;
  auto start = Clock::now();
  double elapsed = 0;
  do {
    round();
    ++rounds;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < 0.5);
  return double(rounds * items_per_round) / elapsed;
}
}  // namespace

int main() {
  std::mt19937_64 rng(2017);
  std::vector<imup::Message> messages;
  std::vector<std::vector<std::uint8_t>> datagrams;
  std::size_t bytes = 0;
  for (int i = 0; i < 20000; ++i) {
    messages.push_back(imup::testing::random_message(rng));
    datagrams.push_back(imup::encode(messages.back()));
    bytes += datagrams.back().size();
  }
  std::uint8_t out[imup::kMaxDatagramBytes];
  volatile std::size_t sink = 0;

  double enc = rate(messages.size(), [&] {
    for (const auto& m : messages) sink = sink + imup::encode(m, out).size;
  });
  double dec_strict = rate(datagrams.size(), [&] {
    for (const auto& d : datagrams) sink = sink + imup::decode(d, imup::Strictness::Strict).ok();
  });
  double dec_lenient = rate(datagrams.size(), [&] {
    for (const auto& d : datagrams) sink = sink + imup::decode(d, imup::Strictness::Lenient).ok();
  });
  // Small messages, the common case on the wire: ACKs and short chat lines.
  std::vector<std::vector<std::uint8_t>> small{
      imup::encode(imup::Message{4, imup::Ack{}}),
      imup::encode(imup::Message{9, imup::ChatMessage{imup::Room::Public, imup::Mode::Centralized, "Rebonjour", {}}}),
      imup::encode(imup::Message{1, imup::Connect{"Sheng"}})};
  double dec_small = rate(small.size() * 1000, [&] {
    for (int k = 0; k < 1000; ++k)
      for (const auto& d : small) sink = sink + imup::decode(d).ok();
  });

  std::printf("codec benchmark (%zu random messages of all 21 types, mean %.0f bytes)\n",
              messages.size(), double(bytes) / double(messages.size()));
  std::printf("  encode          %12.0f messages/s\n", enc);
  std::printf("  decode strict   %12.0f messages/s\n", dec_strict);
  std::printf("  decode lenient  %12.0f messages/s\n", dec_lenient);
  std::printf("  decode small    %12.0f messages/s (ACK, short message, Connexion)\n", dec_small);
  return 0;
}
