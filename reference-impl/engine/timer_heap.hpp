// SPDX-License-Identifier: GPL-2.0-or-later
// The engines' timers: a binary min-heap of (deadline, key). Entries are never
// removed early; when one fires, its owner checks the key against its current
// state and ignores it if it is stale. So arming a timer is O(log n), and a
// timeout never scans every client. The key is the owner's own small struct
// (the server's: server_impl/timer_key.hpp); only the deadline orders entries.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

#include "engine/io_contract.hpp"

namespace imup::engine {

template <class Key>
struct TimerEntry {
  Time at;
  Key key{};  // owner-defined: what to look at, and which incarnation of it
  bool operator>(const TimerEntry& o) const { return at > o.at; }
};

template <class Key>
class TimerHeap {
 public:
  using Entry = TimerEntry<Key>;
  void arm(Time at, const Key& key) { heap_.push(Entry{at, key}); }
  std::optional<Time> next() const {
    if (heap_.empty()) return std::nullopt;
    return heap_.top().at;
  }
  // Pops the earliest entry due at `now`, if any.
  bool pop_due(Time now, Entry& out) {
    if (heap_.empty() || heap_.top().at > now) return false;
    out = heap_.top();
    heap_.pop();
    return true;
  }
  std::size_t size() const { return heap_.size(); }
  void clear() { heap_ = {}; }

 private:
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
};

}  // namespace imup::engine
