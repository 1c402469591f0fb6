// SPDX-License-Identifier: GPL-2.0-or-later
// Thousands of simulated worlds per run, each a seed (simulation.hpp).
//   IMUP_SIM_SEEDS=N     how many seeds (default 3000), starting at IMUP_SIM_FIRST (default 1)
//   IMUP_SIM_SEED=S      replay seed S alone, printing every datagram and event
#include "catch.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "simulation.hpp"

namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

}  // namespace

TEST_CASE("simulated worlds keep every invariant under loss, duplication, reordering and partitions") {
  if (const char* one = std::getenv("IMUP_SIM_SEED"); one && *one) {
    auto r = imup::sim::run_simulation({std::strtoull(one, nullptr, 10), true});
    for (auto& v : r.violations) std::printf("seed %llu: %s\n", (unsigned long long)r.seed, v.c_str());
    CHECK(r.violations.empty());
    return;
  }
  std::uint64_t first = env_number("IMUP_SIM_FIRST", 1), count = env_number("IMUP_SIM_SEEDS", 3000);
  imup::sim::SimResult total;
  std::uint64_t failed = 0;
  for (std::uint64_t s = first; s < first + count; ++s) {
    auto r = imup::sim::run_simulation({s, false});
    if (!r.violations.empty()) {
      if (++failed <= 10) {
        std::printf("FAILING SEED %llu (replay: IMUP_SIM_SEED=%llu %s)\n", (unsigned long long)s,
                    (unsigned long long)s, "tests/engine/engine_simulation_test");
        for (auto& v : r.violations) std::printf("  %s\n", v.c_str());
      }
    }
    total.datagrams += r.datagrams;
    total.lost += r.lost;
    total.duplicated += r.duplicated;
    total.messages_sent += r.messages_sent;
    total.messages_delivered += r.messages_delivered;
    total.peer_messages += r.peer_messages;
    total.groups_opened += r.groups_opened;
    total.retransmissions += r.retransmissions;
    total.give_ups += r.give_ups;
    total.spoofed += r.spoofed;
    total.large_worlds += r.large_worlds;
    total.multi_part_updates += r.multi_part_updates;
    total.flooded_worlds += r.flooded_worlds;
  }
  std::printf("%llu seeds: %llu datagrams (%llu lost, %llu duplicated), %llu messages sent, "
              "%llu deliveries (%llu peer to peer), %llu groups, %llu server retransmissions, "
              "%llu server give-ups, %llu spoofed Connexions, %llu large worlds, %llu group updates "
              "in several parts, %llu worlds with a flooder; %llu failing seeds\n",
              (unsigned long long)count, (unsigned long long)total.datagrams,
              (unsigned long long)total.lost, (unsigned long long)total.duplicated,
              (unsigned long long)total.messages_sent, (unsigned long long)total.messages_delivered,
              (unsigned long long)total.peer_messages, (unsigned long long)total.groups_opened,
              (unsigned long long)total.retransmissions, (unsigned long long)total.give_ups,
              (unsigned long long)total.spoofed, (unsigned long long)total.large_worlds,
              (unsigned long long)total.multi_part_updates, (unsigned long long)total.flooded_worlds,
              (unsigned long long)failed);
  // The worlds must actually exercise the protocol, or passing proves nothing.
  CHECK(total.peer_messages > 0);
  CHECK(total.groups_opened > 0);
  CHECK(total.lost > 0);
  CHECK(total.give_ups > 0);
  CHECK(total.multi_part_updates > 0);
  CHECK(total.flooded_worlds > 0);
  CHECK(failed == 0);
}
