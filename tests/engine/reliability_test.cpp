// SPDX-License-Identifier: GPL-2.0-or-later
// The reliability pieces alone: the request window and the answer cache.
#include "catch.hpp"

#include "engine/answer_cache.hpp"
#include "engine/request_channel.hpp"
#include "engine_harness.hpp"

using namespace imup;
using namespace imup::engine;
using imup::test::at_ms;

namespace {
SharedBytes ack_bytes() { return std::make_shared<const std::vector<std::uint8_t>>(imup::test::enc(0, LivenessProbe{})); }
}  // namespace

TEST_CASE("the window spans the numbers from the oldest unanswered request (6.4)") {
  ReliabilityConfig cfg;
  cfg.window = 3;
  Rng rng(1);
  RequestChannel ch;
  for (int i = 0; i < 6; ++i) REQUIRE(ch.submit(MessageType::LivenessProbe, ack_bytes(), i, 100));
  std::vector<std::uint16_t> sent;
  auto record = [&](const OutstandingRequest& r) { sent.push_back(r.seq); };
  ch.pump(cfg, rng, at_ms(0), record);
  CHECK(sent == std::vector<std::uint16_t>{0, 1, 2});
  CHECK(ch.waiting() == 3);
  // Answering a later request opens no room while the oldest (0) is unanswered:
  // otherwise 0 could end up more than the answer cache's 64 behind the newest.
  REQUIRE(ch.take_answer(1, MessageType::Ack, true));
  ch.pump(cfg, rng, at_ms(10), record);
  CHECK(sent.size() == 3);
  CHECK(ch.in_flight() == 2);
  // Answering the oldest slides the window past every answered number.
  REQUIRE(ch.take_answer(0, MessageType::Ack, true));
  ch.pump(cfg, rng, at_ms(20), record);
  CHECK(sent == std::vector<std::uint16_t>{0, 1, 2, 3, 4});
  CHECK(ch.in_flight() == 3);
  // An answer of the wrong type closes nothing.
  CHECK_FALSE(ch.take_answer(2, MessageType::UserList, true));
}

TEST_CASE("retransmissions wait 2-3 s, then double, and stop after the tries") {
  ReliabilityConfig cfg;
  cfg.tries = 3;
  Rng rng(42);
  RequestChannel ch;
  ch.submit(MessageType::LivenessProbe, ack_bytes(), 7, 100);
  OutstandingRequest first;
  ch.pump(cfg, rng, at_ms(0), [&](const OutstandingRequest& r) { first = r; });
  CHECK(first.timeout >= Millis(2000));
  CHECK(first.timeout <= Millis(3000));
  OutstandingRequest* again = nullptr;
  OutstandingRequest gone;
  // A timer that is not the request's current deadline is stale.
  CHECK(ch.on_timer(0, first.deadline - Millis(1), first.deadline, cfg, again, gone) ==
        RequestChannel::TimerVerdict::Stale);
  REQUIRE(ch.on_timer(0, first.deadline, first.deadline, cfg, again, gone) ==
          RequestChannel::TimerVerdict::Resend);
  CHECK(again->timeout == 2 * first.timeout);
  Time second = again->deadline;
  REQUIRE(ch.on_timer(0, second, second, cfg, again, gone) == RequestChannel::TimerVerdict::Resend);
  CHECK(again->timeout == 4 * first.timeout);
  REQUIRE(ch.on_timer(0, again->deadline, again->deadline, cfg, again, gone) ==
          RequestChannel::TimerVerdict::GiveUp);
  CHECK(gone.tag == 7);
  CHECK(gone.tries == 3);
  CHECK(ch.in_flight() == 0);
}

