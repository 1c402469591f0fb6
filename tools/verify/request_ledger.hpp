// SPDX-License-Identifier: GPL-2.0-or-later
// The request/answer ledger of imup-verify (docs/PROTOCOL.md §6, §7): per
// pair of endpoints, the sender's last requests in a ring as large as the
// answer cache, and the checks that need only those: numbering across the
// wrap, the window, retransmission timing and tries, each request answered
// once by a matching answer, a resent request's answer byte for byte the
// first one, requests never answered. It knows nothing of sessions or groups
// (session_model.hpp); the exchange tracker composes the two.
//
// State is bounded: kAnswerCacheEntries requests per pair, and idle pairs
// are forgotten by sweep().
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>

#include "codec/codec.hpp"
#include "codec/limits.hpp"
#include "rtt_histogram.hpp"
#include "seen.hpp"
#include "violation.hpp"

namespace imup::verify {

struct ClientSession;  // session_model.hpp

struct TrackerStats {
  std::uint64_t requests = 0;
  std::uint64_t answers = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t unanswered = 0;
  RttHistogram rtt;
};

struct LedgerLimits {
  unsigned max_tries = kTries;
  std::int64_t min_retransmit_ns = 0;
  std::int64_t give_up_ns = 0;  // a request unanswered this long after its first try is reported
};

class RequestLedger {
 public:
  struct Request {
    bool used = false;
    bool answered = false;
    bool resent_after_answer = false;
    bool from_server = false;
    bool malformed = false;  // its text did not decode: a receiver may drop it
    bool abandoned = false;  // its session ended: its sender rightly stopped resending it
    std::uint8_t type = 0;
    std::uint8_t low = 0;
    std::uint16_t seq = 0;
    std::uint8_t tries = 0;
    std::uint8_t answer_type = 0;
    std::uint64_t frame = 0;
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
    std::uint64_t answer_hash = 0;
    std::uint64_t request_hash = 0;  // its bytes: a resend repeats them (§14)
    std::uint32_t session = 0;       // the Pair's session it was sent in
  };
  static constexpr std::uint8_t kNoSlot = 0xFF;
  // Relayed invitations (19 from the server) are answered by a person and do
  // not hold the window (§6.4): they are kept beside the ring, not counted as
  // outstanding, and may fall behind the numbering further than the ring
  // reaches. An invitee has at most one it has not answered (it refuses the
  // others at once), so a few slots do.
  static constexpr std::size_t kPersonSlots = 4;
  struct Pair {  // requests sent by `from` to `to`
    Endpoint from, to;
    std::array<Request, kAnswerCacheEntries> ring{};
    std::array<Request, kPersonSlots> persons{};  // relayed invitations
    // kNoSlot, an index into ring, or kAnswerCacheEntries + an index into persons
    std::array<std::uint8_t, kSeqModulo> slot_of_seq;
    std::size_t next = 0;
    std::size_t outstanding = 0;       // in the ring
    // Bit n set: the ring holds an unanswered request numbered n (the window
    // check looks for one 32 to 63 numbers back in two word reads).
    std::array<std::uint64_t, kSeqModulo / 64> unanswered_numbers{};
    std::size_t persons_pending = 0;   // unanswered relayed invitations
    bool has_last = false;
    std::uint16_t last_new_seq = 0;
    // Bumped by each new Connexion on a client's pair (§14): the client may
    // number the new session afresh, so the old session's numbers are no
    // longer its own to reuse or resend.
    std::uint32_t session = 0;
    // The session ended (an accepted Deconnexion): a Connexion with the old
    // one's number and bytes is then a new session, not a resend, as the
    // server takes it (a replay of the same script does exactly this).
    bool session_over = false;
    std::int64_t last_active_ns = 0;
    // The client end's session, for a pair with the server (the client is
    // the same for every datagram of a pair), kept here by the tracker once
    // looked up. Null when unknown or forgotten (sweep() forgets it).
    ClientSession* client = nullptr;
  };

  RequestLedger(LedgerLimits limits, const ViolationSink& sink);
  ~RequestLedger();

  // The pair of requests sent by `from` to `to`, made on first use.
  Pair& pair(Endpoint from, Endpoint to, std::int64_t now);

  // A request `s` from p.from to p.to. True when it is a retransmission
  // (checked, counted, nothing more to do); otherwise its numbering and the
  // window are checked and the caller, after its own checks, calls record().
  // `starts_session`: a client's Connexion, which begins a new session at its
  // endpoint (§14) whose numbering may start anywhere: not checked against
  // the old session's numbers, and the base the next requests follow.
  bool request(const Seen& s, Pair& p, bool starts_session = false);
  // The sender of `p` begins a new numbering (the server, for a client's
  // new session: §14 numbers it half the sequence space away): its next new
  // request is the base the later ones follow. Its old requests still match
  // their resends and answers.
  static void numbering_restarts(Pair& p) { p.has_last = false; }
  // The session between the pair's ends is over (an accepted Deconnexion,
  // a new Connexion): its sender no longer owes its open requests more tries.
  static void session_ended(Pair& p) {
    for_each_request(p, [](Request& r) {
      if (r.used && !r.answered) r.abandoned = true;
    });
    p.unanswered_numbers.fill(0);  // abandoned requests hold no window
  }
  // A relayed invitation: kept in Pair::persons (kPersonSlots).
  static bool is_person(const Request& r) {
    return r.from_server && r.type == std::uint8_t(MessageType::Invitation);
  }
  // Every request slot of `p`: the ring's, then the relayed invitations'.
  template <class P, class F>
  static void for_each_request(P& p, F&& f) {
    for (auto& r : p.ring) f(r);
    for (auto& r : p.persons) f(r);
  }
  // The client of `p` (its requests to the server) was disconnected.
  static void disconnected(Pair& p) {
    session_ended(p);
    p.session_over = true;
  }
  // Into the ring, in place of the oldest request (reported if unanswered).
  void record(const Seen& s, Pair& p);
  // An answer `s` to p.from's request: the request it closes for the first
  // time, or null (no such request, a wrong type, or a repeat; reported).
  const Request* answer(const Seen& s, Pair& p);

  // Reports requests past their tries, forgets idle pairs, and the
  // pairs' client pointers (the session model may forget clients).
  void sweep(std::int64_t now, std::int64_t forget_idle_ns);
  // Reports what is still unanswered, in frame order, and forgets everything.
  void finish(std::int64_t end_ns);

  const TrackerStats& stats() const { return stats_; }

 private:
  Request* find(Pair& p, std::uint16_t seq) {
    auto slot = p.slot_of_seq[seq & (kSeqModulo - 1)];
    if (slot == kNoSlot) return nullptr;
    return slot < kAnswerCacheEntries ? &p.ring[slot] : &p.persons[slot - kAnswerCacheEntries];
  }
  // The slot a new relayed invitation takes: a free one, else the oldest
  // (reported if still unanswered).
  Request& person_slot(Pair& p, std::int64_t now, std::uint8_t& slot);
  void report_unanswered(const Pair& p, const Request& r, std::int64_t now, bool at_end);

  struct PairTable;  // pair_table.hpp: the pairs, and a lookaside table in front
  std::unique_ptr<PairTable> pairs_;
  LedgerLimits limits_;
  const ViolationSink& sink_;
  // The request being made, between request() and record().
  std::uint64_t pending_hash_ = 0;
  TrackerStats stats_;
};

}  // namespace imup::verify
