// SPDX-License-Identifier: GPL-2.0-or-later
// Deterministic simulation of one server and several clients on a virtual
// clock, over a simulated network with seeded loss, duplication, reordering,
// delay and partitions (in the manner of FoundationDB's and TigerBeetle's
// simulators). One seed is one run; a failing seed replays alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imup::sim {

struct SimOptions {
  std::uint64_t seed = 1;
  bool trace = false;  // print every datagram and event (for replaying one seed)
};

struct SimResult {
  std::uint64_t seed = 0;
  std::vector<std::string> violations;  // empty: every invariant held
  // What the run exercised, to show the simulation does something.
  std::uint64_t datagrams = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;  // (message, recipient) pairs
  std::uint64_t peer_messages = 0;       // delivered straight between peers
  std::uint64_t groups_opened = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t give_ups = 0;
  std::uint64_t spoofed = 0;
  std::uint64_t large_worlds = 0;         // many members with 80-byte names
  std::uint64_t multi_part_updates = 0;   // 11s sent in more than one part (first copies)
  std::uint64_t flooded_worlds = 0;       // with an endpoint flooding and acknowledging nothing
};

SimResult run_simulation(const SimOptions& options);

}  // namespace imup::sim
