// SPDX-License-Identifier: GPL-2.0-or-later
// What a server timer is for (timer_heap.hpp): a request's retransmission, a
// client's liveness probe, or the deadline for a new client's return path, the client's slot and generation (a timer of a
// client since removed, or of an earlier client in that slot, is stale), and
// for a retransmission the request's sequence number.
#pragma once

#include <compare>
#include <cstdint>

namespace imup::engine {

struct ServerTimerKey {
  enum class Kind : std::uint8_t { Retransmit, Probe, ProofDeadline };
  Kind kind = Kind::Retransmit;
  std::uint16_t slot = 0;        // the client's user id
  std::uint16_t seq = 0;         // Retransmit: the request's number; otherwise 0
  std::uint64_t generation = 0;  // which client in that slot

  // Compared member by member (== comes with it). The heap compares
  // deadlines only, so the key's type does not change the order in which
  // timers fire. Nothing hashes a key, so it has no hash.
  friend auto operator<=>(const ServerTimerKey&, const ServerTimerKey&) = default;
};

}  // namespace imup::engine
