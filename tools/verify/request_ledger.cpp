// SPDX-License-Identifier: GPL-2.0-or-later
#include "request_ledger.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "codec/exchange.hpp"
#include "codec/text.hpp"
#include "pair_table.hpp"
#include "timeouts.hpp"

namespace imup::verify {
namespace {

constexpr std::int64_t kAnswerCacheNs = std::chrono::nanoseconds(kAnswerCacheLifetime).count();

// answers() tabulated: per request type and sender (client 0, server 1),
// the answer types that close it, as bits.
constexpr std::array<std::array<std::uint32_t, 256>, 2> kAnswerBits = [] {
  std::array<std::array<std::uint32_t, 256>, 2> bits{};
  for (unsigned from_server = 0; from_server < 2; ++from_server)
    for (unsigned r = 0; r < 256; ++r)
      for (unsigned a = 0; a < 32; ++a)
        if (is_known_type(std::uint8_t(r)) && is_known_type(std::uint8_t(a)) &&
            answers(MessageType(r), MessageType(a), from_server))
          bits[from_server][r] |= std::uint32_t(1) << a;
  return bits;
}();
static_assert(kMaxType < 32, "answer types fit the bit table");

std::string seconds(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", double(ns) / 1e9);
  return buf;
}

// Fingerprint of a datagram's bytes, to tell a resend (same bytes, §14) from
// a changed request or answer.
std::uint64_t fingerprint(std::span<const std::uint8_t> bytes) {
  // Short datagrams (an ACK is 4 bytes) are their own fingerprint: exact, and
  // no hashing on the commonest datagram. Length in the top byte keeps sizes apart.
  // The header's four bytes with one fixed-size load (a memcpy of a variable
  // size is a library call), then the 0..3 bytes after it, above bit 32. A
  // tracker only sees datagrams whose header decoded; shorter ones still
  // take the byte loop, exactly.
  if (bytes.size() < 8) {
    std::uint64_t v = 0;
    std::size_t i = 0;
    if (bytes.size() >= 4) {
      v = load_be32(bytes.data());
      i = 4;
    }
    for (; i < bytes.size(); ++i) v |= std::uint64_t(bytes[i]) << (8 * i);
    return v | std::uint64_t(bytes.size()) << 56 | 1ull << 63;
  }
  // Eight bytes per step, multiply and fold (as wyhash/xxh3 mix), the last
  // word overlapping: a handful of instructions for a typical 20-byte text.
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = bytes.size() * kMul;
  auto mix = [&](std::uint64_t w) {
    __uint128_t p = __uint128_t(h ^ w) * (kMul | 1);
    h = std::uint64_t(p) ^ std::uint64_t(p >> 64);
  };
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    mix(w);
  }
  if (i < bytes.size()) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + bytes.size() - 8, 8);
    mix(w);
  }
  return h & ~(1ull << 63);
}

// The violations' texts, out of line and marked cold: the checks' common
// path stays small enough to inline into the tracker's datagram path.
using Request = RequestLedger::Request;
using Pair = RequestLedger::Pair;
#define IMUP_COLD [[gnu::cold, gnu::noinline]]

IMUP_COLD void retransmit_too_soon(const ViolationSink& sink, const Seen& s, const Request& r,
                                   std::int64_t gap) {
  sink.emit(Code::RetransmitTooSoon, s,
            "sent again " + seconds(gap) + " after the previous try (frame " +
                std::to_string(r.frame) + " was the first)");
}

IMUP_COLD void too_many_tries(const ViolationSink& sink, const Seen& s, const Request& r,
                              unsigned max_tries) {
  sink.emit(Code::TooManyTries, s,
            "try " + std::to_string(r.tries) + " of a request allowed " +
                std::to_string(max_tries));
}

// Same peer, same number, other bytes: not a resend (§14) but a new
// request on a number the receiver still holds an answer for.
IMUP_COLD void seq_reused(const ViolationSink& sink, const Seen& s, const Request& r) {
  const Header& h = s.header;
  sink.emit(Code::SeqReused, s,
            "sequence number " + std::to_string(h.seq) + " still belongs to the " +
                type_label(r.type) + " of frame " + std::to_string(r.frame) + " (" +
                (r.type == h.type ? "same type, other bytes" : "another type") +
                "), within the last " + std::to_string(kAnswerCacheEntries) + " requests");
}

