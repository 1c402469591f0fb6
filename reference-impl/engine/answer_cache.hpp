// SPDX-License-Identifier: GPL-2.0-or-later
// The receiving half of one peer relationship (§6.3): the answers sent to the
// peer's last requests, so that a duplicate is answered again byte for byte
// and never acted on twice. A request counts as a duplicate only if its bytes
// are those of the cached request too (a hash): a peer that restarted its
// counter is then not mistaken for one resending.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/config.hpp"
#include "engine/io_contract.hpp"

namespace imup::engine {

std::uint64_t datagram_hash(std::span<const std::uint8_t> bytes);

class AnswerCache {
 public:
  enum class Verdict {
    New,               // act on it, then store() the answer
    Duplicate,         // send answer() again
    AwaitingDecision,  // seen, its answer is not decided yet (an invitation): ignore
    Stale,             // older than the cache can tell apart: drop
  };
  struct Lookup {
    Verdict verdict = Verdict::New;
    const std::vector<std::uint8_t>* answer = nullptr;  // for Duplicate
  };
  Lookup classify(std::uint16_t seq, std::uint64_t hash, Time now, const ReliabilityConfig& cfg);

  // Records the answer sent to request (seq, hash). The bytes are copied into
  // the entry's buffer, which a full ring reuses: no allocation once warm.
  void store(std::uint16_t seq, std::uint64_t hash, std::span<const std::uint8_t> answer, Time now,
             const ReliabilityConfig& cfg);
  // Records a request whose answer comes later (fill it with store()).
  void mark_awaiting(std::uint16_t seq, std::uint64_t hash, Time now, const ReliabilityConfig& cfg);

  // The peer starts numbering afresh (a new session): keep the answers of
  // the session just ended for its late resends, forget older ones, and
  // judge no new number stale by the old numbering.
  // `now`: when the new session began (a late request of the old one is
  // told apart for an answer-cache lifetime, below). `keep_answers` false:
  // after a clean end, no answer of the old session is kept either.
  void new_session(Time now = Time{}, bool keep_answers = true);

  std::size_t memory_bytes() const;

 private:
  struct Entry {
    std::uint16_t seq = 0;
    bool awaiting = false;
    std::uint64_t hash = 0;
    Time at{};
    std::vector<std::uint8_t> answer;
    std::uint32_t session = 0;
  };
  Entry* find(std::uint16_t seq);
  Entry& slot_for(std::uint16_t seq, const ReliabilityConfig& cfg);
  void note_seen(std::uint16_t seq);

  // At most cfg.answer_cache entries, reused as a ring while the slot it
  // offers holds a stale number; otherwise (requests arrived out of order)
  // the entry furthest behind the newest number is reused, since a number
  // within cfg.answer_cache of the newest must keep its answer: classify()
  // would take it for a new request.
  std::vector<Entry> entries_;
  std::uint16_t next_ = 0;  // the ring's next slot (cfg.answer_cache <= 256)
  // A number classify() found in no entry (kNone: none), so that store() for
  // the same request skips a second scan of the entries. Only slot_for() adds
  // numbers, and it clears this.
  static constexpr std::uint16_t kNone = 0xFFFF;  // matches no 10-bit number
  std::uint16_t known_absent_ = kNone;
  std::optional<std::uint16_t> newest_;  // the newest request number seen (serial order)
  // The old session's newest number, and when the new session began: until
  // the new one's first request, a request numbered within a quarter of the
  // space of it is a late one of the old session (the server numbers a new
  // session half the space away for an answer-cache lifetime, §14), and
  // acting on it would make the new numbering look stale.
  std::optional<std::uint16_t> previous_newest_;
  Time session_began_{};
  std::uint32_t session_ = 0;
};

}  // namespace imup::engine
