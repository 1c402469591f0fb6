// SPDX-License-Identifier: GPL-2.0-or-later
#include "exchange_tracker.hpp"

#include <algorithm>
#include <chrono>
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
constexpr std::int64_t kAnswerCacheNs = std::chrono::nanoseconds(kAnswerCacheLifetime).count();

// Per type value, what the datagram path asks of it, in one load: known,
// a request, and who may send it (exchange.hpp's rules, tabulated).
enum TypeFlag : std::uint8_t {
  kKnown = 1, kRequest = 2, kClientMay = 4, kServerMay = 8, kPeerMay = 16,
};
constexpr std::array<std::uint8_t, 256> kTypeFlags = [] {
  std::array<std::uint8_t, 256> flags{};
  for (unsigned v = 0; v < 256; ++v) {
    if (!is_known_type(std::uint8_t(v))) continue;
    auto t = MessageType(v);
    flags[v] = std::uint8_t(kKnown | (is_request(t) ? kRequest : 0) |
                            (client_may_send(t) ? kClientMay : 0) |
                            (server_may_send(t) ? kServerMay : 0) | (peer_may_send(t) ? kPeerMay : 0));
  }
  return flags;
}();

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

std::string type_label(std::uint8_t t) {
  if (!is_known_type(t)) return "type " + std::to_string(t);
  return std::to_string(t) + " (" + std::string(english_name(MessageType(t))) + ")";
}

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

// The first name of a well-formed text: a Connexion's name (`name CRLF`), or
// the first of an Invitation's names (`name,name SP note CRLF`).
std::string_view first_name(std::span<const std::uint8_t> bytes) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()) + kHeaderBytes,
                        bytes.size() - kHeaderBytes);
  std::size_t end = 0;
  while (end < text.size() && text[end] != ',' && text[end] != '\r' && text[end] != '\n' &&
         text[end] != ' ')
    ++end;
  return text.substr(0, end);
}

}  // namespace

// Neither end is the server's port: direct traffic, when an end is known.
Role ExchangeTracker::classify_direct(Endpoint src, Endpoint dst) const {
  auto known = [&](Endpoint e) {
    return clients_.contains(key_of(e)) || peers_.contains(key_of(e));
  };
  if (known(src) || known(dst)) return Role::PeerToPeer;
  return Role::NotImup;
}

const ExchangeTracker::Client* ExchangeTracker::find_client(Endpoint e) const {
  auto it = clients_.find(key_of(e));
  return it == clients_.end() ? nullptr : &it->second;
}

// Whether the client's last complete member list names endpoint `e`.
bool ExchangeTracker::lists(const Client* c, Endpoint e) const {
  if (!c || !c->members_known) return false;
  return std::any_of(c->members.begin(), c->members.end(),
                     [&](const GroupMember& m) { return m.endpoint && *m.endpoint == e; });
}

void ExchangeTracker::emit(Code c, std::uint64_t frame, std::int64_t now, Endpoint src,
                           Endpoint dst, int type, int seq, std::string detail) {
  sink_(Violation{c, frame, now, src, dst, type, seq, std::move(detail)});
}

ExchangeTracker::Pair& ExchangeTracker::pair(Endpoint from, Endpoint to, std::int64_t now) {
  PairKey key{key_of(from), key_of(to)};
  PairSlot& slot = pair_slots_[slot_of(key.a ^ (key.b * 0xC2B2AE3D27D4EB4Full))];
  if (slot.pair && slot.key == key) [[likely]] {
    slot.pair->last_active_ns = now;
    return *slot.pair;
  }
  return pair_slow(slot, key, from, to, now);
}

