// SPDX-License-Identifier: GPL-2.0-or-later
// Datagrams waiting for poll_transmit, oldest first. The slots are kept, not
// destroyed, and pop() swaps buffers with the caller's Transmit, so a driver
// that reuses its Transmits (the I/O shell does) makes the steady state
// allocate nothing.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/io_contract.hpp"

namespace imup::engine {

class TransmitQueue {
 public:
  // Queues a copy of bytes for `to`, in a kept slot; returns the copy.
  std::span<std::uint8_t> push(const Endpoint& to, std::span<const std::uint8_t> bytes) {
    if (len_ == slots_.size()) slots_.emplace_back();
    Transmit& t = slots_[len_++];
    t.peer = to;
    t.bytes.assign(bytes.begin(), bytes.end());
    return t.bytes;
  }

  // The oldest datagram into `out`, whose old buffer is kept for a later one.
  bool pop(Transmit& out) {
    if (head_ == len_) return false;
    Transmit& t = slots_[head_++];
    out.peer = t.peer;
    out.bytes.swap(t.bytes);
    if (head_ == len_) {
      head_ = len_ = 0;
      if (slots_.size() > kKeptSlots) slots_.resize(kKeptSlots);
    }
    return true;
  }

  // The kept slots and their buffers' capacities.
  std::size_t memory_bytes() const {
    std::size_t n = 0;
    for (const auto& t : slots_) n += sizeof(Transmit) + t.bytes.capacity();
    return n;
  }

 private:
  static constexpr std::size_t kKeptSlots = 256;  // beyond: freed once drained
  std::vector<Transmit> slots_;  // waiting: slots_[head_, len_)
  std::size_t head_ = 0;
  std::size_t len_ = 0;
};

}  // namespace imup::engine
