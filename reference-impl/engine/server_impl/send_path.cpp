// SPDX-License-Identifier: GPL-2.0-or-later
// Every datagram to a client: answers (remembered for duplicates, §6.3),
// requests (through the client's RequestChannel window, each armed for
// retransmission), and the amplification budget of an unproved endpoint
// (§14).
#include <array>

#include "codec/codec.hpp"
#include "engine/server_impl/encoding.hpp"
#include "engine/server_impl/impl.hpp"
#include "engine/server_impl/request_tag.hpp"

namespace imup::engine {

// A datagram send_to() holds back from an unproved endpoint over its budget.
void Server::Impl::withhold(ClientRec& c, std::size_t bytes) {
  drop(c.endpoint, DropReason::Amplification,
       "withheld " + std::to_string(bytes) + " bytes to an unproved endpoint");
}

void Server::Impl::answer(ClientRec& c, std::uint16_t seq, std::uint64_t hash, Body body, Time now) {
  std::array<std::uint8_t, kMaxDatagramBytes> buf;
  Encoded e = encode(Message{seq, std::move(body)}, buf);
  if (!e.ok()) return;  // every answer the server builds fits; defensive
  answer_bytes(c, seq, hash, std::span<const std::uint8_t>(buf.data(), e.size), now);
}

void Server::Impl::transmit_request(ClientRec& c, const OutstandingRequest& r) {
  // The probe is what proves the return path (§14): its first two sendings
  // (those within the proof timeout) are not withheld by the unproved
  // endpoint's byte budget, which answers to its own requests (a user-list
  // page) may have spent; else a client whose first probe crossed its
  // Connexion's ACK could never prove itself. 8 bytes beyond the budget.
  if (!c.proved && r.type == MessageType::LivenessProbe && r.tries <= 2) {
    c.bytes_out += r.bytes->size();
    set_seq(emit(c.endpoint, *r.bytes), r.seq);
  } else {
    set_seq(send_to(c, *r.bytes), r.seq);
  }
  timers.arm(r.deadline, ServerTimerKey{ServerTimerKey::Kind::Retransmit, c.id, r.seq, c.generation});
}

void Server::Impl::pump(ClientRec& c, Time now) {
  // An invitation the invitee's person has not decided on does not hold the
  // window (§6.4), but the numbering may not leave it half the sequence space
  // behind: it is given up then, as a refusal (§9.2 step 5).
  while (auto left = c.out.take_left_behind(cfg.reliability)) {
    ++counters.give_ups;
    resolve_invitation(c, group_of(left->tag), false, now);
  }
  c.out.pump(cfg.reliability, rng, now, [&](const OutstandingRequest& r) { transmit_request(c, r); });
  note_backlog(c);
}

void Server::Impl::note_backlog(ClientRec& c) {
  const bool b = cfg.backlog_per_client && c.out.waiting() >= cfg.backlog_per_client;
  if (b == c.backlogged) return;
  c.backlogged = b;
  if (b) ++backlogged;
  else --backlogged;
}

// Queues a request to a client; a client that lets too many pile up is
// treated as gone (its window never drains).
void Server::Impl::request(ClientRec& c, MessageType type, SharedBytes bytes, std::uint64_t tag,
                           Time now, unsigned max_tries) {
  // A relayed invitation's answer is the invitee's decision (§6.4, §9.2).
  const bool awaits_person = purpose_of(tag) == Purpose::Invite;
  if (!c.out.submit(type, std::move(bytes), tag, cfg.max_queued_per_client, max_tries,
                    awaits_person)) {
    drop(c.endpoint, DropReason::QueueFull, "too many requests waiting for its window");
    schedule_removal(c, false, "its window stayed full");
    return;
  }
  pump(c, now);
}

void Server::Impl::request(ClientRec& c, Body body, std::uint64_t tag, Time now, unsigned max_tries) {
  Message m{0, std::move(body)};
  auto type = m.type();
  auto bytes = encode_or_empty(m);
  if (bytes.empty()) return;
  request(c, type, std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes)), tag, now,
          max_tries);
}

}  // namespace imup::engine