TEST_CASE("sequence numbers wrap at 1024 and are patched into shared bytes") {
  ReliabilityConfig cfg;
  Rng rng(1);
  RequestChannel ch(1023);
  auto bytes = ack_bytes();
  ch.submit(MessageType::LivenessProbe, bytes, 0, 10);
  ch.submit(MessageType::LivenessProbe, bytes, 0, 10);
  std::vector<std::uint16_t> seqs;
  ch.pump(cfg, rng, at_ms(0), [&](const OutstandingRequest& r) {
    seqs.push_back(imup::test::dec(with_seq(*r.bytes, r.seq)).seq);
  });
  CHECK(seqs == std::vector<std::uint16_t>{1023, 0});
  CHECK(imup::test::dec(*bytes).seq == 0);  // the shared copy is untouched
}

TEST_CASE("a duplicate request is recognised by number and bytes; a far older one is stale") {
  ReliabilityConfig cfg;
  AnswerCache cache;
  auto t = at_ms(0);
  CHECK(cache.classify(5, 111, t, cfg).verdict == AnswerCache::Verdict::New);
  cache.store(5, 111, std::vector<std::uint8_t>{1, 2, 3, 4}, t, cfg);
  auto dup = cache.classify(5, 111, t, cfg);
  REQUIRE(dup.verdict == AnswerCache::Verdict::Duplicate);
  CHECK(*dup.answer == std::vector<std::uint8_t>{1, 2, 3, 4});
  // Same number, other bytes: a peer that started over, not a resend.
  CHECK(cache.classify(5, 222, t, cfg).verdict == AnswerCache::Verdict::New);
  // Serial order over 10 bits: 1000 is 29 before 5 (wrapping), so still new...
  CHECK(cache.classify(1000, 1, t, cfg).verdict == AnswerCache::Verdict::New);
  // ...but 900 is 129 before 5: beyond the 64 the cache can vouch for.
  CHECK(cache.classify(900, 1, t, cfg).verdict == AnswerCache::Verdict::Stale);
  // After the lifetime the answer is forgotten.
  CHECK(cache.classify(5, 111, t + cfg.answer_cache_lifetime + Millis(1), cfg).verdict ==
        AnswerCache::Verdict::New);
}

TEST_CASE("the answer cache keeps the last 64 answers") {
  ReliabilityConfig cfg;
  AnswerCache cache;
  for (std::uint16_t s = 0; s < 100; ++s) cache.store(s, s, std::vector<std::uint8_t>{std::uint8_t(s)}, at_ms(0), cfg);
  CHECK(cache.classify(99, 99, at_ms(0), cfg).verdict == AnswerCache::Verdict::Duplicate);
  CHECK(cache.classify(36, 36, at_ms(0), cfg).verdict == AnswerCache::Verdict::Duplicate);
  CHECK(cache.classify(35, 35, at_ms(0), cfg).verdict == AnswerCache::Verdict::Stale);
}

TEST_CASE("requests out of order keep their answers while within 64 of the newest") {
  // Seen in the simulation: 54 answered, its ACK lost; 53 resent and first
  // stored after 54; then 55..117. By arrival 54 is the oldest entry, but it
  // is 63 behind the newest: its resend must be a duplicate, never new.
  ReliabilityConfig cfg;
  AnswerCache cache;
  Time t = at_ms(0);
  std::vector<std::uint8_t> ack{1, 2, 3, 4};
  auto store = [&](std::uint16_t seq) {
    REQUIRE(cache.classify(seq, seq, t, cfg).verdict == AnswerCache::Verdict::New);
    cache.store(seq, seq, ack, t, cfg);
  };
  for (std::uint16_t s = 0; s < 53; ++s) store(s);
  store(54);
  store(53);
  for (std::uint16_t s = 55; s <= 117; ++s) store(s);
  CHECK(cache.classify(54, 54, t, cfg).verdict == AnswerCache::Verdict::Duplicate);
  CHECK(cache.classify(53, 53, t, cfg).verdict == AnswerCache::Verdict::Stale);  // 64 behind
  // In order, the ring's next slot is reused: 118 takes 53's place, 54 stays.
  store(118);
  CHECK(cache.classify(54, 54, t, cfg).verdict == AnswerCache::Verdict::Stale);  // now 64 behind
  CHECK(cache.classify(55, 55, t, cfg).verdict == AnswerCache::Verdict::Duplicate);
}