IMUP_COLD void seq_not_increasing(const ViolationSink& sink, const Seen& s, const Pair& p) {
  sink.emit(Code::SeqNotIncreasing, s,
            "new request numbered " + std::to_string(s.header.seq) + " after " +
                std::to_string(p.last_new_seq));
}

IMUP_COLD void seq_gap(const ViolationSink& sink, const Seen& s, const Pair& p) {
  const std::uint16_t seq = s.header.seq;
  sink.emit(Code::SeqGap, s,
            "numbered " + std::to_string(seq) + " after " + std::to_string(p.last_new_seq) +
                ": " + std::to_string(seq_distance(p.last_new_seq, seq) - 1) +
                " number(s) skipped");
}

IMUP_COLD void window_full(const ViolationSink& sink, const Seen& s, const Pair& p) {
  sink.emit(Code::WindowExceeded, s,
            std::to_string(p.outstanding) + " requests already unanswered");
}

// The window is a span of numbers, not only a count (§6.4).
IMUP_COLD void window_span(const ViolationSink& sink, const Seen& s, const Request& oldest) {
  sink.emit(Code::WindowExceeded, s,
            "request " + std::to_string(oldest.seq) + " (frame " + std::to_string(oldest.frame) +
                ") is still unanswered, " + std::to_string(seq_distance(oldest.seq, s.header.seq)) +
                " numbers back (the window spans " + std::to_string(kWindow) + ")");
}

using NumberBits = std::array<std::uint64_t, kSeqModulo / 64>;
void set_number(NumberBits& b, std::uint16_t n) { b[(n & (kSeqModulo - 1)) >> 6] |= std::uint64_t{1} << (n & 63); }
void clear_number(NumberBits& b, std::uint16_t n) {
  b[(n & (kSeqModulo - 1)) >> 6] &= ~(std::uint64_t{1} << (n & 63));
}
// The 32 bits of numbers first .. first + 31 (mod 1024), bit 0 = first.
std::uint32_t numbers_from(const NumberBits& b, std::uint16_t first) {
  const std::size_t w = (first & (kSeqModulo - 1)) >> 6, off = first & 63;
  std::uint64_t lo = b[w] >> off;
  if (off > 32) lo |= b[(w + 1) % b.size()] << (64 - off);
  return std::uint32_t(lo);
}

IMUP_COLD void unexpected_answer(const ViolationSink& sink, const Seen& s, const Request* r) {
  const Header& h = s.header;
  sink.emit(Code::UnexpectedAnswer, s,
            r ? "sequence number " + std::to_string(h.seq) + " is a " + type_label(r->type) +
                    ", which type " + type_label(h.type) + " does not answer"
              : "no request numbered " + std::to_string(h.seq) + " from " +
                    format_endpoint(s.dst) + " to " + format_endpoint(s.src) + " in the last " +
                    std::to_string(kAnswerCacheEntries));
}

// An answer to a request already answered: the cached answer to a resend
// (which must repeat the first byte for byte, §6.3), or a duplicate.
IMUP_COLD void answered_again(const ViolationSink& sink, const Seen& s, Request& r,
                              std::uint64_t hash) {
  if (r.resent_after_answer) {
    if (hash != r.answer_hash)
      sink.emit(Code::CachedAnswerDiffers, s,
                "the answer to the resent request differs from the first answer");
    r.resent_after_answer = false;
  } else {
    sink.emit(Code::DuplicateAnswer, s,
              "request of frame " + std::to_string(r.frame) + " was already answered");
  }
}

#undef IMUP_COLD

}  // namespace

RequestLedger::RequestLedger(LedgerLimits limits, const ViolationSink& sink)
    : pairs_(std::make_unique<PairTable>()), limits_(limits), sink_(sink) {}
RequestLedger::~RequestLedger() = default;

RequestLedger::Pair& RequestLedger::pair(Endpoint from, Endpoint to, std::int64_t now) {
  return pairs_->get(from, to, now);
}

