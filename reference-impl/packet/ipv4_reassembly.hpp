// SPDX-License-Identifier: GPL-2.0-or-later
// IPv4 fragment reassembly (RFC 791) for captures: a fixed number of slots,
// each holding one datagram being rebuilt, so memory is bounded whatever the
// capture holds. Keyed by (source, destination, id, protocol).
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <span>
#include <vector>

namespace imup::packet {

class Ipv4Reassembler {
 public:
  struct Key {
    std::uint32_t src = 0, dst = 0;
    std::uint16_t id = 0;
    std::uint8_t protocol = 0;
    bool operator==(const Key&) const = default;
  };
  enum class Result : std::uint8_t {
    Incomplete,  // stored; more fragments needed
    Complete,    // `whole` now holds the reassembled IP payload
    TooBig,      // offset + length beyond 65,515 bytes: fragment dropped
    // Reported through `also`, next to one of the above:
    Overlap,     // this fragment rewrites bytes already received (kept the first copy)
    TableFull,   // no free slot: the oldest was dropped to make room
  };
  static constexpr std::size_t kSlots = 64;
  static constexpr std::size_t kMaxPayload = 65535 - 20;

  // `offset` in bytes. On Complete, `whole` and `fragments` describe the
  // datagram until the next call. `also` is Overlap or TableFull when this
  // fragment showed that, else Incomplete.
  Result add(const Key& key, std::size_t offset, bool more, std::span<const std::uint8_t> data,
             std::int64_t now_ns, std::span<const std::uint8_t>& whole, std::uint16_t& fragments,
             Result& also);
  // Drops the slots older than `timeout_ns`; returns how many were dropped.
  std::size_t expire(std::int64_t now_ns, std::int64_t timeout_ns);
  std::size_t pending() const;

 private:
  struct Slot {
    bool used = false;
    Key key;
    std::int64_t first_ns = 0;
    std::size_t total = 0;  // known once the last fragment arrived (0 = unknown)
    std::size_t received_bytes = 0;
    std::uint16_t fragments = 0;
    std::bitset<8192> blocks;  // 8-byte blocks received
    std::vector<std::uint8_t> data;
  };
  std::array<Slot, kSlots> slots_;
  std::vector<std::uint8_t> done_;
};

}  // namespace imup::packet
