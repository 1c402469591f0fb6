// SPDX-License-Identifier: GPL-2.0-or-later
#include "live_source.hpp"

#include <poll.h>
#include <time.h>

#include <algorithm>

namespace imup::verify {
namespace {

std::int64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

std::int64_t LiveSource::capture_now_ns() const {
  if (!seen_frame_) return clock_ns(CLOCK_REALTIME);
  return last_frame_ns_ + (clock_ns(CLOCK_MONOTONIC) - last_frame_mono_ns_);
}

void LiveSource::consume(Sink sink, void* context) {
  const std::int64_t start = clock_ns(CLOCK_MONOTONIC);
  std::int64_t next_tick = start + limits_.tick_ns;
  pollfd ready{reader_.selectable_fd(), POLLIN, 0};
  for (;;) {
    if (stop_()) {
      stopped_by_ = "signal";
      return;
    }
    std::int64_t now = clock_ns(CLOCK_MONOTONIC);
    if (limits_.duration_ns && now - start >= limits_.duration_ns) {
      stopped_by_ = "duration";
      return;
    }
    const std::size_t room = limits_.count ? std::size_t(limits_.count - reader_.frames()) : 0;
    std::int64_t newest = 0;
    std::size_t n = reader_.dispatch(
        [&](const packet::Datagram& d) {
          newest = d.when.to_ns();
          sink(context, d);
        },
        room);
    if (newest) {
      seen_frame_ = true;
      last_frame_ns_ = newest;
      last_frame_mono_ns_ = clock_ns(CLOCK_MONOTONIC);
    }
    if (limits_.count && reader_.frames() >= limits_.count) {
      stopped_by_ = "count";
      return;
    }
    now = clock_ns(CLOCK_MONOTONIC);
    if (now >= next_tick) {
      tick_(capture_now_ns());
      next_tick = now + limits_.tick_ns;
    }
    if (n) continue;  // more may be ready at once
    std::int64_t wait_ns = next_tick - now;
    if (limits_.duration_ns) wait_ns = std::min(wait_ns, start + limits_.duration_ns - now);
    // A signal interrupts the wait (EINTR): the loop sees the stop at once.
    poll(&ready, 1, int(std::max<std::int64_t>(0, wait_ns + 999'999) / 1'000'000));
  }
}

}  // namespace imup::verify
