// SPDX-License-Identifier: GPL-2.0-or-later
// The sending half of one peer relationship (§6.1, §6.4, §7): a counter of
// request numbers, a bounded window of unanswered requests, the requests
// waiting for room, and the retransmission schedule. The owner keeps the
// timers (a heap) and the socket; this class decides what to send and when.
#pragma once

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <vector>

#include "codec/wire.hpp"
#include "engine/config.hpp"
#include "engine/io_contract.hpp"
#include "engine/rng.hpp"

namespace imup::engine {

// Encoded request bytes, shared by every copy of a broadcast; the sequence
// number is patched in when the request is numbered.
using SharedBytes = std::shared_ptr<const std::vector<std::uint8_t>>;

struct OutstandingRequest {
  std::uint16_t seq = 0;
  MessageType type = MessageType::Ack;
  SharedBytes bytes;
  std::uint64_t tag = 0;  // the owner's context (command id, group id, ...)
  unsigned tries = 0;     // sendings so far
  unsigned max_tries = 0;  // sendings before giving up; 0: ReliabilityConfig::tries
  Millis timeout{0};      // wait after the latest sending
  Time deadline{};
  Time first_sent{};
  // Its answer is a person's decision, not the transport's (a relayed
  // invitation, §6.4): it does not hold the window.
  bool awaits_person = false;
};

// Copies `bytes` with the header's sequence number set to `seq`.
std::vector<std::uint8_t> with_seq(const std::vector<std::uint8_t>& bytes, std::uint16_t seq);

class RequestChannel {
 public:
  explicit RequestChannel(std::uint16_t first_seq = 0) : next_seq_(first_seq) {}

  // Queues a request. False when `max_waiting` requests already wait.
  // `max_tries` (0: the config's tries) bounds this request's sendings;
  // `awaits_person`: its answer waits for a person (OutstandingRequest).
  bool submit(MessageType type, SharedBytes bytes, std::uint64_t tag, std::size_t max_waiting,
              unsigned max_tries = 0, bool awaits_person = false);

  // Moves waiting requests into the window while there is room; for each,
  // calls send(const OutstandingRequest&) once (its first sending), after
  // which the owner arms a timer for request.deadline.
  template <typename Send>
  void pump(const ReliabilityConfig& cfg, Rng& rng, Time now, Send&& send) {
    while (!waiting_.empty() && window_span() < cfg.window && !person_span_full(cfg)) {
      Waiting w = std::move(waiting_.front());
      waiting_.pop_front();
      OutstandingRequest r;
      r.seq = next_seq_;
      next_seq_ = std::uint16_t((next_seq_ + 1) & (kSeqModulo - 1));
      r.type = w.type;
      r.bytes = std::move(w.bytes);
      r.tag = w.tag;
      r.awaits_person = w.awaits_person;
      r.tries = 1;
      r.max_tries = w.max_tries;
      r.timeout = Millis(rng.between(cfg.first_timeout_min.count(), cfg.first_timeout_max.count()));
      r.deadline = now + r.timeout;
      r.first_sent = now;
      window_.push_back(std::move(r));
      send(window_.back());
    }
  }

  // An answer arrived: removes and returns the outstanding request it closes.
  // `requests_from_server` is true on the server (its own requests).
  std::optional<OutstandingRequest> take_answer(std::uint16_t seq, MessageType answer,
                                                bool requests_from_server);

  // Whether an answer of this type and number would close an outstanding
  // request (take_answer would find one), without removing it.
  bool awaits_answer(std::uint16_t seq, MessageType answer, bool requests_from_server) const;

  enum class TimerVerdict { Stale, Resend, GiveUp };
  // A timer armed for (seq, deadline) fired. Resend: `request` points at the
  // request with its new deadline (arm it again). GiveUp: the request is
  // removed and returned in `given_up`.
  TimerVerdict on_timer(std::uint16_t seq, Time deadline, Time now, const ReliabilityConfig& cfg,
                        OutstandingRequest*& request, OutstandingRequest& given_up);

  // A request awaiting a person that the numbering has left kPersonSpan(cfg)
  // numbers behind, removed so that its owner gives it up (as a refusal);
  // the owner calls this before pump() until it returns nothing.
  std::optional<OutstandingRequest> take_left_behind(const ReliabilityConfig& cfg);

  // Everything unanswered or waiting, removed (for failure reports).
  std::vector<OutstandingRequest> drain();

  // Whether a request of one of these types is unanswered or waiting.
  bool has_pending(std::initializer_list<MessageType> types) const;

  std::size_t in_flight() const { return window_.size(); }
  // When the oldest unanswered request that waits for the transport (not for
  // a person) was first sent; nullopt when there is none.
  std::optional<Time> oldest_first_sent() const {
    for (const auto& r : window_)
      if (!r.awaits_person) return r.first_sent;
    return std::nullopt;
  }
  std::size_t waiting() const { return waiting_.size(); }
  std::uint16_t next_seq() const { return next_seq_; }
  std::size_t memory_bytes() const;

 private:
  struct Waiting {
    MessageType type;
    SharedBytes bytes;
    std::uint64_t tag;
    unsigned max_tries;
    bool awaits_person;
  };
  // How far behind the next number a request awaiting a person may fall:
  // half the sequence space less a window, so that serial order (§6.2) still
  // tells it from every newer request.
  static std::size_t person_span(const ReliabilityConfig& cfg) {
    return kSeqModulo / 2 - cfg.window;
  }
  std::size_t distance(std::uint16_t seq) const {
    return std::size_t((next_seq_ - seq) & (kSeqModulo - 1));
  }
  // A request awaiting a person would fall too far behind the next number.
  bool person_span_full(const ReliabilityConfig& cfg) const;
  // Numbers from the oldest unanswered request to the next one to send (§6.4):
  // bounding the span, not just the count, keeps every outstanding request
  // within the peer's answer cache however the others were answered. A
  // request awaiting a person does not count: no decision holds the window.
  std::size_t window_span() const {
    for (const auto& r : window_)
      if (!r.awaits_person) return distance(r.seq);
    return 0;
  }
  std::uint16_t next_seq_;
  std::deque<OutstandingRequest> window_;  // in sending order
  std::deque<Waiting> waiting_;
};

}  // namespace imup::engine
