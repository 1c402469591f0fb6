// SPDX-License-Identifier: GPL-2.0-or-later
// The server state machine: one datagram path (checks, decoding, duplicates,
// dispatch by type) and one timer path (retransmissions, probes), both ending
// in the same removal step so that a client is never half removed.
#include "engine/server.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "codec/codec.hpp"
#include "codec/exchange.hpp"
#include "codec/text.hpp"
#include "engine/answer_cache.hpp"
#include "engine/request_channel.hpp"
#include "engine/rng.hpp"
#include "engine/timer_heap.hpp"
#include "engine/token_bucket.hpp"

namespace imup::engine {
namespace {

// The reason texts of PROTOCOL.md §5.1, and short forms for an unproved
// endpoint whose byte budget (§14) the long form would exceed.
struct ReasonText {
  const char* full;
  const char* brief;
};
constexpr ReasonText kNameTaken{"nom de client deja utilise", "nom pris"};
constexpr ReasonText kServerFull{"serveur plein", "plein"};
constexpr ReasonText kTooManyFromIp{"trop de connexions depuis cette adresse", "trop"};
constexpr const char* kModeOffer = "centralise ou decentralise";
constexpr const char* kGroupClosedAlone = "fermer cette messagerie car il reste seule personne";
constexpr const char* kGroupGone = "cette messagerie n'existe plus";
constexpr const char* kUnknownRecipient = "nom de recepteur n'existe pas";
constexpr const char* kCrossesRooms = "Client privee recoit un message public";
constexpr const char* kNoGroup = "Messagerie se termine losqu'il y a plus de clients";
constexpr const char* kLimit = "Nombre de client est superieur au limitation de nombre de groupe";

enum class TimerKind : std::uint64_t { Retransmit = 1, Probe = 2 };
std::uint64_t timer_key(TimerKind k, std::uint16_t slot, std::uint16_t seq) {
  return (std::uint64_t(k) << 32) | (std::uint64_t(slot) << 10) | seq;
}

// What a request the server sent is for, kept in its tag.
enum class Purpose : std::uint64_t { Relay = 1, Update = 2, Probe = 3, Close = 4, Invite = 5 };
std::uint64_t make_tag(Purpose p, std::uint32_t group = 0) {
  return (std::uint64_t(p) << 32) | group;
}
Purpose purpose_of(std::uint64_t tag) { return Purpose(tag >> 32); }
std::uint32_t group_of(std::uint64_t tag) { return std::uint32_t(tag); }

struct EndpointHash {
  std::size_t operator()(const Endpoint& e) const {
    return std::hash<std::uint64_t>()((std::uint64_t(e.ipv4) << 16) | e.port);
  }
};

std::vector<std::uint8_t> encode_or_empty(const Message& m) {
  std::array<std::uint8_t, kMaxDatagramBytes> buf;
  Encoded e = encode(m, buf);
  if (!e.ok()) return {};
  return std::vector<std::uint8_t>(buf.begin(), buf.begin() + e.size);
}

// Rewrites the sequence number of encoded bytes in place: a cached encoding
// (a user-list page, a relayed message) serves every request number.
void set_seq(std::span<std::uint8_t> bytes, std::uint16_t seq) {
  if (bytes.size() < kHeaderBytes) return;
  Header h = unpack(load_be32(bytes.data()));
  h.seq = seq;
  store_be32(bytes.data(), pack(h));
}

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

}  // namespace

// Group news for one client (§9.3, §14): a type-11 list in one or more parts,
// or a 13. Sent stop-and-wait, one part at a time, so that the parts of one
// list reach the client in order with no other 11 or 13 between them.
struct GroupNews {
  MessageType type = MessageType::GroupUpdate;
  std::shared_ptr<const std::vector<SharedBytes>> parts;  // a 13: one part
  std::uint64_t tag = 0;
};

struct ClientRec {
  std::uint64_t generation = 0;
  std::uint16_t id = 0;
  std::string name;
  Endpoint endpoint;
  bool proved = false;
  std::uint64_t bytes_in = 0;   // while unproved: the amplification budget's base
  std::uint64_t bytes_out = 0;
  TokenBucket bucket;
  RequestChannel out;
  AnswerCache cache;
  Time last_heard{};
  Time probe_timer_at{};
  bool probe_outstanding = false;
  std::optional<std::uint32_t> group;
  std::optional<std::vector<std::string>> offer;  // invitees of a 19 answered by 10
  // Front: the news being sent, its part `news_part` submitted and unanswered;
  // behind it, news waiting its turn.
  std::deque<GroupNews> news;
  std::size_t news_part = 0;
};

struct GroupRec {
  std::uint32_t id = 0;
  Mode mode = Mode::Centralized;
  std::vector<std::uint16_t> members;   // slots, in joining order
  std::vector<std::uint16_t> invitees;  // slots invited, not yet answered
};

struct IpState {
  TokenBucket bucket;
  std::size_t registrations = 0;
};

// The answer to an endpoint's last request after it left (a resent
// Deconnexion) or was refused (a resent Connexion): §6.3 outlives the client.
struct Lingering {
  std::uint16_t seq = 0;
  std::uint64_t hash = 0;
  std::vector<std::uint8_t> answer;  // empty: none to repeat
  Time until{};
  std::optional<std::uint16_t> next_seq;  // where the ended session's numbering stood
  // The ended session's answer cache: the program there keeps numbering on,
  // so its late resends are still recognised, now or in its next session.
  std::optional<AnswerCache> cache;
};

struct Server::Impl {
  ServerConfig cfg;
  ServerCounters counters;
  Rng rng;
  TimerHeap timers;
  // Datagrams waiting for poll_transmit: out[out_head, out_len). The slots
  // are kept, not destroyed, and poll_transmit swaps buffers with the
  // caller's Transmit, so a driver that reuses its Transmits (the I/O shell
  // does) makes the steady state allocate nothing.
  std::vector<Transmit> out;
  std::size_t out_head = 0;
  std::size_t out_len = 0;
  static constexpr std::size_t kKeptOutSlots = 256;  // beyond: freed once drained

