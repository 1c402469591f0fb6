// SPDX-License-Identifier: GPL-2.0-or-later
#include "exchange_tracker.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string_view>

#include "codec/exchange.hpp"
#include "codec/text.hpp"

namespace imup::verify {
namespace {

constexpr std::int64_t kSweepEveryNs = 10'000'000'000;
constexpr std::int64_t kForgetIdleNs = 600'000'000'000;
constexpr std::int64_t kAnswerCacheNs = 120'000'000'000;  // §7: answer cache lifetime
constexpr std::size_t kWindow = 32;

std::string type_label(std::uint8_t t) {
  if (!is_known_type(t)) return "type " + std::to_string(t);
  return std::to_string(t) + " (" + std::string(english_name(MessageType(t))) + ")";
}

std::string seconds(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", double(ns) / 1e9);
  return buf;
}

// Fingerprint of an answer's bytes, to tell a resent answer from a changed one.
std::uint64_t fingerprint(std::span<const std::uint8_t> bytes) {
  // Short answers (an ACK is 4 bytes) are their own fingerprint: exact, and
  // no hashing on the commonest datagram. Length in the top byte keeps sizes apart.
  if (bytes.size() < 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, bytes.data(), bytes.size());
    return v | std::uint64_t(bytes.size()) << 56 | 1ull << 63;
  }
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

Role ExchangeTracker::classify(Endpoint src, Endpoint dst) const {
  if (dst.port == opt_.server_port) return Role::ClientToServer;
  if (src.port == opt_.server_port) return Role::ServerToClient;
  if (clients_.contains(key_of(src)) && clients_.contains(key_of(dst))) return Role::PeerToPeer;
  return Role::NotImup;
}

void ExchangeTracker::emit(Code c, std::uint64_t frame, std::int64_t now, Endpoint src,
                           Endpoint dst, int type, int seq, std::string detail) {
  sink_(Violation{c, frame, now, src, dst, type, seq, std::move(detail)});
}

ExchangeTracker::Pair& ExchangeTracker::pair(Endpoint from, Endpoint to, std::int64_t now) {
  PairKey key{key_of(from), key_of(to)};
  PairSlot& slot = pair_slots_[slot_of(key.a ^ (key.b * 0xC2B2AE3D27D4EB4Full))];
  if (slot.pair && slot.key == key) {
    slot.pair->last_active_ns = now;
    return *slot.pair;
  }
  auto [it, fresh] = pairs_.try_emplace(key);
  Pair& p = it->second;
  slot = PairSlot{key, &p};
  if (fresh) {
    p.from = from;
    p.to = to;
    p.slot_of_seq.fill(kNoSlot);
  }
  p.last_active_ns = now;
  return p;
}

ExchangeTracker::Client& ExchangeTracker::client(Endpoint e, std::int64_t now) {
  std::uint64_t key = key_of(e);
  ClientSlot& slot = client_slots_[slot_of(key)];
  if (!slot.client || slot.key != key) slot = ClientSlot{key, &clients_[key]};
  slot.client->last_active_ns = now;
  return *slot.client;
}

ExchangeTracker::Request* ExchangeTracker::find(Pair& p, std::uint16_t seq) {
  auto slot = p.slot_of_seq[seq & (kSeqModulo - 1)];
  return slot == kNoSlot ? nullptr : &p.ring[slot];
}

void ExchangeTracker::datagram(std::uint64_t frame, std::int64_t now, Endpoint src, Endpoint dst,
                               Role role, const Header& h, const Message* m,
                               std::span<const std::uint8_t> bytes) {
  if (now - last_sweep_ns_ > kSweepEveryNs) sweep(now);
  if (role == Role::NotImup || !is_known_type(h.type)) return;  // receivers drop unknown types
  auto t = MessageType(h.type);
  bool allowed = role == Role::ClientToServer   ? client_may_send(t)
                 : role == Role::ServerToClient ? server_may_send(t)
                                                : peer_may_send(t);
  if (!allowed) {
    const char* who = role == Role::ClientToServer   ? "a client sent the server"
                      : role == Role::ServerToClient ? "the server sent a client"
                                                     : "a peer sent a peer";
    emit(Code::WrongDirection, frame, now, src, dst, h.type, h.seq,
         std::string(who) + " type " + type_label(h.type) + ", which only " +
             (role == Role::PeerToPeer ? "goes through the server" : "the other side sends"));
    return;  // a receiver drops it: no exchange follows
  }
  // The client of a client-server datagram, looked up once.
  Client* c = role == Role::ClientToServer   ? &client(src, now)
              : role == Role::ServerToClient ? &client(dst, now)
                                             : nullptr;
  if (role == Role::PeerToPeer) {
    const Client& a = clients_[key_of(src)];
    const Client& b = clients_[key_of(dst)];
    bool members = (a.decentralized &&
                    std::find(a.members.begin(), a.members.end(), dst) != a.members.end()) ||
                   (b.decentralized &&
                    std::find(b.members.begin(), b.members.end(), src) != b.members.end());
    if (!members && !a.state_unknown && !b.state_unknown)
      emit(Code::PeerNotMember, frame, now, src, dst, h.type, h.seq,
           "no group update lists " + format_endpoint(src) + " and " + format_endpoint(dst) +
               " in one decentralized group");
  }
  if (role == Role::PeerToPeer && t == MessageType::ChatMessage &&
      (state_bits(h.low) != 1 || mode_bits(h.low) != 1))
    emit(Code::PeerMessageNotPrivate, frame, now, src, dst, h.type, h.seq,
         "state " + std::to_string(state_bits(h.low)) + ", mode " + std::to_string(mode_bits(h.low)) +
             " on a message sent straight to a peer: only a decentralized group's messages go there");
  if (is_request(t)) request(frame, now, src, dst, role, h, m, c);
  else answer(frame, now, src, dst, h, bytes, c);
}

void ExchangeTracker::request(std::uint64_t frame, std::int64_t now, Endpoint src, Endpoint dst,
                              Role role, const Header& h, const Message* m, Client* client_state) {
  Pair& p = pair(src, dst, now);
  Request* r = find(p, h.seq);
  if (r && now - r->last_ns > kAnswerCacheNs) r = nullptr;  // long gone from any cache
  if (r && r->type == h.type) {
    // The same request again: a retransmission.
    ++r->tries;
    ++stats_.retransmissions;
    std::int64_t gap = now - r->last_ns;
    if (gap < opt_.min_retransmit_ns)
      emit(Code::RetransmitTooSoon, frame, now, src, dst, h.type, h.seq,
           "sent again " + seconds(gap) + " after the previous try (frame " +
               std::to_string(r->frame) + " was the first)");
    if (r->tries > opt_.max_tries)
      emit(Code::TooManyTries, frame, now, src, dst, h.type, h.seq,
           "try " + std::to_string(r->tries) + " of a request allowed " +
               std::to_string(opt_.max_tries));
    if (r->answered) r->resent_after_answer = true;
    r->last_ns = now;
    return;
  }
  if (r && !r->answered)
    emit(Code::SeqReused, frame, now, src, dst, h.type, h.seq,
         "sequence number " + std::to_string(h.seq) + " still belongs to type " +
             type_label(r->type) + " of frame " + std::to_string(r->frame));

  // A new request: its number must follow the sender's previous one.
  if (p.has_last) {
    if (!seq_after(h.seq, p.last_new_seq)) {
      emit(Code::SeqNotIncreasing, frame, now, src, dst, h.type, h.seq,
           "new request numbered " + std::to_string(h.seq) + " after " +
               std::to_string(p.last_new_seq));
    } else {
      if (h.seq != seq_add(p.last_new_seq, 1))
        emit(Code::SeqGap, frame, now, src, dst, h.type, h.seq,
             "numbered " + std::to_string(h.seq) + " after " + std::to_string(p.last_new_seq) +
                 ": " + std::to_string(seq_distance(p.last_new_seq, h.seq) - 1) +
                 " number(s) skipped");
      p.last_new_seq = h.seq;
    }
  } else {
    p.has_last = true;
    p.last_new_seq = h.seq;
  }
  if (p.outstanding >= kWindow)
    emit(Code::WindowExceeded, frame, now, src, dst, h.type, h.seq,
         std::to_string(p.outstanding) + " requests already unanswered");

  auto t = MessageType(h.type);
  if (client_state) {
    Endpoint who = role == Role::ClientToServer ? src : dst;
    Client& c = *client_state;
    bool exempt = role == Role::ClientToServer ? t == MessageType::Connect
                                               : t == MessageType::LivenessProbe;
    if (!c.connected && !exempt) {
      emit(Code::NotConnected, frame, now, src, dst, h.type, h.seq,
           "client " + format_endpoint(who) + " has no accepted Connexion in this capture" +
               " (reported once per client; later group checks skip it)");
      c.connected = true;
      c.state_unknown = true;
    }
    if (role == Role::ServerToClient && t == MessageType::GroupUpdate) {
      c.in_group = true;
      if (m) {
        if (const auto* u = std::get_if<GroupUpdate>(&m->body)) {
          if (!u->members.empty()) c.members.clear();
          for (const auto& member : u->members) {
            if (member.endpoint) {
              c.members.push_back(*member.endpoint);
              c.decentralized = true;
            }
          }
        }
      }
    }
  }

  // Into the ring, in place of the oldest request.
  std::size_t slot = p.next;
  p.next = (p.next + 1) % kCache;
  Request& old = p.ring[slot];
  if (old.used) {
    if (!old.answered) {
      report_unanswered(p, old, now, false);
      --p.outstanding;
    }
    if (p.slot_of_seq[old.seq] == slot) p.slot_of_seq[old.seq] = kNoSlot;
  }
  Request& n = old;
  n = Request{};
  n.used = true;
  n.from_server = role == Role::ServerToClient;
  n.malformed = m == nullptr;
  n.type = h.type;
  n.low = h.low;
  n.seq = h.seq;
  n.tries = 1;
  n.frame = frame;
  n.first_ns = n.last_ns = now;
  p.slot_of_seq[h.seq & (kSeqModulo - 1)] = std::uint8_t(slot);
  ++p.outstanding;
  ++stats_.requests;
}

void ExchangeTracker::answer(std::uint64_t frame, std::int64_t now, Endpoint src, Endpoint dst,
                             const Header& h, std::span<const std::uint8_t> bytes,
                             Client* client_state) {
  ++stats_.answers;
  Pair& p = pair(dst, src, now);
  Request* r = find(p, h.seq);
  auto t = MessageType(h.type);
  if (!r || !answers(MessageType(r->type), t, r->from_server)) {
    emit(Code::UnexpectedAnswer, frame, now, src, dst, h.type, h.seq,
         r ? "sequence number " + std::to_string(h.seq) + " is a " + type_label(r->type) +
                 ", which type " + type_label(h.type) + " does not answer"
           : "no request numbered " + std::to_string(h.seq) + " from " + format_endpoint(dst) +
                 " to " + format_endpoint(src) + " in the last 64");
    return;
  }
  std::uint64_t hash = fingerprint(bytes);
  if (r->answered) {
    if (r->resent_after_answer) {
      if (hash != r->answer_hash)
        emit(Code::CachedAnswerDiffers, frame, now, src, dst, h.type, h.seq,
             "the answer to the resent request differs from the first answer");
      r->resent_after_answer = false;
    } else {
      emit(Code::DuplicateAnswer, frame, now, src, dst, h.type, h.seq,
           "request of frame " + std::to_string(r->frame) + " was already answered");
    }
    return;
  }
  r->answered = true;
  r->answer_type = h.type;
  r->answer_hash = hash;
  --p.outstanding;
  stats_.rtt.add(std::uint64_t(std::max<std::int64_t>(0, now - r->last_ns)));

  // Connection and group state, from the client's side of the exchange.
  if (!client_state) return;  // between peers: no server-side state
  Client& c = *client_state;
  using T = MessageType;
  switch (T(r->type)) {
    case T::Connect:
      c.connected = t == T::Ack;
      break;
    case T::Disconnect:
      c = Client{};
      break;
    case T::Invitation:
      if (!r->from_server && t == T::ModeOffer) {
        if (c.in_group && !c.state_unknown)
          emit(Code::OfferToMember, frame, now, src, dst, h.type, h.seq,
               "Invitation (frame " + std::to_string(r->frame) +
                   ") from a member of a group got a mode offer; a member invites into its own group");
        c.pending_offer = true;
      }
      if (r->from_server && t == T::AcceptInvitation) c.in_group = true;
      break;
    case T::ChooseMode:
      if (t == T::Ack) {
        if (!c.pending_offer && !c.state_unknown)
          emit(Code::GroupWithoutOffer, frame, now, src, dst, h.type, h.seq,
               "the server accepted Choose mode (frame " + std::to_string(r->frame) +
                   ") without a mode offer pending for this client");
        c.in_group = true;
        c.decentralized = mode_bits(r->low) == 1;
      }
      c.pending_offer = false;
      break;
    case T::LeaveGroup:
      if (t == T::Ack && !c.in_group && !c.state_unknown)
        emit(Code::MessageOutsideGroup, frame, now, src, dst, h.type, h.seq,
             "Leave (frame " + std::to_string(r->frame) +
                 ") from a client in no group was acknowledged, not answered 16");
      c.in_group = false;
      c.members.clear();
      break;
    case T::GroupClosed:
      c.in_group = false;
      c.members.clear();
      break;
    case T::ChatMessage:
      if (t == T::Ack && !c.state_unknown) {
        bool private_room = state_bits(r->low) == 1;
        if (private_room && !c.in_group)
          emit(Code::MessageOutsideGroup, frame, now, src, dst, h.type, h.seq,
               "private message (frame " + std::to_string(r->frame) +
                   ") from a client in no group was acknowledged, not answered 16");
        if (!private_room && c.in_group)
          emit(Code::MessageCrossesRooms, frame, now, src, dst, h.type, h.seq,
               "public message (frame " + std::to_string(r->frame) +
                   ") from a group member was acknowledged, not answered 15");
      }
      break;
    default:
      break;
  }
}

void ExchangeTracker::report_unanswered(const Pair& p, const Request& r, std::int64_t now,
                                        bool at_end) {
  if (r.malformed) return;  // a receiver is right to drop what it cannot decode
  ++stats_.unanswered;
  // Cut short by the end of the capture: the answer may still have come.
  bool cut_short = at_end && now - r.first_ns < opt_.give_up_ns;
  emit(cut_short ? Code::UnansweredAtEnd : Code::UnansweredRequest, r.frame, r.first_ns, p.from,
       p.to, r.type, r.seq,
       "type " + type_label(r.type) + " never answered after " + std::to_string(r.tries) +
           " tr" + (r.tries == 1 ? "y" : "ies") +
           (at_end ? "; the capture ends " + seconds(now - r.last_ns) + " after the last"
                   : ""));
}

void ExchangeTracker::sweep(std::int64_t now) {
  last_sweep_ns_ = now;
  clear_lookaside();
  for (auto it = pairs_.begin(); it != pairs_.end();) {
    Pair& p = it->second;
    if (p.outstanding) {
      for (auto& r : p.ring) {
        if (r.used && !r.answered && now - r.first_ns > opt_.give_up_ns) {
          report_unanswered(p, r, now, false);
          r.answered = true;  // reported once
          --p.outstanding;
        }
      }
    }
    if (p.outstanding == 0 && now - p.last_active_ns > kForgetIdleNs) it = pairs_.erase(it);
    else ++it;
  }
  std::erase_if(clients_, [&](const auto& kv) { return now - kv.second.last_active_ns > kForgetIdleNs; });
}

void ExchangeTracker::finish(std::int64_t end_ns) {
  // Report in frame order, so the output reads like the capture.
  std::vector<std::pair<const Pair*, const Request*>> left;
  for (const auto& [key, p] : pairs_)
    for (const auto& r : p.ring)
      if (r.used && !r.answered) left.emplace_back(&p, &r);
  std::sort(left.begin(), left.end(),
            [](const auto& a, const auto& b) { return a.second->frame < b.second->frame; });
  for (const auto& [p, r] : left) report_unanswered(*p, *r, end_ns, true);
  pairs_.clear();
  clients_.clear();
  clear_lookaside();
  last_sweep_ns_ = 0;
}

}  // namespace imup::verify