bool RequestLedger::request(const Seen& s, Pair& p, bool starts_session) {
  const std::int64_t now = s.time_ns;
  const Header& h = s.header;
  Request* r = find(p, h.seq);
  if (r && now - r->last_ns > kAnswerCacheNs) r = nullptr;  // long gone from any cache
  if (r && r->session != p.session) r = nullptr;  // a number of a session now over
  const std::uint64_t hash = fingerprint(s.bytes);
  pending_hash_ = hash;
  if (r && r->type == h.type && r->request_hash == hash && !(starts_session && p.session_over)) {
    // The same request again: a retransmission.
    ++r->tries;
    ++stats_.retransmissions;
    std::int64_t gap = now - r->last_ns;
    if (gap < limits_.min_retransmit_ns) retransmit_too_soon(sink_, s, *r, gap);
    if (r->tries > limits_.max_tries) too_many_tries(sink_, s, *r, limits_.max_tries);
    if (r->answered) r->resent_after_answer = true;
    r->last_ns = now;
    return true;
  }
  if (starts_session) {
    // A new session: its numbers may start over (§14), so the old session's
    // requests are no longer this sender's to reuse or resend.
    ++p.session;
    p.session_over = false;
    p.has_last = true;
    p.last_new_seq = h.seq;
    return false;
  }
  // A new request: its number must follow the sender's previous one (a
  // reused number is reported once, as reused).
  if (r) {
    seq_reused(sink_, s, *r);
  } else if (p.has_last) {
    if (!seq_after(h.seq, p.last_new_seq)) {
      seq_not_increasing(sink_, s, p);
    } else {
      if (h.seq != seq_add(p.last_new_seq, 1)) seq_gap(sink_, s, p);
      p.last_new_seq = h.seq;
    }
  } else {
    p.has_last = true;
    p.last_new_seq = h.seq;
  }
  if (p.outstanding >= kWindow) {
    window_full(sink_, s, p);
  } else if (p.outstanding) {
    // An unanswered request 32 to 63 numbers back (the ring holds no older
    // one): this one is past the window. Relayed invitations are not in the
    // bits (they hold no window).
    const std::uint16_t first = std::uint16_t((h.seq + kSeqModulo - 2 * kWindow + 1) & (kSeqModulo - 1));
    if (std::uint32_t late = numbers_from(p.unanswered_numbers, first)) [[unlikely]] {
      const Request* oldest = find(p, std::uint16_t((first + std::countr_zero(late)) & (kSeqModulo - 1)));
      if (oldest && oldest != r) window_span(sink_, s, *oldest);
    }
  }
  return false;
}

RequestLedger::Request& RequestLedger::person_slot(Pair& p, std::int64_t now, std::uint8_t& slot) {
  std::size_t pick = 0;
  for (std::size_t i = 0; i < kPersonSlots; ++i) {
    const Request& r = p.persons[i];
    if (!r.used || r.answered) {
      pick = i;
      break;
    }
    if (r.first_ns < p.persons[pick].first_ns) pick = i;
  }
  Request& old = p.persons[pick];
  if (old.used && !old.answered) {
    report_unanswered(p, old, now, false);
    --p.persons_pending;
  }
  slot = std::uint8_t(kAnswerCacheEntries + pick);
  return old;
}

void RequestLedger::record(const Seen& s, Pair& p) {
  const std::int64_t now = s.time_ns;
  const Header& h = s.header;
  const bool person = s.role == Role::ServerToClient && h.type == std::uint8_t(MessageType::Invitation);
  std::uint8_t slot = 0;
  Request* taken = nullptr;
  if (person) [[unlikely]] {
    taken = &person_slot(p, now, slot);
  } else {
    slot = std::uint8_t(p.next);
    p.next = (p.next + 1) % kAnswerCacheEntries;
    taken = &p.ring[slot];
    if (taken->used && !taken->answered) {
      report_unanswered(p, *taken, now, false);
      --p.outstanding;
      clear_number(p.unanswered_numbers, taken->seq);
    }
  }
  Request& old = *taken;
  if (old.used && p.slot_of_seq[old.seq] == slot) p.slot_of_seq[old.seq] = kNoSlot;
  Request& n = old;
  n = Request{};
  n.used = true;
  n.from_server = s.role == Role::ServerToClient;
  n.malformed = !s.well_formed;
  n.request_hash = pending_hash_;
  n.type = h.type;
  n.low = h.low;
  n.seq = h.seq;
  n.tries = 1;
  n.frame = s.frame;
  n.first_ns = n.last_ns = now;
  n.session = p.session;
  p.slot_of_seq[h.seq & (kSeqModulo - 1)] = slot;
  ++(person ? p.persons_pending : p.outstanding);
  if (!person) set_number(p.unanswered_numbers, h.seq);
  ++stats_.requests;
}