  // Encoded user-list pages (4 -> 8) by start id, with sequence number 0,
  // valid while users_version is list_pages_version. Building a page scans
  // every slot and the codec checks every name again, so a page is built once
  // per change of the user table, not once per request.
  std::uint64_t users_version = 1;
  std::uint64_t list_pages_version = 0;
  std::unordered_map<std::uint16_t, std::vector<std::uint8_t>> list_pages;
  std::deque<ServerEvent> events;

  std::array<std::unique_ptr<ClientRec>, kMaxClients> slots;
  std::unordered_map<Endpoint, std::uint16_t, EndpointHash> by_endpoint;
  std::unordered_map<std::string, std::uint16_t> by_name;
  std::unordered_map<std::uint32_t, IpState> ips;
  Time last_ip_sweep{};
  std::map<std::uint32_t, GroupRec> groups;
  std::uint32_t next_group_id = 1;
  std::uint64_t next_generation = 1;
  std::unordered_map<Endpoint, Lingering, EndpointHash> lingering;
  std::deque<std::pair<Time, Endpoint>> lingering_order;

  struct Removal {
    std::uint16_t slot;
    std::uint64_t generation;
    bool by_request;  // its own Deconnexion, or given up on
    std::string detail;
  };
  std::vector<Removal> removals;

  explicit Impl(const ServerConfig& c) : cfg(c), rng(c.rng_seed) {}

  // ---- events and counters --------------------------------------------------

  void push_event(ServerEvent e) {
    if (events.size() >= cfg.max_events) {
      ++counters.events_lost;
      return;
    }
    events.push_back(std::move(e));
  }
  void drop(const Endpoint& from, DropReason why, std::string detail = {}) {
    ++counters.drops[std::size_t(why)];
    ServerEvent e;
    e.kind = ServerEvent::Kind::Dropped;
    e.endpoint = from;
    e.drop = why;
    e.detail = std::move(detail);
    push_event(std::move(e));
  }
  void client_event(ServerEvent::Kind k, const ClientRec& c, std::string detail = {}) {
    ServerEvent e;
    e.kind = k;
    e.endpoint = c.endpoint;
    e.name = c.name;
    e.group = c.group.value_or(0);
    e.detail = std::move(detail);
    push_event(std::move(e));
  }

  // ---- sending ----------------------------------------------------------------

  // Something a user list shows changed: who is there, proved, in a group.
  void users_changed() { ++users_version; }

  // Queues a copy of bytes for `to`, in a kept slot; returns the copy.
  std::span<std::uint8_t> emit(const Endpoint& to, std::span<const std::uint8_t> bytes) {
    ++counters.datagrams_out;
    counters.bytes_out += bytes.size();
    if (out_len == out.size()) out.emplace_back();
    Transmit& t = out[out_len++];
    t.peer = to;
    t.bytes.assign(bytes.begin(), bytes.end());
    return t.bytes;
  }
  // Every datagram to a client goes through here: an unproved endpoint gets at
  // most amplification_factor times the bytes it sent (§14).
  // Returns the queued copy, empty when withheld.
  std::span<std::uint8_t> send_to(ClientRec& c, std::span<const std::uint8_t> bytes) {
    if (!c.proved && c.bytes_out + bytes.size() > cfg.amplification_factor * c.bytes_in) {
      drop(c.endpoint, DropReason::Amplification,
           "withheld " + std::to_string(bytes.size()) + " bytes to an unproved endpoint");
      return {};
    }
    c.bytes_out += bytes.size();
    return emit(c.endpoint, bytes);
  }
  // Answers request (seq, hash) and remembers the answer for duplicates.
  void answer(ClientRec& c, std::uint16_t seq, std::uint64_t hash, Body body, Time now) {
    std::array<std::uint8_t, kMaxDatagramBytes> buf;
    Encoded e = encode(Message{seq, std::move(body)}, buf);
    if (!e.ok()) return;  // every answer the server builds fits; defensive
    answer_bytes(c, seq, hash, std::span<const std::uint8_t>(buf.data(), e.size), now);
  }
  void answer_bytes(ClientRec& c, std::uint16_t seq, std::uint64_t hash,
                    std::span<const std::uint8_t> bytes, Time now) {
    c.cache.store(seq, hash, bytes, now, cfg.reliability);
    send_to(c, bytes);
  }

