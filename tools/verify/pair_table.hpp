// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to request_ledger.cpp: the ledger's pairs by (from, to), and a
// small direct-mapped lookaside table in front of the map. A capture
// interleaves a handful of active conversations (a request and its answer
// share a pair, which also holds its client; a relayed message touches each
// member in turn), so most lookups hit the lookaside table without hashing
// into the map's buckets. Map nodes never move, so the pointers stay valid
// until entries are erased; whatever erases clears the lookaside table.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>

#include "request_ledger.hpp"

namespace imup::verify {

struct RequestLedger::PairTable {
  struct Key {
    std::uint64_t a, b;
    bool operator==(const Key&) const = default;
  };
  struct Hash {
    std::size_t operator()(const Key& k) const {
      return std::size_t(k.a * 0x9E3779B97F4A7C15ull ^ (k.b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full);
    }
  };
  Pair& get(Endpoint from, Endpoint to, std::int64_t now) {
    Key key{endpoint_key(from), endpoint_key(to)};
    Slot& slot = slots[slot_of(key.a ^ (key.b * 0xC2B2AE3D27D4EB4Full))];
    if (slot.pair && slot.key == key) [[likely]] {
      slot.pair->last_active_ns = now;
      return *slot.pair;
    }
    return get_slow(slot, key, from, to, now);
  }
  void clear_lookaside() { slots.fill({}); }

  std::unordered_map<Key, Pair, Hash> map;

 private:
  static constexpr std::size_t kLookaside = 64;
  struct Slot {
    Key key{};
    Pair* pair = nullptr;
  };
  static std::size_t slot_of(std::uint64_t key) {
    return std::size_t((key * 0x9E3779B97F4A7C15ull) >> 58);  // top 6 bits: 64 slots
  }
  static_assert(kLookaside == 64, "slot_of() takes the top 6 bits");
  // The lookaside table missed: the map (kept out of line, so the hit path
  // above stays a few instructions without a large stack frame).
  [[gnu::noinline]] Pair& get_slow(Slot& slot, Key key, Endpoint from, Endpoint to,
                                   std::int64_t now) {
    auto [it, fresh] = map.try_emplace(key);
    Pair& p = it->second;
    slot = Slot{key, &p};
    if (fresh) {
      p.from = from;
      p.to = to;
      p.slot_of_seq.fill(kNoSlot);
    }
    p.last_active_ns = now;
    return p;
  }
  std::array<Slot, kLookaside> slots{};
};

}  // namespace imup::verify
