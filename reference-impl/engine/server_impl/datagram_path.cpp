// SPDX-License-Identifier: GPL-2.0-or-later
// The datagram path: size and rate checks, decoding, duplicates (answered
// again from the answer cache, §6.3), answers to the server's own requests,
// and dispatch of a new request to its handler by type.
#include "codec/codec.hpp"
#include "common/byte_order.hpp"
#include "codec/exchange.hpp"
#include "engine/server_impl/encoding.hpp"
#include "engine/server_impl/impl.hpp"
#include "engine/server_impl/request_tag.hpp"

namespace imup::engine {
namespace {

DropReason drop_reason_for(Fault f) {
  switch (f) {
    case Fault::Truncated: return DropReason::Truncated;
    case Fault::UnknownType: return DropReason::UnknownType;
    case Fault::TextTooLong: return DropReason::TooLong;
    default: return DropReason::Malformed;
  }
}

// The name a refused Connexion asked for, read from the raw text (the decoder
// gives no message when the name breaks §4.2).
std::string raw_first_field(std::span<const std::uint8_t> d) {
  std::string s;
  for (std::size_t i = kHeaderBytes; i < d.size() && d[i] != '\r' && d[i] != '\n' && s.size() < 120; ++i)
    s.push_back(char(d[i]));
  return s;
}

// Whether the header announces an answer that closes one of the server's
// outstanding requests to this client (read before any decoding: the rate
// limits come first).
bool awaited_answer(const ClientRec& c, std::span<const std::uint8_t> d) {
  Header h = unpack(load_be32(d.data()));
  if (h.type < kMinType || h.type > kMaxType) return false;
  auto type = MessageType(h.type);
  return !is_request(type) && c.out.awaits_answer(h.seq, type, true);
}

// The requests whose effect reaches other users: held from an unproved endpoint.
bool reaches_others(MessageType t) {
  return t == MessageType::ChatMessage || t == MessageType::Invitation;
}

}  // namespace

void Server::Impl::on_datagram(const Endpoint& from, std::span<const std::uint8_t> d, Time now) {
  ++counters.datagrams_in;
  counters.bytes_in += d.size();
  if (d.size() < kHeaderBytes) return drop(from, DropReason::Truncated);
  if (d.size() > kMaxDatagramBytes)
    return drop(from, DropReason::TooLong, std::to_string(d.size()) + " bytes");
  ClientRec* c = client_at(from);
  // An answer the server is waiting for passes both rate limits: there can be
  // no more of them than the server's own requests (a window's worth at a
  // time), and throttling them would punish a receiver for the traffic others
  // send it: its ACKs dropped, its window stays full and it is the one removed
  // (PROTOCOL.md §6.5). Everything else, stray answers included, is counted.
  bool awaited = c && awaited_answer(*c, d);
  if (!awaited && !ip_allows(from.ipv4, now)) return drop(from, DropReason::IpRateLimit);
  if (c) {
    if (!awaited && !c->bucket.take(cfg.per_client, now))
      return drop(from, DropReason::ClientRateLimit);
    c->bytes_in += d.size();
    c->last_heard = now;
  }

  Decoded dec = decode(d, cfg.strict_decoding ? Strictness::Strict : Strictness::Lenient);
  std::uint64_t hash = datagram_hash(d);
  if (!dec.ok()) {
    // A Connexion whose name breaks §4.2 is refused with 2, not dropped (§8).
    if (dec.header && dec.header->type == std::uint8_t(MessageType::Connect) && dec.error &&
        dec.error->fault == Fault::BadName)
      return on_bad_name(from, c, dec.header->seq, hash, raw_first_field(d), dec.error->detail,
                         d.size(), now);
    const Problem& p = *dec.error;
    return drop(from, drop_reason_for(p.fault), describe(p));
  }
  Message& m = *dec.message;
  MessageType type = m.type();
  if (!client_may_send(type))
    return drop(from, DropReason::WrongDirection, std::string(english_name(type)));

  if (!c) {
    if (type == MessageType::Connect)
      return on_connect_new(from, m.seq, hash, std::get<Connect>(m.body).name, d.size(), now);
    return on_unknown_endpoint(from, m.seq, hash, type, d.size(), now);
  }
  if (!is_request(type)) return on_answer(*c, m, now);

  auto look = c->cache.classify(m.seq, hash, now, cfg.reliability);
  switch (look.verdict) {
    case AnswerCache::Verdict::Duplicate:
      ++counters.duplicates;
      send_to(*c, *look.answer);
      return;
    case AnswerCache::Verdict::AwaitingDecision:
      return;  // the server decides every answer at once; never reached
    case AnswerCache::Verdict::Stale:
      return drop(from, DropReason::StaleRequest, "sequence number " + std::to_string(m.seq));
    case AnswerCache::Verdict::New:
      break;
  }
  if (!c->proved && reaches_others(type)) return hold(*c, m, hash, d.size());
  dispatch(*c, m, hash, d.size(), now);
}

// A message or an invitation from an endpoint that may be forged waits for
// its return path (§14): nothing it sends reaches anyone before that. It is
// neither acted on nor answered, so a resend while it waits changes nothing,
// and one beyond the few kept is dropped for the sender to resend later.
void Server::Impl::hold(ClientRec& c, Message& m, std::uint64_t hash, std::size_t size) {
  for (const auto& h : c.held)
    if (h.message.seq == m.seq) return;
  if (c.held.size() >= cfg.max_held_unproved)
    return drop(c.endpoint, DropReason::Unproved,
                std::string(english_name(m.type())) + " seq " + std::to_string(m.seq) +
                    " before the return path was proved");
  c.held.push_back(ClientRec::Held{std::move(m), hash, size});
}

// The endpoint answered one of the server's requests: it receives what is
// sent to it (§14). It now counts, and what it sent meanwhile is acted on, in
// the order it came.
void Server::Impl::prove(ClientRec& c, Time now) {
  c.proved = true;
  auto ip = ips.find(c.endpoint.ipv4);
  if (ip != ips.end() && ip->second.unproved > 0) --ip->second.unproved;
  users_changed();
  client_event(ServerEvent::Kind::ClientProved, c);
  auto held = std::move(c.held);
  c.held.clear();
  for (auto& h : held)
    if (c.cache.classify(h.message.seq, h.hash, now, cfg.reliability).verdict ==
        AnswerCache::Verdict::New)
      dispatch(c, h.message, h.hash, h.size, now);
}

void Server::Impl::dispatch(ClientRec& c, Message& m, std::uint64_t hash, std::size_t size, Time now) {
  std::uint16_t seq = m.seq;
  switch (m.type()) {
    case MessageType::Connect: {
      // Not a resend (those were answered from the cache): the program at
      // this endpoint started over, so its old session ends here and both
      // sides number afresh. Requests of the old session die with it.
      Endpoint from = c.endpoint;
      remove_client(c, false, "a new connexion from its endpoint", now);
      on_connect_new(from, seq, hash, std::get<Connect>(m.body).name, size, now);
      return;
    }
    case MessageType::Disconnect: {
      Message ack{seq, Ack{}};
      auto bytes = encode_or_empty(ack);
      linger(c.endpoint, seq, hash, bytes, now);
      send_to(c, std::move(bytes));
      schedule_removal(c, true, "");
      return;
    }
    case MessageType::ListRequest:
      return on_list(c, seq, hash, std::get<ListRequest>(m.body).start_id.value_or(0), now);
    case MessageType::LeaveGroup:
      if (unsettled(c)) return defer(c, m.type());
      return on_leave(c, seq, hash, now);
    case MessageType::ChatMessage: return on_chat(c, seq, hash, std::get<ChatMessage>(m.body), now);
    case MessageType::Invitation:
      if (!c.group && unsettled(c)) return defer(c, m.type());
      return on_invite(c, seq, hash, std::get<Invitation>(m.body), now);
    case MessageType::ChooseMode:
      if (unsettled(c)) return defer(c, m.type());
      return on_choose(c, seq, hash, std::get<ChooseMode>(m.body).mode, now);
    default:
      return;  // answers never reach dispatch
  }
}

void Server::Impl::defer(ClientRec& c, MessageType t) {
  drop(c.endpoint, DropReason::Deferred,
       std::string(english_name(t)) + " while group news is unacknowledged");
}

// An answer to one of the server's requests (its RequestChannel matches it).
void Server::Impl::on_answer(ClientRec& c, const Message& m, Time now) {
  auto r = c.out.take_answer(m.seq, m.type(), true);
  if (!r)
    return drop(c.endpoint, DropReason::UnexpectedAnswer,
                std::string(english_name(m.type())) + " seq " + std::to_string(m.seq));
  c.last_answered = now;
  // Any matching answer shows the endpoint receives what we send (§14).
  if (!c.proved) prove(c, now);
  switch (purpose_of(r->tag)) {
    case Purpose::Probe: c.probe_outstanding = false; break;
    case Purpose::Update:
    case Purpose::Close: news_answered(c, now); break;
    case Purpose::Invite:
      resolve_invitation(c, group_of(r->tag), m.type() == MessageType::AcceptInvitation, now);
      break;
    default: break;
  }
  pump(c, now);
}

}  // namespace imup::engine