  void transmit_request(ClientRec& c, const OutstandingRequest& r) {
    set_seq(send_to(c, *r.bytes), r.seq);
    timers.arm(r.deadline, timer_key(TimerKind::Retransmit, c.id, r.seq), c.generation);
  }
  void pump(ClientRec& c, Time now) {
    c.out.pump(cfg.reliability, rng, now,
               [&](const OutstandingRequest& r) { transmit_request(c, r); });
  }
  // Queues a request to a client; a client that lets too many pile up is
  // treated as gone (its window never drains).
  void request(ClientRec& c, MessageType type, SharedBytes bytes, std::uint64_t tag, Time now) {
    if (!c.out.submit(type, std::move(bytes), tag, cfg.max_queued_per_client)) {
      drop(c.endpoint, DropReason::QueueFull, "too many requests waiting for its window");
      schedule_removal(c, false, "its window stayed full");
      return;
    }
    pump(c, now);
  }
  void request(ClientRec& c, Body body, std::uint64_t tag, Time now) {
    Message m{0, std::move(body)};
    auto type = m.type();
    auto bytes = encode_or_empty(m);
    if (bytes.empty()) return;
    request(c, type, std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes)), tag, now);
  }

  // ---- group news, stop-and-wait ---------------------------------------------------

  // Queues an 11 (all its parts) or a 13 for `c`. A newer list of the same
  // group replaces one that waits unsent behind the news in flight: the
  // client needs only the latest, and nothing is reordered.
  void send_news(ClientRec& c, GroupNews n, Time now) {
    if (n.type == MessageType::GroupUpdate && c.news.size() >= 2 &&
        c.news.back().type == MessageType::GroupUpdate && c.news.back().tag == n.tag) {
      c.news.back() = std::move(n);
      return;
    }
    c.news.push_back(std::move(n));
    if (c.news.size() == 1) submit_news_part(c, now);
  }
  void submit_news_part(ClientRec& c, Time now) {
    const GroupNews& n = c.news.front();
    request(c, n.type, (*n.parts)[c.news_part], n.tag, now);
  }
  // The client acknowledged the news part in flight: the next part, or the
  // next news, may go.
  void news_answered(ClientRec& c, Time now) {
    if (c.news.empty()) return;
    if (++c.news_part < c.news.front().parts->size()) return submit_news_part(c, now);
    c.news.pop_front();
    c.news_part = 0;
    if (!c.news.empty()) submit_news_part(c, now);
  }
  void send_closed(ClientRec& c, const char* reason, Time now) {
    Message m{0, GroupClosed{reason}};
    auto bytes = encode_or_empty(m);
    if (bytes.empty()) return;
    auto parts = std::make_shared<std::vector<SharedBytes>>();
    parts->push_back(std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes)));
    send_news(c, GroupNews{MessageType::GroupClosed, std::move(parts), make_tag(Purpose::Close)}, now);
  }

  // ---- lookups ----------------------------------------------------------------

  ClientRec* client_at(const Endpoint& e) {
    auto it = by_endpoint.find(e);
    return it == by_endpoint.end() ? nullptr : slots[it->second].get();
  }
  ClientRec* client_named(const std::string& n) {
    auto it = by_name.find(n);
    return it == by_name.end() ? nullptr : slots[it->second].get();
  }
  GroupRec* group(std::optional<std::uint32_t> id) {
    if (!id) return nullptr;
    auto it = groups.find(*id);
    return it == groups.end() ? nullptr : &it->second;
  }

  // ---- rate limits -------------------------------------------------------------

  bool ip_allows(std::uint32_t ip, Time now) {
    auto it = ips.find(ip);
    if (it == ips.end()) {
      if (ips.size() >= cfg.max_tracked_ips) sweep_ips(now);
      if (ips.size() >= cfg.max_tracked_ips) return false;  // under a spoofing flood
      it = ips.emplace(ip, IpState{}).first;
    }
    return it->second.bucket.take(cfg.per_ip, now);
  }
  // Forgets addresses with nobody registered whose bucket is full again: they
  // would behave as new ones. At most once a second, so a flood costs O(1) each.
  void sweep_ips(Time now) {
    if (now - last_ip_sweep < Millis(1000) && last_ip_sweep != Time{}) return;
    last_ip_sweep = now;
    for (auto it = ips.begin(); it != ips.end();) {
      if (it->second.registrations == 0 && it->second.bucket.full(cfg.per_ip, now))
        it = ips.erase(it);
      else
        ++it;
    }
  }

  // ---- the datagram path -------------------------------------------------------

  void on_datagram(const Endpoint& from, std::span<const std::uint8_t> d, Time now) {
    ++counters.datagrams_in;
    counters.bytes_in += d.size();
    if (d.size() < kHeaderBytes) return drop(from, DropReason::Truncated);
    if (d.size() > kMaxDatagramBytes)
      return drop(from, DropReason::TooLong, std::to_string(d.size()) + " bytes");
    if (!ip_allows(from.ipv4, now)) return drop(from, DropReason::IpRateLimit);
    ClientRec* c = client_at(from);
    if (c) {
      if (!c->bucket.take(cfg.per_client, now)) return drop(from, DropReason::ClientRateLimit);
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
    dispatch(*c, m, hash, d.size(), now);
  }

  void on_unknown_endpoint(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                           MessageType type, std::size_t size, Time now) {
    auto it = lingering.find(from);
    if (it != lingering.end() && it->second.until >= now && !it->second.answer.empty() &&
        it->second.seq == seq && it->second.hash == hash &&
        it->second.answer.size() <= cfg.amplification_factor * size) {
      ++counters.duplicates;
      emit(from, it->second.answer);
      return;
    }
    if (it != lingering.end() && it->second.until >= now && it->second.cache) {
      auto look = it->second.cache->classify(seq, hash, now, cfg.reliability);
      if (look.verdict == AnswerCache::Verdict::Duplicate &&
          look.answer->size() <= cfg.amplification_factor * size) {
        ++counters.duplicates;
        emit(from, *look.answer);
        return;
      }
    }
    drop(from, DropReason::UnknownEndpoint, std::string(english_name(type)) + " from no client");
  }

  void linger(const Endpoint& ep, std::uint16_t seq, std::uint64_t hash,
              std::vector<std::uint8_t> answer, Time now) {
    while (!lingering_order.empty() &&
           (lingering_order.front().first < now || lingering_order.size() >= 4 * kMaxClients)) {
      auto it = lingering.find(lingering_order.front().second);
      if (it != lingering.end() && it->second.until == lingering_order.front().first)
        lingering.erase(it);
      lingering_order.pop_front();
    }
    Time until = now + cfg.reliability.answer_cache_lifetime;
    auto old = lingering.find(ep);
    Lingering l{seq, hash, std::move(answer), until, std::nullopt, std::nullopt};
    if (old != lingering.end() && old->second.until >= now) {
      l.next_seq = old->second.next_seq;
      l.cache = std::move(old->second.cache);
    }
    lingering[ep] = std::move(l);
    lingering_order.emplace_back(until, ep);
  }

  // A refusal (2) to an endpoint with no client: stateless except for the
  // lingering copy, and within the budget of the one datagram it answers.
  void refuse_unknown(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                      const std::string& asked, const std::string& full, const std::string& brief,
                      std::size_t size, Time now) {
    std::size_t budget = cfg.amplification_factor * size;
    auto bytes = encode_or_empty(Message{seq, ConnectRefused{full}});
    if (bytes.size() > budget) bytes = encode_or_empty(Message{seq, ConnectRefused{brief}});
    ServerEvent e;
    e.kind = ServerEvent::Kind::ConnectRefused;
    e.endpoint = from;
    e.name = asked;
    e.detail = full;
    push_event(std::move(e));
    if (bytes.empty() || bytes.size() > budget) {
      drop(from, DropReason::Amplification, "refusal larger than the budget of its request");
      return;
    }
    linger(from, seq, hash, bytes, now);
    emit(from, std::move(bytes));
  }

  void on_bad_name(const Endpoint& from, ClientRec* c, std::uint16_t seq, std::uint64_t hash,
                   const std::string& asked, const std::string& why, std::size_t size, Time now) {
    std::string full = "nom invalide: " + why;
    if (c) {
      auto look = c->cache.classify(seq, hash, now, cfg.reliability);
      if (look.verdict == AnswerCache::Verdict::Duplicate) {
        ++counters.duplicates;
        send_to(*c, *look.answer);
        return;
      }
      answer(*c, seq, hash, ConnectRefused{full}, now);
      return;
    }
    refuse_unknown(from, seq, hash, asked, full, "nom invalide", size, now);
  }

  void on_connect_new(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                      const std::string& name, std::size_t size, Time now) {
    // A resent Connexion whose refusal was lost gets the same refusal.
    auto lit = lingering.find(from);
    if (lit != lingering.end() && lit->second.until >= now && !lit->second.answer.empty() &&
        lit->second.seq == seq && lit->second.hash == hash) {
      ++counters.duplicates;
      if (lit->second.answer.size() <= cfg.amplification_factor * size)
        emit(from, lit->second.answer);
      return;
    }
    auto chars = utf8_length(name).value_or(0);
    if (chars > cfg.max_name_chars)
      return refuse_unknown(from, seq, hash, name,
                            "nom invalide: plus de " + std::to_string(cfg.max_name_chars) +
                                " caracteres",
                            "nom invalide", size, now);
    if (by_name.count(name))
      return refuse_unknown(from, seq, hash, name, kNameTaken.full, kNameTaken.brief, size, now);
    if (by_endpoint.size() >= cfg.max_clients)
      return refuse_unknown(from, seq, hash, name, kServerFull.full, kServerFull.brief, size, now);
    IpState& ip = ips[from.ipv4];
    if (ip.registrations >= cfg.max_registrations_per_ip)
      return refuse_unknown(from, seq, hash, name, kTooManyFromIp.full, kTooManyFromIp.brief, size,
                            now);

    // A new session at an endpoint that had one lately numbers half the
    // sequence space away from it, so that the program there, which may keep
    // the old session's answers for its late resends, never takes one
    // request for the other.
    std::uint16_t first_seq = 0;
    if (lit != lingering.end() && lit->second.until >= now && lit->second.next_seq)
      first_seq = std::uint16_t((*lit->second.next_seq + kSeqModulo / 2) & (kSeqModulo - 1));

    std::uint16_t slot = 0;
    while (slot < kMaxClients && slots[slot]) ++slot;
    if (slot == kMaxClients)  // cannot happen: max_clients <= 1024
      return refuse_unknown(from, seq, hash, name, kServerFull.full, kServerFull.brief, size, now);

    auto rec = std::make_unique<ClientRec>();
    ClientRec& c = *rec;
    c.generation = next_generation++;
    c.id = slot;
    c.name = name;
    c.endpoint = from;
    c.proved = !cfg.prove_return_path;
    c.bytes_in = size;
    c.last_heard = now;
    c.bucket.take(cfg.per_client, now);
    c.out = RequestChannel(first_seq);
    if (lit != lingering.end() && lit->second.until >= now && lit->second.cache)
      c.cache = std::move(*lit->second.cache);
    slots[slot] = std::move(rec);
    users_changed();
    by_endpoint[from] = slot;
    by_name[name] = slot;
    ++ip.registrations;
    counters.clients = by_endpoint.size();
    lingering.erase(from);

    answer(c, seq, hash, Ack{}, now);
    client_event(ServerEvent::Kind::ClientConnected, c);
    if (!c.proved) send_probe(c, now);
    arm_probe_timer(c, now + cfg.probe_interval);
  }

  void dispatch(ClientRec& c, Message& m, std::uint64_t hash, std::size_t size, Time now) {
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

  // ---- requests, one handler each -----------------------------------------------

  // A client opening a group must have seen every 11 and 13 we sent it: the
  // ACK of its 20 is not ordered with our requests, so a late 13 about its
  // old group would otherwise close the new one in its eyes. Its request is
  // left unanswered (not cached); its own timer resends it.
  // An 11 counts as unacknowledged until its last part is (§14).
  bool unsettled(const ClientRec& c) const { return !c.news.empty(); }
  void defer(ClientRec& c, MessageType t) {
    drop(c.endpoint, DropReason::Deferred,
         std::string(english_name(t)) + " while group news is unacknowledged");
  }

  void on_list(ClientRec& c, std::uint16_t seq, std::uint64_t hash, std::uint16_t start, Time now) {
    if (list_pages_version != users_version) {
      list_pages.clear();
      list_pages_version = users_version;
    }
    auto it = list_pages.find(start);
    if (it == list_pages.end()) it = list_pages.emplace(start, list_page(start)).first;
    if (it->second.empty()) return;  // every page fits; defensive
    std::array<std::uint8_t, kMaxDatagramBytes> buf;
    std::copy(it->second.begin(), it->second.end(), buf.begin());
    std::span<std::uint8_t> bytes(buf.data(), it->second.size());
    set_seq(bytes, seq);
    answer_bytes(c, seq, hash, bytes, now);
  }
  // The page of users from slot `start` on, encoded with sequence number 0.
  std::vector<std::uint8_t> list_page(std::uint16_t start) const {
    UserListPage page;
    std::size_t bytes = 0;
    for (std::size_t s = start; s < kMaxClients; ++s) {
      const ClientRec* u = slots[s].get();
      if (!u || !u->proved) continue;
      std::size_t need = kHeaderBytes + u->name.size();
      if (bytes + need > kMaxTextBytes) {
        page.more = true;
        break;
      }
      bytes += need;
      page.entries.push_back(UserEntry{u->group ? Room::Private : Room::Public, u->id, u->name});
    }
    return encode_or_empty(Message{0, std::move(page)});
  }

  void on_leave(ClientRec& c, std::uint16_t seq, std::uint64_t hash, Time now) {
    c.offer.reset();
    GroupRec* g = group(c.group);
    if (!g) {
      c.group.reset();
      users_changed();
      return answer(c, seq, hash, GroupEnded{kNoGroup}, now);
    }
    answer(c, seq, hash, Ack{}, now);
    leave_group(c, *g, now);
  }

  void on_chat(ClientRec& c, std::uint16_t seq, std::uint64_t hash, const ChatMessage& msg,
               Time now) {
    GroupRec* g = group(c.group);
    if (msg.room == Room::Public && g) return answer(c, seq, hash, CrossesRooms{kCrossesRooms}, now);
    if (msg.room == Room::Private && !g) return answer(c, seq, hash, GroupEnded{kNoGroup}, now);

    Relayed relayed{msg.message, c.name, msg.recipient};
    auto bytes = encode_or_empty(Message{0, relayed});
    if (bytes.empty())
      // 9 adds the sender's name to the 18's text: a message that fits an 18
      // may not fit a 9. Refused, never cut (§8); 14 is the draft's
      // "EnvoieInvalide", the only answer of 18 that can say so.
      return answer(c, seq, hash,
                    UnknownRecipient{"message trop long pour etre relaye avec le nom de l'expediteur"},
                    now);
    auto shared = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));

    if (msg.recipient) {
      ClientRec* r = client_named(*msg.recipient);
      if (!r || !r->proved)
        return answer(c, seq, hash, UnknownRecipient{std::string(kUnknownRecipient) + ": " + *msg.recipient},
                      now);
      if (r->group != c.group) return answer(c, seq, hash, CrossesRooms{kCrossesRooms}, now);
      answer(c, seq, hash, Ack{}, now);
      request(*r, MessageType::Relayed, shared, make_tag(Purpose::Relay), now);
      return;
    }
    answer(c, seq, hash, Ack{}, now);
    if (g) {
      for (auto s : g->members)
        if (s != c.id) request(*slots[s], MessageType::Relayed, shared, make_tag(Purpose::Relay), now);
      return;
    }
    for (auto& u : slots)
      if (u && u.get() != &c && u->proved && !u->group)
        request(*u, MessageType::Relayed, shared, make_tag(Purpose::Relay), now);
  }

  // Table 1: at most max_group_members members, pending invitees included.
  // The list itself may take several 11s (§9.3), so its bytes set no limit.
  bool group_fits(std::size_t members) const { return members <= cfg.max_group_members; }

  void on_invite(ClientRec& c, std::uint16_t seq, std::uint64_t hash, const Invitation& inv,
                 Time now) {
    GroupRec* g = group(c.group);
    std::vector<ClientRec*> invitees;
    for (const auto& n : inv.names) {
      if (n == c.name) continue;
      ClientRec* r = client_named(n);
      if (!r || !r->proved)
        return answer(c, seq, hash, UnknownRecipient{std::string(kUnknownRecipient) + ": " + n}, now);
      if (std::find(invitees.begin(), invitees.end(), r) != invitees.end()) continue;
      if (g && (std::count(g->members.begin(), g->members.end(), r->id) ||
                std::count(g->invitees.begin(), g->invitees.end(), r->id)))
        continue;  // already in, or already asked
      invitees.push_back(r);
    }
    if (invitees.empty() && !g)
      return answer(c, seq, hash, UnknownRecipient{std::string(kUnknownRecipient) + ": aucun invite"},
                    now);

    std::size_t would_be = (g ? g->members.size() + g->invitees.size() : 1) + invitees.size();
    if (!group_fits(would_be)) return answer(c, seq, hash, LimitReached{kLimit}, now);

    if (!g) {
      std::vector<std::string> names;
      for (auto* r : invitees) names.push_back(r->name);
      c.offer = std::move(names);
      return answer(c, seq, hash, ModeOffer{kModeOffer}, now);
    }
    answer(c, seq, hash, Ack{}, now);
    for (auto* r : invitees) invite(c, *g, *r, now);
  }

  void on_choose(ClientRec& c, std::uint16_t seq, std::uint64_t hash, Mode mode, Time now) {
    if (!c.offer || c.group) return answer(c, seq, hash, GroupEnded{kNoGroup}, now);
    if (groups.size() >= cfg.max_groups) return answer(c, seq, hash, LimitReached{kLimit}, now);
    std::vector<ClientRec*> invitees;
    for (const auto& n : *c.offer) {
      ClientRec* r = client_named(n);
      if (r && r != &c && r->proved) invitees.push_back(r);
    }
    if (!group_fits(1 + invitees.size())) return answer(c, seq, hash, LimitReached{kLimit}, now);
    c.offer.reset();

    std::uint32_t id = next_group_id++;
    GroupRec& g = groups[id];
    g.id = id;
    g.mode = mode;
    g.members.push_back(c.id);
    c.group = id;
    users_changed();
    counters.groups = groups.size();
    answer(c, seq, hash, Ack{}, now);
    client_event(ServerEvent::Kind::GroupOpened, c,
                 mode == Mode::Centralized ? "centralise" : "decentralise");
    for (auto* r : invitees) invite(c, g, *r, now);
    settle(id, false, now);  // nobody left to invite: closed at once
  }

  // Sends the relayed invitation (19) and records the pending invitee. Its
  // names are the inviter, then the other members in joining order as many
  // as fit one text (§9.2 step 4): a group of long names outgrows 1024
  // bytes, and the invitee learns the whole list from the 11 on joining.
  void invite(const ClientRec& inviter, GroupRec& g, ClientRec& r, Time now) {
    Invitation inv;
    inv.room = Room::Private;
    inv.mode = g.mode;
    inv.names.push_back(inviter.name);
    std::size_t bytes_so_far = inviter.name.size() + 2;  // + CRLF
    for (auto s : g.members) {
      const std::string& n = slots[s]->name;
      if (s == inviter.id) continue;
      if (bytes_so_far + 1 + n.size() > kMaxTextBytes) break;
      bytes_so_far += 1 + n.size();
      inv.names.push_back(n);
    }
    inv.note = inviter.name + " vous invite messagerie";
    auto bytes = encode_or_empty(Message{0, inv});
    if (bytes.empty()) {
      inv.note.clear();  // the note is ours to omit; the names are not
      bytes = encode_or_empty(Message{0, inv});
    }
    if (bytes.empty()) return;
    g.invitees.push_back(r.id);
    request(r, MessageType::Invitation, std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes)),
            make_tag(Purpose::Invite, g.id), now);
  }

  // ---- answers to the server's requests ----------------------------------------

  void on_answer(ClientRec& c, const Message& m, Time now) {
    auto r = c.out.take_answer(m.seq, m.type(), true);
    if (!r)
      return drop(c.endpoint, DropReason::UnexpectedAnswer,
                  std::string(english_name(m.type())) + " seq " + std::to_string(m.seq));
    // Any matching answer shows the endpoint receives what we send (§14).
    if (!c.proved) {
      c.proved = true;
      users_changed();
      client_event(ServerEvent::Kind::ClientProved, c);
    }
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

  void resolve_invitation(ClientRec& c, std::uint32_t gid, bool accepted, Time now) {
    GroupRec* g = group(gid);
    if (!g) {
      // The group closed while the invitee thought: tell an accepting one.
      if (accepted && !c.group) send_closed(c, kGroupGone, now);
      return;
    }
    auto it = std::find(g->invitees.begin(), g->invitees.end(), c.id);
    if (it == g->invitees.end()) return;
    g->invitees.erase(it);
    bool joins = accepted && !c.group;
    if (joins) {
      g->members.push_back(c.id);
      c.group = gid;
      users_changed();
      c.offer.reset();
    } else if (accepted) {
      // Accepted while in another group: that is a refusal. Tell it so.
    }
    settle(gid, joins, now);
  }

  // ---- groups ------------------------------------------------------------------

  void leave_group(ClientRec& c, GroupRec& g, Time now) {
    auto gid = g.id;
    g.members.erase(std::remove(g.members.begin(), g.members.end(), c.id), g.members.end());
    c.group.reset();
    users_changed();
    settle(gid, true, now);
  }

  // After a group changed: close it if one member is left with nobody
  // invited (13, §9.5), forget it if empty, else tell the members (11).
  void settle(std::uint32_t gid, bool membership_changed, Time now) {
    GroupRec* g = group(gid);
    if (!g) return;
    if (g->members.empty()) {
      for (auto s : g->invitees) (void)s;  // their answers will find no group
      close_group(gid, "plus aucun membre");
      return;
    }
    if (g->members.size() == 1 && g->invitees.empty()) {
      ClientRec& last = *slots[g->members.front()];
      last.group.reset();
      users_changed();
      close_group(gid, "un seul membre");
      send_closed(last, kGroupClosedAlone, now);
      return;
    }
    if (!membership_changed) return;
    auto parts = update_parts(*g);
    if (parts->empty()) return;  // every member line fits a part; defensive
    for (auto s : g->members)
      send_news(*slots[s], GroupNews{MessageType::GroupUpdate, parts, make_tag(Purpose::Update, gid)},
                now);
  }

  // The group's member list (§9.3) as type-11 parts of at most 1024 text
  // bytes, split between member lines; every part but the last has M set.
  // Encoded once, shared by every member's copy.
  std::shared_ptr<const std::vector<SharedBytes>> update_parts(const GroupRec& g) const {
    auto parts = std::make_shared<std::vector<SharedBytes>>();
    GroupUpdate part;
    std::size_t bytes = 0;
    auto flush = [&](bool more) {
      part.more = more;
      auto encoded = encode_or_empty(Message{0, part});
      if (encoded.empty()) return false;
      parts->push_back(std::make_shared<const std::vector<std::uint8_t>>(std::move(encoded)));
      part.members.clear();
      bytes = 0;
      return true;
    };
    for (auto s : g.members) {
      const ClientRec& m = *slots[s];
      GroupMember gm{m.name, std::nullopt};
      std::size_t line = m.name.size() + 2;
      if (g.mode == Mode::Decentralized) {
        gm.endpoint = m.endpoint;
        line += 1 + format_endpoint(m.endpoint).size();
      }
      if (bytes + line > kMaxTextBytes && !part.members.empty() && !flush(true)) {
        parts->clear();
        return parts;
      }
      part.members.push_back(std::move(gm));
      bytes += line;
    }
    if (!flush(false)) parts->clear();
    return parts;
  }

  void close_group(std::uint32_t gid, const std::string& why) {
    ServerEvent e;
    e.kind = ServerEvent::Kind::GroupClosed;
    e.group = gid;
    e.detail = why;
    push_event(std::move(e));
    groups.erase(gid);
    counters.groups = groups.size();
  }

  // ---- liveness and removal -------------------------------------------------------

  void send_probe(ClientRec& c, Time now) {
    c.probe_outstanding = true;
    request(c, LivenessProbe{}, make_tag(Purpose::Probe), now);
  }
  void arm_probe_timer(ClientRec& c, Time at) {
    c.probe_timer_at = at;
    timers.arm(at, timer_key(TimerKind::Probe, c.id, 0), c.generation);
  }
  // §9.4: members of a group every interval; anybody silent that long.
  void on_probe_timer(ClientRec& c, Time at, Time now) {
    if (c.probe_timer_at != at) return;
    bool due = c.group.has_value() || now - c.last_heard >= cfg.probe_interval;
    if (due && !c.probe_outstanding) send_probe(c, now);
    arm_probe_timer(c, due ? now + cfg.probe_interval : c.last_heard + cfg.probe_interval);
  }

  void schedule_removal(ClientRec& c, bool by_request, std::string detail) {
    removals.push_back(Removal{c.id, c.generation, by_request, std::move(detail)});
  }

  void process_removals(Time now) {
    while (!removals.empty()) {
      Removal r = std::move(removals.back());
      removals.pop_back();
      ClientRec* c = slots[r.slot].get();
      if (!c || c->generation != r.generation) continue;
      remove_client(*c, r.by_request, r.detail, now);
    }
  }

  void remove_client(ClientRec& c, bool by_request, const std::string& detail, Time now) {
    if (by_request) {
      client_event(ServerEvent::Kind::ClientDisconnected, c);
    } else {
      ++counters.clients_removed;
      client_event(ServerEvent::Kind::ClientGaveUp, c, detail);
    }
    std::uint16_t slot = c.id;
    if (GroupRec* g = group(c.group)) leave_group(c, *g, now);
    std::vector<std::uint32_t> touched;
    for (auto& [gid, g] : groups) {
      auto it = std::find(g.invitees.begin(), g.invitees.end(), slot);
      if (it != g.invitees.end()) {
        g.invitees.erase(it);
        touched.push_back(gid);
      }
    }
    auto lit = lingering.find(c.endpoint);
    if (lit == lingering.end() || lit->second.until < now) {
      linger(c.endpoint, 0, 0, {}, now);
      lit = lingering.find(c.endpoint);
    }
    lit->second.next_seq = c.out.next_seq();
    lit->second.cache = std::move(c.cache);
    auto ip = ips.find(c.endpoint.ipv4);
    if (ip != ips.end() && ip->second.registrations > 0) --ip->second.registrations;
    by_name.erase(c.name);
    by_endpoint.erase(c.endpoint);
    slots[slot].reset();  // its timers are now stale (generation)
    users_changed();
    counters.clients = by_endpoint.size();
    for (auto gid : touched) settle(gid, false, now);
  }

  void on_timer(const TimerEntry& e, Time now) {
    auto kind = TimerKind(e.key >> 32);
    auto slot = std::uint16_t((e.key >> 10) & 0x3FF);
    auto seq = std::uint16_t(e.key & 0x3FF);
    ClientRec* c = slots[slot].get();
    if (!c || c->generation != e.key2) return;
    if (kind == TimerKind::Probe) return on_probe_timer(*c, e.at, now);

    OutstandingRequest* resend = nullptr;
    OutstandingRequest gone;
    switch (c->out.on_timer(seq, e.at, now, cfg.reliability, resend, gone)) {
      case RequestChannel::TimerVerdict::Stale: return;
      case RequestChannel::TimerVerdict::Resend:
        ++counters.retransmissions;
        transmit_request(*c, *resend);
        return;
      case RequestChannel::TimerVerdict::GiveUp:
        ++counters.give_ups;
        if (purpose_of(gone.tag) == Purpose::Invite) {
          // §9.2 step 5: an invitee that never answers has refused.
          resolve_invitation(*c, group_of(gone.tag), false, now);
          pump(*c, now);
          return;
        }
        schedule_removal(*c, false,
                         "no answer to " + std::string(english_name(gone.type)) + " after " +
                             std::to_string(gone.tries) + " tries");
        return;
    }
  }
};