const RequestLedger::Request* RequestLedger::answer(const Seen& s, Pair& p) {
  const Header& h = s.header;
  ++stats_.answers;
  Request* r = find(p, h.seq);
  if (!r || h.type >= 32 || !(kAnswerBits[r->from_server][r->type] >> h.type & 1)) [[unlikely]] {
    unexpected_answer(sink_, s, r);
    return nullptr;
  }
  std::uint64_t hash = fingerprint(s.bytes);
  if (r->answered) [[unlikely]] {
    answered_again(sink_, s, *r, hash);
    return nullptr;
  }
  r->answered = true;
  r->answer_type = h.type;
  r->answer_hash = hash;
  if (is_person(*r)) {
    --p.persons_pending;
  } else {
    --p.outstanding;
    clear_number(p.unanswered_numbers, r->seq);
  }
  stats_.rtt.add(std::uint64_t(std::max<std::int64_t>(0, s.time_ns - r->last_ns)));
  return r;
}

void RequestLedger::report_unanswered(const Pair& p, const Request& r, std::int64_t now,
                                      bool at_end) {
  if (r.malformed) return;  // a receiver is right to drop what it cannot decode
  ++stats_.unanswered;
  // Cut short by the end of the capture: the answer may still have come.
  bool cut_short = at_end && now - r.first_ns < limits_.give_up_ns;
  sink_.emit(cut_short ? Code::UnansweredAtEnd : Code::UnansweredRequest, r.frame, r.first_ns,
             p.from, p.to, r.type, r.seq,
             "type " + type_label(r.type) + " never answered after " + std::to_string(r.tries) +
                 " tr" + (r.tries == 1 ? "y" : "ies") +
                 (at_end ? "; the capture ends " + seconds(now - r.last_ns) + " after the last"
                         : ""));
  // §7: a sender resends until its tries run out. The capture shows it
  // stopped early when it lasts past the latest time of the next try.
  const std::int64_t next_due = timeout_after_try_ns(r.tries);
  if (r.tries < limits_.max_tries && !r.abandoned && now - r.last_ns > next_due)
    sink_.emit(Code::GaveUpEarly, r.frame, r.first_ns, p.from, p.to, r.type, r.seq,
               "sent " + std::to_string(r.tries) + " of " + std::to_string(limits_.max_tries) +
                   " tries, then nothing for " + seconds(now - r.last_ns) + " though try " +
                   std::to_string(r.tries + 1) + " was due within " + seconds(next_due) +
                   " of the last");
}

void RequestLedger::sweep(std::int64_t now, std::int64_t forget_idle_ns) {
  pairs_->clear_lookaside();
  auto& map = pairs_->map;
  for (auto it = map.begin(); it != map.end();) {
    Pair& p = it->second;
    if (p.outstanding || p.persons_pending) {
      for_each_request(p, [&](Request& r) {
        if (r.used && !r.answered && now - r.first_ns > limits_.give_up_ns) {
          report_unanswered(p, r, now, false);
          r.answered = true;  // reported once
          if (is_person(r)) {
            --p.persons_pending;
          } else {
            --p.outstanding;
            clear_number(p.unanswered_numbers, r.seq);
          }
        }
      });
    }
    if (p.outstanding == 0 && p.persons_pending == 0 && now - p.last_active_ns > forget_idle_ns) it = map.erase(it);
    else ++it;
  }
  for (auto& [key, p] : map) p.client = nullptr;  // some may be gone: look up again
}

void RequestLedger::finish(std::int64_t end_ns) {
  // Report in frame order, so the output reads like the capture.
  std::vector<std::pair<const Pair*, const Request*>> left;
  for (const auto& entry : pairs_->map) {
    const Pair& p = entry.second;  // a name the lambda may capture (clang 14)
    for_each_request(p, [&](const Request& r) {
      if (r.used && !r.answered) left.emplace_back(&p, &r);
    });
  }
  std::sort(left.begin(), left.end(),
            [](const auto& a, const auto& b) { return a.second->frame < b.second->frame; });
  for (const auto& [p, r] : left) report_unanswered(*p, *r, end_ns, true);
  pairs_->map.clear();
  pairs_->clear_lookaside();
}

}  // namespace imup::verify
