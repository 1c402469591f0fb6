// SPDX-License-Identifier: GPL-2.0-or-later
// A live capture as the Verifier reads it (imup-verify --interface): the
// capture reader's frames as they arrive, until a stop (a signal, --duration,
// --count), with a tick every so often that reads the capture clock when no
// frame comes, so that the verdicts timers give (an unanswered request, a
// sender that stopped early) come as their time passes, not only at the end.
//
// The capture clock is the frames' own timestamps; between frames it runs on
// from the last one by the monotonic clock, and before the first it is the
// system's real-time clock (which the kernel stamps frames with).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>

#include "capture/capture_reader.hpp"

namespace imup::verify {

struct LiveLimits {
  std::int64_t duration_ns = 0;        // 0: until stopped
  std::uint64_t count = 0;             // frames; 0: no limit
  std::int64_t tick_ns = 100'000'000;  // how often the clock is read when idle
};

class LiveSource {
 public:
  // `tick(capture_now_ns)`: every limits.tick_ns at most, between frames.
  // `stop_requested()`: checked between reads (a signal handler sets it; a
  // signal interrupts the wait).
  LiveSource(capture::CaptureReader& reader, LiveLimits limits,
             std::function<void(std::int64_t)> tick, std::function<bool()> stop_requested)
      : reader_(reader), limits_(limits), tick_(std::move(tick)), stop_(std::move(stop_requested)) {}

  void on_problem(std::function<void(const packet::FrameProblem&)> f) { reader_.on_problem(std::move(f)); }
  // Every datagram until a stop, through `f(const Datagram&)`. Throws what
  // the reader throws.
  template <class F>
  void for_each(F&& f) {
    using Fn = std::remove_reference_t<F>;
    consume([](void* fn, const packet::Datagram& d) { (*static_cast<Fn*>(fn))(d); }, &f);
  }
  bool streaming() const { return true; }
  std::uint64_t frames() const { return reader_.frames(); }
  std::int64_t capture_now_ns() const;
  // Why for_each() returned: "signal", "duration", "count".
  const std::string& stopped_by() const { return stopped_by_; }

 private:
  using Sink = void (*)(void* context, const packet::Datagram& d);
  void consume(Sink sink, void* context);

  capture::CaptureReader& reader_;
  LiveLimits limits_;
  std::function<void(std::int64_t)> tick_;
  std::function<bool()> stop_;
  bool seen_frame_ = false;
  std::int64_t last_frame_ns_ = 0;      // capture clock
  std::int64_t last_frame_mono_ns_ = 0;  // monotonic clock when it was read
  std::string stopped_by_;
};

}  // namespace imup::verify
