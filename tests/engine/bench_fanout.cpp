// SPDX-License-Identifier: GPL-2.0-or-later
// Benchmark (a step of `make bench`): the highest fan-out load a room holds
// with no client removed (issue 13, PROTOCOL.md §6.5), on a virtual clock:
// senders x messages each keeps in flight, into receivers 100 ms away (each
// drains at most a window, 32, per round trip: 320 a second), 10 s of posting
// and 10 s to catch up. Beside each figure, its anchor measured in the same
// run: the same load with back-pressure off (limits.backlog-per-client=0,
// the server as it was before), where the receivers are removed.
#include <cstdio>

#include "slow_room.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;

namespace {

struct Outcome {
  std::size_t removed = 0, accepted = 0, held = 0;
};

Outcome run(std::size_t senders, std::size_t receivers, std::size_t in_flight, bool backpressure) {
  ServerConfig cfg;
  if (!backpressure) cfg.backlog_per_client = 0;
  SlowRoom room(cfg, senders, receivers, in_flight, Millis(100));
  room.run(Millis(10'000));
  return Outcome{room.removed.size(), room.acked_to_senders,
                 std::size_t(room.bench.server.counters().dropped(DropReason::Backpressure))};
}

}  // namespace

int main() {
  const std::size_t receivers = 20;
  std::printf("fan-out into %zu receivers 100 ms away, 10 s of posting then 10 s to catch up (virtual clock);\n"
              "accepted/s: messages the server acknowledged, per second of posting\n", receivers);
  std::printf("%8s %9s  %-34s  %s\n", "senders", "in flight", "back-pressure on (removed, accepted/s)",
              "off, the anchor (removed, accepted/s)");
  std::size_t best_load = 0, best_rate = 0;
  for (std::size_t senders : {4u, 16u, 64u})
    for (std::size_t in_flight : {8u, 32u}) {
      Outcome on = run(senders, receivers, in_flight, true);
      Outcome off = run(senders, receivers, in_flight, false);
      char a[64], b[64];
      std::snprintf(a, sizeof a, "%zu removed, %zu/s (%zu held)", on.removed, on.accepted / 10, on.held);
      std::snprintf(b, sizeof b, "%zu removed, %zu/s", off.removed, off.accepted / 10);
      std::printf("%8zu %9zu  %-34s  %s\n", senders, in_flight, a, b);
      if (on.removed == 0 && senders * in_flight > best_load) {
        best_load = senders * in_flight;
        best_rate = on.accepted / 10;
      }
    }
  std::printf("highest load held with zero removals: %zu (senders x in flight), %zu messages/s\n",
              best_load, best_rate);
  return 0;
}