// ---- the public surface ----------------------------------------------------------

Server::Server(const ServerConfig& config) {
  if (auto p = check_config(config)) throw std::invalid_argument(*p);
  impl_ = std::make_unique<Impl>(config);
}
Server::~Server() = default;
Server::Server(Server&&) noexcept = default;
Server& Server::operator=(Server&&) noexcept = default;

void Server::handle_datagram(const Endpoint& from, std::span<const std::uint8_t> datagram,
                             Time now) {
  impl_->on_datagram(from, datagram, now);
  impl_->process_removals(now);
}

void Server::handle_timeout(Time now) {
  TimerEntry e;
  while (impl_->timers.pop_due(now, e)) {
    impl_->on_timer(e, now);
    impl_->process_removals(now);
  }
}

std::optional<Time> Server::poll_timeout() const { return impl_->timers.next(); }

bool Server::poll_transmit(Transmit& out) {
  Impl& i = *impl_;
  if (i.out_head == i.out_len) return false;
  Transmit& t = i.out[i.out_head++];
  out.peer = t.peer;
  out.bytes.swap(t.bytes);  // the caller's old buffer is reused for a later datagram
  if (i.out_head == i.out_len) {
    i.out_head = i.out_len = 0;
    if (i.out.size() > Impl::kKeptOutSlots) i.out.resize(Impl::kKeptOutSlots);
  }
  return true;
}

