// SPDX-License-Identifier: GPL-2.0-or-later
#include "packet/timestamp.hpp"

#include <ctime>

namespace imup::packet {

Timestamp Timestamp::now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return Timestamp{ts.tv_sec, std::uint32_t(ts.tv_nsec)};
}

Timestamp Timestamp::from_ns(std::int64_t ns) {
  std::int64_t sec = ns / 1'000'000'000;
  std::int64_t rem = ns % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    --sec;
  }
  return Timestamp{sec, std::uint32_t(rem)};
}

}  // namespace imup::packet
