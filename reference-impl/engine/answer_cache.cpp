// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/answer_cache.hpp"

#include "codec/exchange.hpp"

namespace imup::engine {

std::uint64_t datagram_hash(std::span<const std::uint8_t> bytes) {
  // FNV-1a: a resent request is byte-identical, anything else differs.
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (auto b : bytes) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  return h;
}

AnswerCache::Entry* AnswerCache::find(std::uint16_t seq) {
  for (auto& e : entries_)
    if (e.seq == seq) return &e;
  return nullptr;
}

AnswerCache::Lookup AnswerCache::classify(std::uint16_t seq, std::uint64_t hash, Time now,
                                          const ReliabilityConfig& cfg) {
  Entry* e = find(seq);
  if (!e) known_absent_ = seq;
  if (e && now - e->at <= cfg.answer_cache_lifetime && e->hash == hash) {
    // A request of the previous session still waiting for a decision can no
    // longer be answered there: the same bytes now are a new request.
    if (e->awaiting) {
      if (e->session == session_) return {Verdict::AwaitingDecision, nullptr};
    } else {
      return {Verdict::Duplicate, &e->answer};
    }
  }
  // Not in the cache. A number well behind the newest one seen belongs to a
  // request whose answer has left the cache: acting on it now could act
  // twice. One far ahead (a quarter of the space or more, when a sender
  // never has more than its window unanswered) belongs to another
  // numbering, such as the session this peer just replaced.
  if (!newest_ && previous_newest_ && now - session_began_ < cfg.answer_cache_lifetime) {
    const std::size_t d = std::size_t((seq - *previous_newest_) & (kSeqModulo - 1));
    if (d < kSeqModulo / 4 || d > kSeqModulo - kSeqModulo / 4) return {Verdict::Stale, nullptr};
  }
  if (newest_ && !(e && e->hash == hash)) {
    if (seq_after(seq, *newest_)) {
      if (seq_distance(*newest_, seq) >= kSeqModulo / 4) return {Verdict::Stale, nullptr};
    } else if (seq_distance(seq, *newest_) >= cfg.answer_cache) {
      return {Verdict::Stale, nullptr};
    }
  }
  return {Verdict::New, nullptr};
}

AnswerCache::Entry& AnswerCache::slot_for(std::uint16_t seq, const ReliabilityConfig& cfg) {
  note_seen(seq);
  bool absent = known_absent_ == seq;
  known_absent_ = kNone;
  if (Entry* e = absent ? nullptr : find(seq)) return *e;
  if (entries_.size() < cfg.answer_cache) {
    entries_.emplace_back();
    return entries_.back();
  }
  // Full: reuse an entry whose number is now stale (cfg.answer_cache or more behind the
  // newest, which note_seen() has just set): the ring's next slot, the one
  // stored longest ago, is such an entry while requests arrive in order.
  // When they did not, the entry furthest behind the newest number goes, so
  // a number classify() would take for a new request keeps its answer.
  // Numbers ahead of the newest (another numbering) and forgotten entries
  // count as furthest.
  auto age = [&](const Entry& e) {
    return e.seq >= kSeqModulo ? unsigned(kSeqModulo)
                               : unsigned((*newest_ - e.seq) & (kSeqModulo - 1));
  };
  if (next_ >= entries_.size()) next_ = 0;
  Entry* oldest = &entries_[next_++];
  unsigned oldest_age = age(*oldest);
  if (oldest_age >= cfg.answer_cache) return *oldest;
  for (auto& e : entries_) {
    unsigned a = age(e);
    if (a > oldest_age) {
      oldest_age = a;
      oldest = &e;
    }
  }
  return *oldest;
}

void AnswerCache::note_seen(std::uint16_t seq) {
  if (!newest_ || (seq_after(seq, *newest_) && seq_distance(*newest_, seq) < kSeqModulo / 4))
    newest_ = seq;
}

void AnswerCache::store(std::uint16_t seq, std::uint64_t hash,
                        std::span<const std::uint8_t> answer, Time now,
                        const ReliabilityConfig& cfg) {
  Entry& e = slot_for(seq, cfg);
  e.seq = seq;
  e.hash = hash;
  e.awaiting = false;
  e.at = now;
  e.answer.assign(answer.begin(), answer.end());
  e.session = session_;
}

void AnswerCache::mark_awaiting(std::uint16_t seq, std::uint64_t hash, Time now,
                                const ReliabilityConfig& cfg) {
  Entry& e = slot_for(seq, cfg);
  e.seq = seq;
  e.hash = hash;
  e.awaiting = true;
  e.at = now;
  e.answer.clear();
  e.session = session_;
}

void AnswerCache::new_session(Time now, bool keep_answers) {
  previous_newest_ = newest_;
  session_began_ = now;
  newest_.reset();
  known_absent_ = kNone;
  if (!keep_answers) {
    entries_.clear();
    next_ = 0;
    ++session_;
    return;
  }
  ++session_;
  // Only the session just ended may still resend; older answers could only
  // be mistaken for new requests numbered like them.
  for (auto& e : entries_)
    if (e.session + 1 < session_) {
      e.hash = 0;
      e.seq = 0xFFFF;  // matches no 10-bit number
      e.answer.clear();
    }
}

std::size_t AnswerCache::memory_bytes() const {
  std::size_t n = sizeof(*this) + entries_.capacity() * sizeof(Entry);
  for (const auto& e : entries_) n += e.answer.capacity();
  return n;
}

}  // namespace imup::engine
