// SPDX-License-Identifier: GPL-2.0-or-later
// The engines' timers: a binary min-heap of (deadline, key). Entries are never
// removed early; when one fires, its owner checks the key against its current
// state and ignores it if it is stale. So arming a timer is O(log n), and a
// timeout never scans every client.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

#include "engine/io_contract.hpp"

namespace imup::engine {

struct TimerEntry {
  Time at;
  std::uint64_t key = 0;   // owner-defined: what to look at
  std::uint64_t key2 = 0;  // owner-defined: which incarnation of it
  bool operator>(const TimerEntry& o) const { return at > o.at; }
};

class TimerHeap {
 public:
  void arm(Time at, std::uint64_t key, std::uint64_t key2 = 0) { heap_.push({at, key, key2}); }
  std::optional<Time> next() const {
    if (heap_.empty()) return std::nullopt;
    return heap_.top().at;
  }
  // Pops the earliest entry due at `now`, if any.
  bool pop_due(Time now, TimerEntry& out) {
    if (heap_.empty() || heap_.top().at > now) return false;
    out = heap_.top();
    heap_.pop();
    return true;
  }
  std::size_t size() const { return heap_.size(); }
  void clear() { heap_ = {}; }

 private:
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<TimerEntry>> heap_;
};

}  // namespace imup::engine