bool Server::poll_event(ServerEvent& out) {
  if (impl_->events.empty()) return false;
  out = std::move(impl_->events.front());
  impl_->events.pop_front();
  return true;
}

std::optional<std::string> Server::reconfigure(const ServerConfig& config) {
  if (auto p = check_config(config)) return p;
  auto seed = impl_->cfg.rng_seed;
  impl_->cfg = config;
  impl_->cfg.rng_seed = seed;
  return std::nullopt;
}

const ServerConfig& Server::config() const { return impl_->cfg; }
const ServerCounters& Server::counters() const { return impl_->counters; }

std::vector<ServerUserView> Server::users() const {
  std::vector<ServerUserView> v;
  for (const auto& c : impl_->slots)
    if (c) v.push_back(ServerUserView{c->name, c->endpoint, c->id, c->proved, c->group});
  return v;
}

std::vector<ServerGroupView> Server::groups() const {
  std::vector<ServerGroupView> v;
  for (const auto& [id, g] : impl_->groups) {
    ServerGroupView gv{id, g.mode, {}, {}};
    for (auto s : g.members) gv.members.push_back(impl_->slots[s]->name);
    for (auto s : g.invitees) gv.invitees.push_back(impl_->slots[s]->name);
    v.push_back(std::move(gv));
  }
  return v;
}

std::size_t Server::memory_bytes() const {
  // Capacities of what each client owns, plus a hash-node estimate for its
  // two index entries and its address entry.
  constexpr std::size_t kNode = 64;
  std::size_t n = sizeof(Impl);
  for (const auto& c : impl_->slots) {
    if (!c) continue;
    n += sizeof(ClientRec) + c->name.capacity() + c->out.memory_bytes() + c->cache.memory_bytes() +
         3 * kNode + c->news.size() * sizeof(GroupNews);
  }
  for (const auto& [id, g] : impl_->groups)
    n += sizeof(GroupRec) + kNode + (g.members.capacity() + g.invitees.capacity()) * 2;
  n += impl_->timers.size() * sizeof(TimerEntry);
  // Kept buffers: datagram slots for poll_transmit and encoded list pages.
  for (const auto& t : impl_->out) n += sizeof(Transmit) + t.bytes.capacity();
  for (const auto& [start, page] : impl_->list_pages) n += kNode + page.capacity();
  for (const auto& [ep, l] : impl_->lingering)
    n += sizeof(Lingering) + kNode + 8 + l.answer.capacity() + (l.cache ? l.cache->memory_bytes() : 0);
  return n;
}

}  // namespace imup::engine
