// SPDX-License-Identifier: GPL-2.0-or-later
// A capture read on a second thread. libpcap's reading (two stdio reads per
// frame) and the link/IP/UDP decoding run there; the caller's thread gets the
// datagrams in batches and spends its time on its own checks (and on the
// UDP checksums, to even out the two threads' work), so the two overlap on
// two cores. The caller sees exactly what CaptureReader::for_each
// gives: the same datagrams and frame problems, in capture order, and the
// same errors at the same point.
//
// A streaming input (a pipe on standard input) is not held back for a full
// batch: whatever has been read is handed over before a read that would
// wait, so each datagram reaches the caller when it arrives.
//
// Memory stays constant: a fixed pool of batches circulates between the
// threads (the reader waits when all are full).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "capture/capture_reader.hpp"

namespace imup::capture {

class ReadAhead {
 public:
  // Opens the capture on the calling thread (throws CaptureReadError as
  // CaptureReader does); reading starts with for_each().
  explicit ReadAhead(const std::string& path);
  ~ReadAhead();  // stops the reading thread and waits for it
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  void on_problem(std::function<void(const FrameProblem&)> f) { on_problem_ = std::move(f); }

  // As CaptureReader::for_each: `f(const Datagram&)` on every datagram (the
  // payload valid during the call), problems through on_problem() in their
  // place among them. Throws what the reading threw, after the datagrams
  // read before the fault; whatever `f` throws stops the reading first.
  template <class F>
  void for_each(F&& f) {
    using Fn = std::remove_reference_t<F>;
    consume([](void* fn, const Datagram& d) { (*static_cast<Fn*>(fn))(d); }, &f);
  }

  std::uint64_t frames() const { return frames_; }
  std::uint64_t skipped_frames() const { return skipped_; }
  bool streaming() const { return reader_->streaming(); }

 private:
  struct Batch;
  using Sink = void (*)(void* context, const Datagram& d);
  void consume(Sink sink, void* context);
  void produce();
  Batch* take_free();  // on the reading thread; null when told to stop
  void hand_over(Batch* b);
  void stop_and_join();

  std::unique_ptr<CaptureReader> reader_;
  std::function<void(const FrameProblem&)> on_problem_;
  std::uint64_t frames_ = 0;
  std::uint64_t skipped_ = 0;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::unique_ptr<Batch>> pool_;
  std::vector<Batch*> free_;  // guarded by mutex_
  std::deque<Batch*> full_;   // guarded by mutex_
  bool stop_ = false;         // guarded by mutex_
  std::thread thread_;
};

}  // namespace imup::capture