// The lookaside table missed: the map (kept out of line, so the hit path
// above stays a few instructions without a large stack frame).
ExchangeTracker::Pair& ExchangeTracker::pair_slow(PairSlot& slot, PairKey key, Endpoint from,
                                                  Endpoint to, std::int64_t now) {
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

// The client end `e` of a pair with the server, into the pair (a map
// lookup, once per pair; clients_ nodes do not move).
ExchangeTracker::Client* ExchangeTracker::client_of(Pair& p, Endpoint e) {
  p.client = &clients_[key_of(e)];
  return p.client;
}

ExchangeTracker::Request* ExchangeTracker::find(Pair& p, std::uint16_t seq) {
  auto slot = p.slot_of_seq[seq & (kSeqModulo - 1)];
  return slot == kNoSlot ? nullptr : &p.ring[slot];
}

void ExchangeTracker::datagram(const Seen& s) {
  const std::int64_t now = s.time_ns;
  const Role role = s.role;
  const Header& h = s.header;
  if (now - last_sweep_ns_ > kSweepEveryNs) sweep(now);
  const std::uint8_t flags = kTypeFlags[h.type];
  if (role == Role::NotImup || !(flags & kKnown)) return;  // receivers drop unknown types
  const std::uint8_t may = role == Role::ClientToServer   ? kClientMay
                           : role == Role::ServerToClient ? kServerMay
                                                          : kPeerMay;
  if (!(flags & may)) [[unlikely]] {
    const char* who = role == Role::ClientToServer   ? "a client sent the server"
                      : role == Role::ServerToClient ? "the server sent a client"
                                                     : "a peer sent a peer";
    emit(Code::WrongDirection, s,
         std::string(who) + " type " + type_label(h.type) + ", which only " +
             (role == Role::PeerToPeer ? "goes through the server" : "the other side sends"));
    return;  // a receiver drops it: no exchange follows
  }
  // The pair whose requests this datagram makes or answers, and the client
  // of a client-server datagram, each looked up once.
  Pair& p = flags & kRequest ? pair(s.src, s.dst, now) : pair(s.dst, s.src, now);
  Client* c = nullptr;
  if (role == Role::PeerToPeer) {
    // Both ends stay known while they talk.
    if (auto it = peers_.find(key_of(s.src)); it != peers_.end()) it->second = now;
    if (auto it = peers_.find(key_of(s.dst)); it != peers_.end()) it->second = now;
  } else {
    c = p.client;
    if (!c) [[unlikely]] c = client_of(p, role == Role::ClientToServer ? s.src : s.dst);
    c->last_active_ns = now;
  }
  auto t = MessageType(h.type);
  if (role == Role::PeerToPeer && t == MessageType::ChatMessage &&
      (state_bits(h.low) != 1 || mode_bits(h.low) != 1))
    emit(Code::PeerMessageNotPrivate, s,
         "state " + std::to_string(state_bits(h.low)) + ", mode " + std::to_string(mode_bits(h.low)) +
             " on a message sent straight to a peer: only a decentralized group's messages go there");
  if (flags & kRequest) request(s, p, c);
  else answer(s, p, c);
}

// A new message straight between two endpoints (§10): some member list seen
// in the capture must link them, the sender's or the receiver's.
void ExchangeTracker::check_peer(const Seen& s) {
  const Endpoint src = s.src, dst = s.dst;
  const Client* a = find_client(src);
  const Client* b = find_client(dst);
  if (lists(a, dst) || lists(b, src)) return;
  // Judge only with one end whose whole session is in the capture.
  auto judged = [](const Client* c) { return c && c->connected && !c->state_unknown; };
  if (!judged(a) && !judged(b)) return;
  emit(Code::PeerNotMember, s,
       "no group update lists " + format_endpoint(src) + " and " + format_endpoint(dst) +
           " in one decentralized group");
}

// The mode bits of 18, 19 and 20 against the group's mode (§9.2, §9.6).
void ExchangeTracker::check_modes(const Seen& s, const Client& c) {
  const Role role = s.role;
  const Header& h = s.header;
  using T = MessageType;
  auto t = T(h.type);
  if (c.state_unknown) return;
  int bits = mode_bits(h.low);
  int expected = kModeUnknown;
  const char* whose = "";
  if (role == Role::ClientToServer && t == T::ChatMessage) {
    if (state_bits(h.low) == 0) {
      expected = 0;
      whose = "a public message carries mode 00";
    } else if (c.in_group) {
      expected = c.group_mode;
      whose = "a private message carries its group's mode";
    }
  } else if (role == Role::ClientToServer && t == T::Invitation) {
    expected = c.in_group ? c.group_mode : 0;
    whose = c.in_group ? "a member's invitation carries its group's mode"
                       : "an invitation from the public room carries mode 00";
  } else if (role == Role::ServerToClient && t == T::Invitation && s.well_formed) {
    // To an invitee: the inviter's group's mode; the inviter is named first.
    auto it = client_by_name_.find(std::string(first_name(s.bytes)));
    if (it != client_by_name_.end()) {
      auto ci = clients_.find(it->second);
      if (ci != clients_.end() && ci->second.name == it->first && ci->second.in_group &&
          !ci->second.state_unknown) {
        expected = ci->second.group_mode;
        whose = "an invitation relayed to an invitee carries the inviter's group's mode";
      }
    }
  }
  if (expected == kModeUnknown || bits == expected) return;
  emit(Code::GroupModeMismatch, s,
       std::string(whose) + " (" + (expected ? "decentralized, 01" : "centralized, 00") +
           "); the bits say " + std::to_string(bits));
}

// A type-11 part to a client (D19): parts with the more flag accumulate, the
// part without it completes the list, which only then becomes the membership.
void ExchangeTracker::group_update(const Seen& s, const Message* m, Client& c) {
  if (c.part_unacked)
    emit(Code::UpdatePartOutOfOrder, s,
         "a group update sent before the client acknowledged the previous part of a list "
         "(parts go one at a time, each after the last one's ACK)");
  const auto* u = m ? std::get_if<GroupUpdate>(&m->body) : nullptr;
  if (!u) return;  // malformed: a client drops it
  if (!c.assembly_open) c.assembling.clear();
  c.assembling.insert(c.assembling.end(), u->members.begin(), u->members.end());
  c.assembly_open = u->more;
  c.part_unacked = u->more;
  if (u->more) return;
  // Complete: the new membership.
  c.members.swap(c.assembling);
  c.assembling.clear();
  c.in_group = true;
  if (c.members.empty()) return;  // "your invitation was accepted", no list
  c.members_known = true;
  std::size_t with_address = 0;
  for (const auto& member : c.members) {
    if (!member.endpoint) continue;
    ++with_address;
    peers_[key_of(*member.endpoint)] = s.time_ns;
  }
  int listed_mode = with_address == c.members.size() ? 1 : with_address == 0 ? 0 : kModeUnknown;
  if (listed_mode != kModeUnknown && c.group_mode != kModeUnknown && listed_mode != c.group_mode &&
      !c.state_unknown)
    emit(Code::GroupModeMismatch, s,
         std::string("the group is ") + (c.group_mode ? "decentralized" : "centralized") +
             " but its update lists members " +
             (listed_mode ? "with addresses" : "without addresses"));
  if (listed_mode != kModeUnknown) c.group_mode = std::int8_t(listed_mode);
}

void ExchangeTracker::request(const Seen& s, Pair& p, Client* client_state) {
  const std::int64_t now = s.time_ns;
  const Role role = s.role;
  const Header& h = s.header;
  Request* r = find(p, h.seq);
  if (r && now - r->last_ns > kAnswerCacheNs) r = nullptr;  // long gone from any cache
  const std::uint64_t hash = fingerprint(s.bytes);
  if (r && r->type == h.type && r->request_hash == hash) {
    // The same request again: a retransmission.
    ++r->tries;
    ++stats_.retransmissions;
    std::int64_t gap = now - r->last_ns;
    if (gap < opt_.min_retransmit_ns)
      emit(Code::RetransmitTooSoon, s,
           "sent again " + seconds(gap) + " after the previous try (frame " +
               std::to_string(r->frame) + " was the first)");
    if (r->tries > opt_.max_tries)
      emit(Code::TooManyTries, s,
           "try " + std::to_string(r->tries) + " of a request allowed " +
               std::to_string(opt_.max_tries));
    if (r->answered) r->resent_after_answer = true;
    r->last_ns = now;
    return;
  }
  // Same peer, same number, other bytes: not a resend (§14) but a new
  // request on a number the receiver still holds an answer for.
  if (r)
    emit(Code::SeqReused, s,
         "sequence number " + std::to_string(h.seq) + " still belongs to the " +
             type_label(r->type) + " of frame " + std::to_string(r->frame) + " (" +
             (r->type == h.type ? "same type, other bytes" : "another type") +
             "), within the last " + std::to_string(kAnswerCacheEntries) + " requests");

  // A new request: its number must follow the sender's previous one (a
  // reused number is reported above, once).
  if (r) {
    // Numbering already reported.
  } else if (p.has_last) {
    if (!seq_after(h.seq, p.last_new_seq)) {
      emit(Code::SeqNotIncreasing, s,
           "new request numbered " + std::to_string(h.seq) + " after " +
               std::to_string(p.last_new_seq));
    } else {
      if (h.seq != seq_add(p.last_new_seq, 1))
        emit(Code::SeqGap, s,
             "numbered " + std::to_string(h.seq) + " after " + std::to_string(p.last_new_seq) +
                 ": " + std::to_string(seq_distance(p.last_new_seq, h.seq) - 1) +
                 " number(s) skipped");
      p.last_new_seq = h.seq;
    }
  } else {
    p.has_last = true;
    p.last_new_seq = h.seq;
  }
  if (p.outstanding >= kWindow) {
    emit(Code::WindowExceeded, s,
         std::to_string(p.outstanding) + " requests already unanswered");
  } else if (const Request* oldest = find(p, std::uint16_t((h.seq + kSeqModulo - kWindow) & (kSeqModulo - 1)));
             oldest && !oldest->answered && oldest != r) {
    // The window is a span of numbers, not only a count (§6.4).
    emit(Code::WindowExceeded, s,
         "request " + std::to_string(oldest->seq) + " (frame " + std::to_string(oldest->frame) +
             ") is still unanswered, " + std::to_string(kWindow) + " numbers back");
  }

  auto t = MessageType(h.type);
  if (role == Role::PeerToPeer && t == MessageType::ChatMessage)
    check_peer(s);
  if (client_state) {
    Endpoint who = role == Role::ClientToServer ? s.src : s.dst;
    Client& c = *client_state;
    bool exempt = role == Role::ClientToServer ? t == MessageType::Connect
                                               : t == MessageType::LivenessProbe;
    if (!c.connected && !exempt) {
      emit(Code::NotConnected, s,
           "client " + format_endpoint(who) + " has no accepted Connexion in this capture" +
               " (reported once per client; later group checks skip it)");
      c.connected = true;
      c.state_unknown = true;
    }
    if (role == Role::ServerToClient && t == MessageType::GroupClosed && c.assembly_open)
      emit(Code::UpdatePartOutOfOrder, s,
           "Group closed sent between the parts of a group update (more parts were announced)");
    if (role == Role::ServerToClient && t == MessageType::GroupUpdate)
      group_update(s, s.well_formed ? s.message : nullptr, c);
    if (role == Role::ClientToServer && t == MessageType::Connect && s.well_formed)
      c.pending_name = first_name(s.bytes);
    if (t == MessageType::ChatMessage || t == MessageType::Invitation)
      check_modes(s, c);
    if (role == Role::ClientToServer && t == MessageType::ChatMessage && state_bits(h.low) == 1 &&
        c.in_group && c.members_known && !c.state_unknown && !c.name.empty() &&
        std::none_of(c.members.begin(), c.members.end(),
                     [&](const GroupMember& member) { return member.name == c.name; }))
      emit(Code::SenderNotMember, s,
           "'" + c.name + "' sent a private message, but the last group update to it (" +
               std::to_string(c.members.size()) + " members) does not list it");
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
  n.malformed = !s.well_formed;
  n.request_hash = hash;
  n.type = h.type;
  n.low = h.low;
  n.seq = h.seq;
  n.tries = 1;
  n.frame = s.frame;
  n.first_ns = n.last_ns = now;
  p.slot_of_seq[h.seq & (kSeqModulo - 1)] = std::uint8_t(slot);
  ++p.outstanding;
  ++stats_.requests;
}

void ExchangeTracker::answer(const Seen& s, Pair& p, Client* client_state) {
  const std::int64_t now = s.time_ns;
  const Endpoint src = s.src, dst = s.dst;
  const Header& h = s.header;
  ++stats_.answers;
  Request* r = find(p, h.seq);
  auto t = MessageType(h.type);
  if (!r || h.type >= 32 || !(kAnswerBits[r->from_server][r->type] >> h.type & 1)) {
    emit(Code::UnexpectedAnswer, s,
         r ? "sequence number " + std::to_string(h.seq) + " is a " + type_label(r->type) +
                 ", which type " + type_label(h.type) + " does not answer"
           : "no request numbered " + std::to_string(h.seq) + " from " + format_endpoint(dst) +
                 " to " + format_endpoint(src) + " in the last " +
                 std::to_string(kAnswerCacheEntries));
    return;
  }
  std::uint64_t hash = fingerprint(s.bytes);
  if (r->answered) {
    if (r->resent_after_answer) {
      if (hash != r->answer_hash)
        emit(Code::CachedAnswerDiffers, s,
             "the answer to the resent request differs from the first answer");
      r->resent_after_answer = false;
    } else {
      emit(Code::DuplicateAnswer, s,
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
      if (t == T::Ack && !c.pending_name.empty()) {
        c.name = c.pending_name;
        client_by_name_[c.name] = key_of(dst);
      }
      break;
    case T::Disconnect:
      // Its name's entry stays (a reconnection reuses it without allocating);
      // lookups check that the client there still bears the name.
      c.forget_session();
      break;
    case T::GroupUpdate:
      if (r->low & kMoreBit) c.part_unacked = false;
      break;
    case T::Invitation:
      if (!r->from_server && t == T::ModeOffer) {
        if (c.in_group && !c.state_unknown)
          emit(Code::OfferToMember, s,
               "Invitation (frame " + std::to_string(r->frame) +
                   ") from a member of a group got a mode offer; a member invites into its own group");
        c.pending_offer = true;
      }
      if (r->from_server && t == T::AcceptInvitation) {
        c.in_group = true;
        c.group_mode = std::int8_t(mode_bits(r->low));
      }
      break;
    case T::ChooseMode:
      if (t == T::Ack) {
        if (!c.pending_offer && !c.state_unknown)
          emit(Code::GroupWithoutOffer, s,
               "the server accepted Choose mode (frame " + std::to_string(r->frame) +
                   ") without a mode offer pending for this client");
        c.in_group = true;
        c.group_mode = std::int8_t(mode_bits(r->low));
      }
      c.pending_offer = false;
      break;
    case T::LeaveGroup:
      if (t == T::Ack && !c.in_group && !c.state_unknown)
        emit(Code::MessageOutsideGroup, s,
             "Leave (frame " + std::to_string(r->frame) +
                 ") from a client in no group was acknowledged, not answered 16");
      c.in_group = false;
      c.group_mode = kModeUnknown;
      c.members_known = false;
      c.members.clear();
      break;
    case T::GroupClosed:
      c.in_group = false;
      c.group_mode = kModeUnknown;
      c.members_known = false;
      c.members.clear();
      c.assembly_open = c.part_unacked = false;
      break;
    case T::ChatMessage:
      if (t == T::Ack && !c.state_unknown) {
        bool private_room = state_bits(r->low) == 1;
        if (private_room && !c.in_group)
          emit(Code::MessageOutsideGroup, s,
               "private message (frame " + std::to_string(r->frame) +
                   ") from a client in no group was acknowledged, not answered 16");
        if (!private_room && c.in_group)
          emit(Code::MessageCrossesRooms, s,
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
  for (auto& [key, p] : pairs_) p.client = nullptr;  // some may be gone: look up again
  std::erase_if(peers_, [&](const auto& kv) { return now - kv.second > kForgetIdleNs; });
  std::erase_if(client_by_name_, [&](const auto& kv) {
    auto it = clients_.find(kv.second);
    return it == clients_.end() || it->second.name != kv.first;
  });
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
  peers_.clear();
  client_by_name_.clear();
  clear_lookaside();
  last_sweep_ns_ = 0;
}

}  // namespace imup::verify
