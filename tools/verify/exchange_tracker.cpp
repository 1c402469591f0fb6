// SPDX-License-Identifier: GPL-2.0-or-later
#include "exchange_tracker.hpp"

#include <array>
#include <string>

#include "codec/exchange.hpp"

namespace imup::verify {
namespace {

constexpr std::int64_t kForgetIdleNs = 600'000'000'000;

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

}  // namespace

void ExchangeTracker::datagram(const Seen& s) {
  const std::int64_t now = s.time_ns;
  const Role role = s.role;
  const Header& h = s.header;
  advance(now);
  const std::uint8_t flags = kTypeFlags[h.type];
  if (role == Role::NotImup || !(flags & kKnown)) return;  // receivers drop unknown types
  const std::uint8_t may = role == Role::ClientToServer   ? kClientMay
                           : role == Role::ServerToClient ? kServerMay
                                                          : kPeerMay;
  if (!(flags & may)) [[unlikely]] {
    const char* who = role == Role::ClientToServer   ? "a client sent the server"
                      : role == Role::ServerToClient ? "the server sent a client"
                                                     : "a peer sent a peer";
    sink_.emit(Code::WrongDirection, s,
               std::string(who) + " type " + type_label(h.type) + ", which only " +
                   (role == Role::PeerToPeer ? "goes through the server" : "the other side sends"));
    return;  // a receiver drops it: no exchange follows
  }
  // The pair whose requests this datagram makes or answers, and the client
  // of a client-server datagram, each looked up once.
  const bool is_request = flags & kRequest;
  RequestLedger::Pair& p =
      is_request ? ledger_.pair(s.src, s.dst, now) : ledger_.pair(s.dst, s.src, now);
  ClientSession* c = nullptr;
  if (role == Role::PeerToPeer) {
    sessions_.heard_peers(s);
  } else {
    c = p.client;
    if (!c) [[unlikely]]
      c = p.client = &sessions_.client(role == Role::ClientToServer ? s.src : s.dst);
    c->last_active_ns = now;
    ++(role == Role::ClientToServer ? c->sent : c->received);
  }
  if (s.bytes.size() > kHeaderBytes) {
    // A peer is a client too when it was seen talking to the server: one
    // habit per endpoint, as the plugin keeps it.
    ClientSession* peer = role == Role::PeerToPeer ? sessions_.find_client(s.src) : nullptr;
    LengthConvention& first = role == Role::ClientToServer ? c->length_convention
                              : peer                       ? peer->length_convention
                                                           : other_convention(s.src);
    check_length_convention(s, first);
  }
  auto t = MessageType(h.type);
  if (role == Role::PeerToPeer && t == MessageType::ChatMessage &&
      (state_bits(h.low) != 1 || mode_bits(h.low) != 1))
    sink_.emit(Code::PeerMessageNotPrivate, s,
               "state " + std::to_string(state_bits(h.low)) + ", mode " +
                   std::to_string(mode_bits(h.low)) +
                   " on a message sent straight to a peer: only a decentralized group's messages go there");
  if (is_request) {
    // A client's Connexion that is not a resend starts a new session at its
    // endpoint (§14): the client may number it afresh, and the server
    // numbers its own requests of the new session half the space away.
    const bool connexion = role == Role::ClientToServer && t == MessageType::Connect;
    if (ledger_.request(s, p, connexion)) {  // a retransmission
      if (c && role == Role::ClientToServer) ++c->retransmissions;
      return;
    }
    if (c && role == Role::ClientToServer) ++c->requests;
    if (connexion) [[unlikely]] {
      RequestLedger::Pair& from_server = ledger_.pair(s.dst, s.src, now);
      RequestLedger::numbering_restarts(from_server);
      RequestLedger::session_ended(from_server);
      RequestLedger::session_ended(p);
    }
    sessions_.request(s, c);
    if (role == Role::ClientToServer && t == MessageType::ListRequest) [[unlikely]]
      pager_.request(s, s.well_formed ? s.message : nullptr);
    ledger_.record(s, p);
  } else if (const RequestLedger::Request* r = ledger_.answer(s, p); r && c) {
    if (r->type == std::uint8_t(MessageType::Disconnect) && t == MessageType::Ack) [[unlikely]] {
      // The session is over: neither side owes the other more tries.
      RequestLedger::disconnected(p);
      RequestLedger::session_ended(ledger_.pair(s.src, s.dst, now));
    }
    if (t == MessageType::UserList && r->type == std::uint8_t(MessageType::ListRequest)) [[unlikely]]
      pager_.page(s, s.well_formed ? s.message : nullptr);
    // Connection and group state, from the client's side of the exchange
    // (between peers there is no server-side state).
    sessions_.answer(s, ClosedRequest{r->type, r->low, r->from_server, r->frame}, *c);
  }
}

LengthConvention& ExchangeTracker::other_convention(Endpoint sender) {
  const std::uint64_t key = endpoint_key(sender);
  if (key != last_sender_key_) [[unlikely]] {
    last_sender_key_ = key;
    last_sender_convention_ = &other_conventions_[key];  // stable: a node map
  }
  return *last_sender_convention_;
}

// A sender that switches length conventions (§3): the first one it used stays
// the reference, so one odd datagram among many is reported once, as the
// plugin's imup.length_convention_changed does.
void ExchangeTracker::check_length_convention(const Seen& s, LengthConvention& first) {
  const LengthConvention used = length_convention_of(s);
  if (used == LengthConvention::None) return;
  if (first == LengthConvention::None) {
    first = used;
  } else if (used != first) [[unlikely]] {
    sink_.emit(Code::LengthConventionChanged, s,
               used == LengthConvention::Literal
                   ? "the literal count of the text bytes, where this sender used n - 1 before"
                   : "n - 1, where this sender used the literal count of the text bytes before");
  }
}

void ExchangeTracker::sweep(std::int64_t now) {
  last_sweep_ns_ = now;
  ledger_.sweep(now, kForgetIdleNs);
  sessions_.sweep(now, kForgetIdleNs);
  pager_.sweep(now, kForgetIdleNs);
}

void ExchangeTracker::finish(std::int64_t end_ns) {
  ledger_.finish(end_ns);
  pager_.finish(end_ns);
  sessions_.clear();
  other_conventions_.clear();
  last_sender_key_ = ~std::uint64_t{0};
  last_sweep_ns_ = 0;
}

}  // namespace imup::verify
