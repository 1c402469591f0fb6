// SPDX-License-Identifier: GPL-2.0-or-later
#include "capture/read_ahead.hpp"

#include <cstring>

namespace imup::capture {
namespace {

// Most datagrams are a few bytes (an ACK is 4, 12 with its UDP header):
// those are copied by fixed-size, possibly overlapping moves instead of a
// call to memcpy. `n` >= 8.
inline void copy(std::uint8_t* to, const std::uint8_t* from, std::size_t n) {
  if (n <= 16) {
    std::uint64_t a, b;
    std::memcpy(&a, from, 8);
    std::memcpy(&b, from + n - 8, 8);
    std::memcpy(to, &a, 8);
    std::memcpy(to + n - 8, &b, 8);
  } else if (n <= 32) {
    std::uint64_t a[2], b[2];
    std::memcpy(a, from, 16);
    std::memcpy(b, from + n - 16, 16);
    std::memcpy(to, a, 16);
    std::memcpy(to + n - 16, b, 16);
  } else {
    std::memcpy(to, from, n);
  }
}

}  // namespace

// Datagrams with their payloads copied into one block, and the frame
// problems met among them. The reading thread fills a batch, the caller's
// thread empties it and gives it back.
struct ReadAhead::Batch {
  // Bigger than any datagram (65,535 bytes at most, reassembled), and large
  // enough that handing a batch over (a lock, perhaps a wake-up) is rare.
  static constexpr std::size_t kBytes = 256 * 1024;
  static constexpr std::size_t kDatagrams = 2048;
  struct Problem {
    std::size_t before;  // comes before datagrams[before]
    FrameProblem problem;
  };

  std::unique_ptr<std::uint8_t[]> bytes = std::make_unique_for_overwrite<std::uint8_t[]>(kBytes);
  std::size_t used = 0;
  std::vector<Datagram> datagrams;
  std::vector<Problem> problems;
  // On the last batch of the capture:
  bool last = false;
  std::exception_ptr error;  // what stopped the reading, if not the end
  std::uint64_t frames = 0;
  std::uint64_t skipped = 0;

  Batch() { datagrams.reserve(kDatagrams); }
  bool fits(std::size_t payload) const {
    return datagrams.size() < kDatagrams && used + 8 + payload <= kBytes;
  }
  // The payload with its UDP header before it, as the reader gives it.
  void add(const Datagram& d) {
    std::uint8_t* at = bytes.get() + used;
    copy(at, d.payload.data() - 8, d.payload.size() + 8);
    used += d.payload.size() + 8;
    datagrams.push_back(d);
    datagrams.back().payload = std::span<const std::uint8_t>(at + 8, d.payload.size());
  }
  void clear() {
    used = 0;
    datagrams.clear();
    problems.clear();
    last = false;
    error = nullptr;
  }
};

namespace {
constexpr std::size_t kBatchesInFlight = 4;
struct Stopped {};  // the caller gave up: leave libpcap's loop
}  // namespace

ReadAhead::ReadAhead(const std::string& path) : reader_(std::make_unique<CaptureReader>(path)) {
  // The reading thread has the more work (libpcap's reads are most of it):
  // the UDP checksums are summed on the caller's thread instead.
  reader_->defer_udp_checksums(true);
  for (std::size_t i = 0; i < kBatchesInFlight; ++i) {
    pool_.push_back(std::make_unique<Batch>());
    free_.push_back(pool_.back().get());
  }
}

ReadAhead::~ReadAhead() { stop_and_join(); }

void ReadAhead::stop_and_join() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ReadAhead::Batch* ReadAhead::take_free() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stop_ || !free_.empty(); });
  if (stop_) return nullptr;
  Batch* b = free_.back();
  free_.pop_back();
  return b;
}

void ReadAhead::hand_over(Batch* b) {
  {
    std::lock_guard lock(mutex_);
    full_.push_back(b);
  }
  changed_.notify_all();
}

// The reading thread.
void ReadAhead::produce() {
  Batch* b = take_free();
  if (!b) return;
  // A streaming input (a pipe) may pause for as long as it likes: what has
  // been read goes to the checking thread before a read that would wait,
  // however little of the batch it fills.
  const bool streaming = reader_->streaming();
  auto next_batch = [&] {
    hand_over(b);
    b = take_free();
    if (!b) throw Stopped{};
  };
  auto before_waiting = [&] {
    if (streaming && !reader_->input_ready()) [[unlikely]] next_batch();
  };
  reader_->on_problem([&](const FrameProblem& p) {
    b->problems.push_back({b->datagrams.size(), p});
    before_waiting();
  });
  try {
    reader_->for_each([&](const Datagram& d) {
      if (!b->fits(d.payload.size())) [[unlikely]] next_batch();
      b->add(d);
      before_waiting();
    });
  } catch (const Stopped&) {
    return;
  } catch (...) {
    b->error = std::current_exception();
  }
  b->last = true;
  b->frames = reader_->frames();
  b->skipped = reader_->skipped_frames();
  hand_over(b);
}

void ReadAhead::consume(Sink sink, void* context) {
  thread_ = std::thread([this] { produce(); });
  for (;;) {
    Batch* b = nullptr;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !full_.empty(); });
      b = full_.front();
      full_.pop_front();
    }
    try {
      std::size_t next_problem = 0;
      auto problems_before = [&](std::size_t i) {
        for (; next_problem < b->problems.size() && b->problems[next_problem].before <= i; ++next_problem)
          if (on_problem_) on_problem_(b->problems[next_problem].problem);
      };
      for (std::size_t i = 0; i < b->datagrams.size(); ++i) {
        if (next_problem < b->problems.size()) [[unlikely]] problems_before(i);
        Datagram& d = b->datagrams[i];
        packet::finish_udp_checksum(d);
        sink(context, d);
      }
      problems_before(b->datagrams.size());
    } catch (...) {
      stop_and_join();
      throw;
    }
    const bool last = b->last;
    const std::exception_ptr error = b->error;
    if (last) {
      frames_ = b->frames;
      skipped_ = b->skipped;
    }
    b->clear();
    {
      std::lock_guard lock(mutex_);
      free_.push_back(b);
    }
    changed_.notify_all();
    if (last) {
      thread_.join();
      if (error) std::rethrow_exception(error);
      return;
    }
  }
}

}  // namespace imup::capture
