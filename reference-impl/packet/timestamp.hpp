// SPDX-License-Identifier: GPL-2.0-or-later
// A frame's capture time, as pcap and pcapng record it: seconds and
// nanoseconds since the epoch. Writers round to their format's resolution.
#pragma once

#include <compare>
#include <cstdint>

namespace imup::packet {

struct Timestamp {
  std::int64_t sec = 0;
  std::uint32_t nsec = 0;  // 0..999,999,999
  static Timestamp now();  // CLOCK_REALTIME
  static Timestamp from_ns(std::int64_t ns);
  std::int64_t to_ns() const { return sec * 1'000'000'000 + nsec; }
  bool operator==(const Timestamp&) const = default;
  auto operator<=>(const Timestamp&) const = default;
};

}  // namespace imup::packet
