// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet/ipv4_reassembly.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace imup::packet {

Ipv4Reassembler::Result Ipv4Reassembler::add(const Key& key, std::size_t offset, bool more,
                                             std::span<const std::uint8_t> data,
                                             std::int64_t now_ns,
                                             std::span<const std::uint8_t>& whole,
                                             std::uint16_t& fragments, Result& also) {
  also = Result::Incomplete;
  if (offset + data.size() > kMaxPayload) return Result::TooBig;
  Slot* slot = nullptr;
  Slot* free_slot = nullptr;
  Slot* oldest = &slots_[0];
  for (auto& s : slots_) {
    if (s.used && s.key == key) {
      slot = &s;
      break;
    }
    if (!s.used && !free_slot) free_slot = &s;
    if (s.used && s.first_ns < oldest->first_ns) oldest = &s;
  }
  if (!slot) {
    if (!free_slot) {
      also = Result::TableFull;
      free_slot = oldest;
    }
    slot = free_slot;
    slot->used = true;
    slot->key = key;
    slot->first_ns = now_ns;
    slot->total = 0;
    slot->received_bytes = 0;
    slot->fragments = 0;
    slot->blocks.reset();
    slot->data.assign(kMaxPayload, 0);
  }
  ++slot->fragments;
  if (!more) slot->total = offset + data.size();
  std::size_t first_block = offset / 8;
  std::size_t end_block = (offset + data.size() + 7) / 8;
  bool overlap = false;
  for (std::size_t b = first_block; b < end_block; ++b) {
    std::size_t from = std::max(b * 8, offset);
    std::size_t to = std::min(b * 8 + 8, offset + data.size());
    if (slot->blocks[b]) {
      overlap = true;
      continue;  // keep the first copy, as most stacks do
    }
    std::memcpy(slot->data.data() + from, data.data() + (from - offset), to - from);
    slot->received_bytes += to - from;
    if (to - from == 8 || to == offset + data.size()) slot->blocks[b] = true;
  }
  if (overlap && also == Result::Incomplete) also = Result::Overlap;
  if (slot->total != 0 && slot->received_bytes >= slot->total) {
    done_.assign(slot->data.begin(), slot->data.begin() + std::ptrdiff_t(slot->total));
    fragments = slot->fragments;
    slot->used = false;
    slot->data.clear();
    slot->data.shrink_to_fit();
    whole = done_;
    return Result::Complete;
  }
  return Result::Incomplete;
}

std::size_t Ipv4Reassembler::expire(std::int64_t now_ns, std::int64_t timeout_ns) {
  std::size_t n = 0;
  for (auto& s : slots_) {
    if (s.used && now_ns - s.first_ns > timeout_ns) {
      s.used = false;
      s.data.clear();
      s.data.shrink_to_fit();
      ++n;
    }
  }
  return n;
}

std::size_t Ipv4Reassembler::pending() const {
  return std::size_t(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.used; }));
}

}  // namespace imup::packet
