// SPDX-License-Identifier: GPL-2.0-or-later
// One simulated world per seed: the server, 3-6 clients driven by a random
// user model (or, in one world of six, 10-13 clients with 80-byte names
// whose groups' lists take several type-11 parts), a spoofer sending
// Connexions from victims' addresses, and a network that loses, duplicates,
// delays (hence reorders) and partitions.
// After an active phase the network heals and the world runs until every
// exchange has ended; then the invariants are checked.
#include "simulation.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <queue>
#include <set>

#include "codec/codec.hpp"
#include "codec/text.hpp"
#include "engine/client.hpp"
#include "engine/rng.hpp"
#include "engine/server.hpp"

namespace imup::sim {
namespace {

using engine::Client;
using engine::ClientEvent;
using engine::CommandId;
using engine::Millis;
using engine::Rng;
using engine::Server;
using engine::Time;
using engine::Transmit;
namespace ev = engine::event;

Time at_ms(std::int64_t ms) { return Time(Millis(ms)); }

// 20 four-byte UTF-8 characters (80 bytes, the longest name §4.2 allows),
// distinct for each i < 64: ten decentralized member lines fill a part.
std::string long_name(int i) {
  std::string n;
  for (int k = 0; k < 19; ++k) n += "\xF0\x9F\x98\x80";  // U+1F600
  unsigned cp = 0x1F600u + unsigned(i);
  n += std::string{char(0xF0 | (cp >> 18)), char(0x80 | ((cp >> 12) & 0x3F)),
                   char(0x80 | ((cp >> 6) & 0x3F)), char(0x80 | (cp & 0x3F))};
  return n;
}

std::vector<std::string> names_of(const std::vector<GroupMember>& members) {
  std::vector<std::string> v;
  for (auto& m : members) v.push_back(m.name);
  return v;
}
std::string ts(Time t) { return std::to_string(t.time_since_epoch().count()) + "ms"; }

struct InFlight {
  Time at;
  std::uint64_t order;
  Endpoint from;
  Endpoint to;
  std::vector<std::uint8_t> bytes;
  bool operator>(const InFlight& o) const { return at != o.at ? at > o.at : order > o.order; }
};

struct SentMessage {
  std::string text;
  std::string sender;
  bool via_peers = false;
  std::set<std::string> intended_peers;
  bool accepted = false, errored = false, failed = false;  // server path
  std::set<std::string> delivered_to, failed_to;           // peer path
};

struct SimClient {
  int index = 0;
  std::string name;
  Endpoint endpoint;
  Client engine;
  Time next_action{};
  std::set<std::string> received;
  std::set<std::string> gone_peers;
  std::map<CommandId, SentMessage> sent;
  std::vector<std::pair<Time, Time>> partitions;
  SimClient(int i, std::string n, Endpoint e, const engine::ClientConfig& c)
      : index(i), name(std::move(n)), endpoint(e), engine(c) {}
};

class World {
 public:
  explicit World(const SimOptions& o) : opt_(o), rng_(o.seed * 0x9E3779B97F4A7C15ull + 7) {
    result_.seed = o.seed;
    loss_ = rng_.between(0, 15) / 100.0;
    dup_ = rng_.between(0, 8) / 100.0;
    max_delay_ = rng_.between(2, 300);
    large_ = rng_.between(0, 5) == 0;
    result_.large_worlds = large_ ? 1 : 0;
    engine::ServerConfig sc;
    sc.rng_seed = rng_.next();
    sc.reliability.tries = unsigned(rng_.between(3, 6));
    if (rng_.between(0, 3) == 0) sc.reliability.window = std::size_t(rng_.between(1, 4));
    if (!large_ && rng_.between(0, 3) == 0) sc.max_group_members = std::size_t(rng_.between(2, 4));
    if (rng_.between(0, 3) == 0) sc.max_groups = std::size_t(rng_.between(1, 2));
    sc.max_registrations_per_ip = 64;
    server_ = std::make_unique<Server>(sc);
    tries_ = sc.reliability.tries;
    // Flooders in some lossless worlds with the default window (issue 13):
    // three endpoints that prove their paths, then each post 190 public
    // messages a second (under the per-client limit) for 10 s and acknowledge
    // nothing: every client is sent 570 relays a second to acknowledge, more
    // than its own rate limit lets through unless answers pass it (§6.5), and
    // the server's numbering to it wraps every two seconds. Drawn from its own generator, so the
    // other worlds stay as they were.
    flood_ = loss_ == 0 && sc.reliability.window == engine::ReliabilityConfig{}.window &&
             Rng(o.seed ^ 0xF100D5EEDull).between(0, 1) == 0;
    result_.flooded_worlds = flood_ ? 1 : 0;

    int n = large_ ? int(rng_.between(10, 13)) : int(rng_.between(3, 6));
    for (int i = 0; i < n; ++i) {
      engine::ClientConfig cc;
      cc.server = server_ep_;
      cc.rng_seed = rng_.next();
      cc.reliability.tries = unsigned(rng_.between(3, 6));
      if (rng_.between(0, 3) == 0) cc.reliability.window = std::size_t(rng_.between(1, 4));
      // Two clients share an address now and then (§1: one host, several ports).
      std::uint32_t ip = 0x0A000100u + std::uint32_t(i == 1 && rng_.between(0, 1) ? 0 : i);
      Endpoint ep{ip, std::uint16_t(40000 + i)};
      // The longest address text (192.168.200.1xx:6xxxx): 104-byte member
      // lines, nine a part, so a group of ten needs two.
      if (large_) ep = Endpoint{0xC0A8C864u + std::uint32_t(i), std::uint16_t(60000 + i)};
      std::string name = large_      ? long_name(i)
                         : i % 3 == 2 ? "Zoé" + std::to_string(i)
                                      : "user" + std::to_string(i);
      auto& c = clients_.emplace_back(std::make_unique<SimClient>(i, name, ep, cc));
      c->next_action = at_ms(rng_.between(0, 2000));
      if (rng_.between(0, 2) == 0) {
        std::int64_t start = rng_.between(0, kActiveMs);
        c->partitions.emplace_back(at_ms(start), at_ms(start + rng_.between(1000, 150000)));
      }
    }
  }

  SimResult run() {
    if (flood_)
      for (std::uint32_t f = 0; f < kFlooders; ++f)
        net_.push(InFlight{at_ms(500), order_++, flooder(f), server_ep_,
                           encode(Message{0, Connect{"flooder" + std::to_string(f)}})});
    // Active phase, then healing and quiet time for every exchange to end;
    // then a last command from every connected client, and quiet again.
    run_until(at_ms(kActiveMs), true);
    healed_ = true;
    run_until(now_ + Millis(kQuietMs), false);
    for (auto& c : clients_)
      if (c->engine.view().connection == engine::ConnectionState::Connected)
        c->engine.request_list(now_);
    flush_all();
    run_until(now_ + Millis(kQuietMs), false);
    check_end();
    auto& sc = server_->counters();
    result_.retransmissions = sc.retransmissions;
    result_.give_ups = sc.give_ups;
    return result_;
  }

 private:
  static constexpr std::int64_t kActiveMs = 120000;
  // Long enough for queued exchanges to run out: with a window of 1 and 6
  // tries, each unanswered request holds its peer's queue for up to 189 s.
  static constexpr std::int64_t kQuietMs = 800000;

  void violation(std::string what) {
    if (opt_.trace) std::printf("VIOLATION %s\n", what.c_str());
    if (result_.violations.size() < 20) result_.violations.push_back(std::move(what));
  }
  void trace(const std::string& line) {
    if (opt_.trace) std::printf("%10s %s\n", ts(now_).c_str(), line.c_str());
  }

  bool partitioned(const Endpoint& e, Time t) const {
    if (healed_) return false;
    for (auto& c : clients_)
      if (c->endpoint == e)
        for (auto& [a, b] : c->partitions)
          if (t >= a && t < b) return true;
    return false;
  }

  SimClient* client_at(const Endpoint& e) {
    for (auto& c : clients_)
      if (c->endpoint == e) return c.get();
    return nullptr;
  }

  void send(const Endpoint& from, Transmit t) {
    ++result_.datagrams;
    if (opt_.trace) {
      auto d = decode_lenient(t.bytes);
      trace(format_endpoint(from) + " -> " + format_endpoint(t.peer) + " " +
            (d.message ? describe(*d.message) : "undecodable"));
    }
    if (from == server_ep_) {
      observe_server_send(t);
      if (victims_.count(t.peer)) victims_[t.peer].second += t.bytes.size();
    }
    if (partitioned(from, now_) || partitioned(t.peer, now_)) {
      ++result_.lost;
      return;
    }
    int copies = 1;
    if (!healed_ && double(rng_.next() % 10000) / 10000.0 < loss_) copies = 0;
    if (!healed_ && double(rng_.next() % 10000) / 10000.0 < dup_) ++copies;
    if (copies == 0) ++result_.lost;
    if (copies == 2) ++result_.duplicated;
    for (int i = 0; i < copies; ++i)
      net_.push(InFlight{now_ + Millis(rng_.between(1, healed_ ? 5 : max_delay_)), order_++, from,
                         t.peer, t.bytes});
  }

  // Every first 9 the server sends names an intended recipient of a message.
  void observe_server_send(const Transmit& t) {
    auto d = decode(t.bytes);
    if (!d.ok()) {
      violation("server sent an undecodable datagram at " + ts(now_));
      return;
    }
    if (auto* r = std::get_if<Relayed>(&d.message->body)) {
      auto key = std::make_pair(r->message, t.peer);
      if (!intended_.count(key)) intended_[key] = now_;
    }
    auto type = d.message->type();
    if (type != MessageType::GroupUpdate && type != MessageType::GroupClosed) return;
    // Group news goes one request at a time to each client (§9.3).
    NewsTrack& nt = news_[t.peer];
    std::uint16_t seq = d.message->seq;
    if (nt.open && *nt.open != seq)
      violation("the server sent " + describe(*d.message) + " to " + format_endpoint(t.peer) +
                " while its news seq " + std::to_string(*nt.open) + " was unacknowledged, at " + ts(now_));
    bool resend = nt.last == seq;  // a retransmission (the ACK may have been lost)
    nt.open = seq;
    nt.last = seq;
    auto* u = std::get_if<GroupUpdate>(&d.message->body);
    if (!u || resend) return;
    // The lists this client may apply: each one the parts complete.
    for (auto& m : u->members) nt.partial.push_back(m.name);
    ++nt.parts;
    if (u->more) return;
    if (nt.parts > 1) ++result_.multi_part_updates;
    nt.complete.insert(std::move(nt.partial));
    nt.partial.clear();
    nt.parts = 0;
  }
  // A client's ACK reached the server: its news in flight is answered.
  void observe_server_receive(const InFlight& d) {
    auto it = news_.find(d.from);
    if (it == news_.end() || !it->second.open || d.bytes.size() < 4) return;
    auto m = decode(d.bytes);
    if (m.ok() && m.message->type() == MessageType::Ack && m.message->seq == *it->second.open)
      it->second.open.reset();
  }
  // The server ended a session at `e`: its news in flight died with it.
  void forget_news(const Endpoint& e) {
    auto it = news_.find(e);
    if (it == news_.end()) return;
    it->second.open.reset();
    it->second.last.reset();
    it->second.partial.clear();
    it->second.parts = 0;
  }

  // What the server and the clients (or the one client `only` that was just
  // driven, or none: the others have nothing new) have to send and to tell.
  enum class Clients { All, One, None };
  void flush_all(Clients which = Clients::All, SimClient* only = nullptr) {
    Transmit t;
    while (server_->poll_transmit(t)) send(server_ep_, std::move(t));
    engine::ServerEvent se;
    while (server_->poll_event(se)) {
      if (se.kind == engine::ServerEvent::Kind::ClientGaveUp ||
          se.kind == engine::ServerEvent::Kind::ClientDisconnected) {
        removals_[se.endpoint].push_back(now_);
        // Given up by the server (not a new session the client began itself).
        if (se.kind == engine::ServerEvent::Kind::ClientGaveUp && se.detail.rfind("a new connexion", 0) != 0)
          gave_up_.insert(se.endpoint);
        forget_news(se.endpoint);
      }
      if (se.kind == engine::ServerEvent::Kind::GroupOpened) ++result_.groups_opened;
      if (se.kind != engine::ServerEvent::Kind::Dropped) trace("server: " + describe(se));
    }
    auto flush_client = [&](SimClient& c) {
      while (c.engine.poll_transmit(t)) send(c.endpoint, std::move(t));
      ClientEvent e;
      while (c.engine.poll_event(e)) on_event(c, e);
    };
    if (which == Clients::One) return flush_client(*only);
    if (which == Clients::All)
      for (auto& c : clients_) flush_client(*c);
  }

  void on_event(SimClient& c, const ClientEvent& e) {
    trace(c.name + ": " + std::string(engine::event_name(e)));
    if (auto* m = std::get_if<ev::MessageReceived>(&e)) {
      if (!c.received.insert(m->text).second)
        violation(c.name + " received \"" + m->text + "\" twice (at " + ts(now_) + ")");
      ++result_.messages_delivered;
      if (m->from_peer) ++result_.peer_messages;
    } else if (auto* d = std::get_if<ev::MessageDelivered>(&e)) {
      auto it = c.sent.find(d->command);
      if (it == c.sent.end()) return;
      if (d->peer) {
        it->second.delivered_to.insert(*d->peer);
        delivered_by_peer_.push_back({*d->peer, it->second.text});
      } else {
        it->second.accepted = true;
      }
    } else if (auto* f = std::get_if<ev::DeliveryFailed>(&e)) {
      auto it = c.sent.find(f->command);
      if (it == c.sent.end()) return;
      if (f->peer) it->second.failed_to.insert(*f->peer);
      else it->second.failed = true;
    } else if (auto* er = std::get_if<ev::ErrorReceived>(&e)) {
      auto it = c.sent.find(er->command);
      if (it != c.sent.end()) it->second.errored = true;
    } else if (std::holds_alternative<ev::GroupJoined>(e) || std::holds_alternative<ev::GroupUpdated>(e)) {
      c.gone_peers.clear();
      // A client applies only whole lists, never a part of one. (The inviter
      // opening a group with the ACK of its 20 is its only member: no 11.)
      auto* j = std::get_if<ev::GroupJoined>(&e);
      auto names = names_of(j ? j->members : std::get<ev::GroupUpdated>(e).members);
      bool opened = j && names == std::vector<std::string>{c.name};
      if (!opened && !news_[c.endpoint].complete.count(names))
        violation(c.name + " applied a member list of " + std::to_string(names.size()) +
                  " that the server never completed to it, at " + ts(now_));
    } else if (auto* g = std::get_if<ev::PeerGone>(&e)) {
      c.gone_peers.insert(g->name);
    }
  }

  // The user model: what a person might do next.
  void act(SimClient& c) {
    auto v = c.engine.view();
    auto pick = [&](int n) { return int(rng_.between(0, n - 1)); };
    using engine::ConnectionState;
    if (v.connection == ConnectionState::Disconnected) {
      c.engine.connect(c.name, now_);
      return;
    }
    if (v.connection != ConnectionState::Connected) return;
    if (v.invitation) {
      if (pick(10) < (large_ ? 9 : 7)) c.engine.accept_invitation(now_);
      else c.engine.refuse_invitation(now_);
      return;
    }
    if (v.choosing_mode) {
      c.engine.choose_mode(pick(2) ? Mode::Decentralized : Mode::Centralized, now_);
      return;
    }
    int roll = pick(100);
    std::string other = clients_[std::size_t(pick(int(clients_.size())))]->name;
    if (roll < 45) {
      send_message(c, v, std::nullopt);
    } else if (roll < 55) {
      send_message(c, v, other);
    } else if (roll < 60) {
      c.engine.request_list(now_);
    } else if (roll < 72) {
      std::vector<std::string> names;
      for (int k = 0, n = 1 + pick(large_ ? 12 : 3); k < n; ++k)
        names.push_back(clients_[std::size_t(pick(int(clients_.size())))]->name);
      c.engine.invite(names, now_);
    } else if (roll < (large_ ? 74 : 80)) {  // large worlds keep their groups longer
      c.engine.leave_group(now_);
    } else if (roll < (large_ ? 75 : 83)) {
      c.engine.disconnect(now_);
    }
  }

  void send_message(SimClient& c, const engine::ClientView& v, std::optional<std::string> to) {
    std::string text = c.name + "#" + std::to_string(next_message_++);
    auto r = to ? c.engine.send_direct(*to, text, now_) : c.engine.send_to_room(text, now_);
    if (!r) return;
    ++result_.messages_sent;
    SentMessage m;
    m.text = text;
    m.sender = c.name;
    m.via_peers = v.room == Room::Private && v.mode == Mode::Decentralized;
    if (m.via_peers)
      for (auto& mem : v.members)
        if (mem.endpoint && mem.name != c.name && !c.gone_peers.count(mem.name) && (!to || *to == mem.name))
          m.intended_peers.insert(mem.name);
    c.sent[r.id] = std::move(m);
  }

  void spoof() {
    // A Connexion with a forged source: the victim never answers (§14).
    Endpoint victim{0x0A090000u + std::uint32_t(rng_.between(1, 3)), std::uint16_t(rng_.between(1000, 1003))};
    std::string name = rng_.between(0, 1) ? clients_[0]->name : "spoof" + std::to_string(result_.spoofed);
    auto bytes = encode(Message{std::uint16_t(rng_.between(0, 1023)), Connect{name}});
    victims_[victim].first += bytes.size();
    ++result_.spoofed;
    net_.push(InFlight{now_ + Millis(1), order_++, victim, server_ep_, bytes});
  }

  // Hands a datagram to its receiver; returns the client that got it, if any.
  SimClient* deliver(const InFlight& d) {
    if (d.to == server_ep_) {
      observe_server_receive(d);
      server_->handle_datagram(d.from, d.bytes, now_);
      return nullptr;
    }
    if (is_flooder(d.to)) {  // answers the server's first probe, then nothing
      auto m = decode(d.bytes);
      if (!flooders_proved_.count(d.to) && m.ok() && m.message->type() == MessageType::LivenessProbe) {
        flooders_proved_.insert(d.to);
        net_.push(InFlight{now_ + Millis(1), order_++, d.to, server_ep_, encode(Message{m.message->seq, Ack{}})});
      }
      return nullptr;
    }
    SimClient* c = client_at(d.to);
    if (c) c->engine.handle_datagram(d.from, d.bytes, now_);
    return c;
  }

  void run_until(Time end, bool active) {
    std::size_t steps = 0;
    while (true) {
      Time next = end;
      if (!net_.empty()) next = std::min(next, net_.top().at);
      if (auto t = server_->poll_timeout()) next = std::min(next, *t);
      // Each client's deadline, read once a step: what the step delivers arms
      // timers at least a retransmission timeout ahead, never due now.
      deadlines_.resize(clients_.size());
      for (std::size_t i = 0; i < clients_.size(); ++i) {
        deadlines_[i] = clients_[i]->engine.poll_timeout();
        if (deadlines_[i]) next = std::min(next, *deadlines_[i]);
        if (active) next = std::min(next, clients_[i]->next_action);
      }
      if (active) next = std::min(next, next_spoof_);
      if (active && flood_ && next_flood_ <= kFloodEnd) next = std::min(next, next_flood_);
      if (next >= end) break;
      now_ = std::max(now_, next);

      while (!net_.empty() && net_.top().at <= now_) {
        InFlight d = net_.top();
        net_.pop();
        SimClient* receiver = deliver(d);
        flush_all(receiver ? Clients::One : Clients::None, receiver);
      }
      if (auto t = server_->poll_timeout(); t && *t <= now_) server_->handle_timeout(now_);
      for (std::size_t i = 0; i < clients_.size(); ++i) {
        auto& c = clients_[i];
        if (deadlines_[i] && *deadlines_[i] <= now_) {
          c->engine.handle_timeout(now_);
          flush_all(Clients::One, c.get());  // the user sees what happened before acting
        }
        if (active && c->next_action <= now_) {
          act(*c);
          // Large worlds act at half the pace: twice the people, as busy a world.
          c->next_action = now_ + Millis(large_ ? rng_.between(400, 8000) : rng_.between(200, 4000));
        }
      }
      if (active && flood_ && next_flood_ <= now_ && next_flood_ <= kFloodEnd) {
        for (std::uint32_t f = 0; f < kFlooders; ++f)
          net_.push(InFlight{now_ + Millis(1), order_++, flooder(f), server_ep_,
                             encode(Message{flood_seq_, ChatMessage{Room::Public, Mode::Centralized,
                                                                    "flood " + std::to_string(++flood_count_),
                                                                    std::nullopt}})});
        flood_seq_ = std::uint16_t((flood_seq_ + 1) & 0x3FF);
        next_flood_ += Millis(1000) / 190;
      }
      if (active && next_spoof_ <= now_) {
        spoof();
        next_spoof_ = now_ + Millis(rng_.between(500, 5000));
      }
      flush_all();
      if (++steps % 64 == 0) check_server_tables();
    }
    now_ = end;
  }

  void check_server_tables() {
    std::set<std::string> names;
    std::map<std::string, std::optional<std::uint32_t>> group_of;
    for (auto& u : server_->users()) {
      if (!names.insert(u.name).second) violation("server lists " + u.name + " twice");
      group_of[u.name] = u.group;
    }
    auto groups = server_->groups();
    for (auto& g : groups) {
      if (g.members.empty() || (g.members.size() == 1 && g.invitees.empty()))
        violation("group " + std::to_string(g.id) + " has " + std::to_string(g.members.size()) +
                  " member(s) and no invitee at " + ts(now_));
      for (auto& m : g.members)
        if (!group_of.count(m) || group_of[m] != g.id)
          violation("group " + std::to_string(g.id) + " lists " + m + " whose record disagrees");
    }
    for (auto& [n, g] : group_of)
      if (g && !std::any_of(groups.begin(), groups.end(), [&](auto& gv) { return gv.id == *g; }))
        violation(n + " is in group " + std::to_string(*g) + " which does not exist");
  }

  bool removed_since(const Endpoint& e, Time t) const {
    auto it = removals_.find(e);
    if (it == removals_.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](Time r) { return r >= t; });
  }

  void check_end() {
    check_server_tables();
    // No well-behaved client is removed because of another's traffic: in a
    // lossless world, a client never cut off answers everything in time.
    if (flood_)
      for (auto& c : clients_)
        if (c->partitions.empty() && gave_up_.count(c->endpoint))
          violation(c->name + ", never cut off in a lossless world, was removed while an endpoint flooded");
    // Every message relayed by the server reached its recipient, unless the
    // server removed that recipient afterwards.
    for (auto& [key, first] : intended_) {
      auto* c = client_at(key.second);
      if (!c) continue;  // a spoofed victim cannot be sent a 9 (never proved)
      if (!c->received.count(key.first) && !removed_since(key.second, first))
        violation("\"" + key.first + "\" relayed to " + c->name + " at " + ts(first) +
                  " never arrived and the server kept the recipient");
    }
    // Every sender learned the fate of every message.
    for (auto& c : clients_)
      for (auto& [id, m] : c->sent) {
        if (!m.via_peers) {
          if (!m.accepted && !m.errored && !m.failed)
            violation(c->name + " never learned the fate of \"" + m.text + "\"");
          continue;
        }
        for (auto& p : m.intended_peers)
          if (!m.delivered_to.count(p) && !m.failed_to.count(p))
            violation(c->name + " never learned whether \"" + m.text + "\" reached peer " + p);
      }
    // A peer's ACK means the peer delivered it.
    for (auto& [peer, text] : delivered_by_peer_)
      for (auto& c : clients_)
        if (c->name == peer && !c->received.count(text))
          violation(peer + " acknowledged \"" + text + "\" without delivering it");
    // The server's table and the clients' views agree.
    auto users = server_->users();
    auto groups = server_->groups();
    for (auto& c : clients_) {
      auto v = c->engine.view();
      auto u = std::find_if(users.begin(), users.end(), [&](auto& x) { return x.endpoint == c->endpoint; });
      bool connected = v.connection == engine::ConnectionState::Connected;
      if (connected != (u != users.end())) {
        violation(c->name + (connected ? " believes it is connected but the server has no record"
                                       : " is not connected but the server holds it"));
        continue;
      }
      if (!connected) continue;
      if (u->name != c->name) violation(c->name + " is known to the server as " + u->name);
      if ((v.room == Room::Private) != u->group.has_value()) {
        violation(c->name + (u->group ? " is in a group for the server only" : " is in a group for itself only"));
        continue;
      }
      if (!u->group) continue;
      auto g = std::find_if(groups.begin(), groups.end(), [&](auto& x) { return x.id == *u->group; });
      if (g == groups.end()) continue;
      std::vector<std::string> names;
      for (auto& m : v.members) names.push_back(m.name);
      if (names != g->members && !(names.size() == 1 && g->members.size() == 1))
        violation(c->name + " sees members that differ from the server's group " + std::to_string(g->id));
      if (v.mode != g->mode) violation(c->name + " sees another mode than the server's group");
    }
    // Reflection: a victim received at most 3x what was sent in its name.
    for (auto& [v, io] : victims_)
      if (io.second > 3 * io.first)
        violation("victim " + format_endpoint(v) + " got " + std::to_string(io.second) + " bytes for " +
                  std::to_string(io.first) + " spoofed");
  }

  SimOptions opt_;
  Rng rng_;
  SimResult result_;
  bool large_ = false;
  double loss_ = 0, dup_ = 0;
  std::int64_t max_delay_ = 10;
  unsigned tries_ = 5;
  Endpoint server_ep_{0x0A000001u, 2017};
  std::unique_ptr<Server> server_;
  std::vector<std::unique_ptr<SimClient>> clients_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<InFlight>> net_;
  std::uint64_t order_ = 0;
  static constexpr std::uint32_t kFlooders = 3;
  static Endpoint flooder(std::uint32_t f) { return Endpoint{0x0A0B0001u + f, 45000}; }
  static bool is_flooder(const Endpoint& e) { return e.ipv4 >= 0x0A0B0001u && e.ipv4 < 0x0A0B0001u + kFlooders; }
  static constexpr Time kFloodEnd = Time(Millis(11000));
  bool flood_ = false;
  std::set<Endpoint> flooders_proved_;
  Time next_flood_ = Time(Millis(1000));
  std::uint16_t flood_seq_ = 1;
  std::uint64_t flood_count_ = 0;  // each text its own: receivers are checked for duplicates by text
  std::set<Endpoint> gave_up_;
  Time now_{};
  Time next_spoof_ = at_ms(1000);
  bool healed_ = false;
  std::uint64_t next_message_ = 1;
  std::map<std::pair<std::string, Endpoint>, Time> intended_;
  std::map<Endpoint, std::vector<Time>> removals_;
  std::vector<std::pair<std::string, std::string>> delivered_by_peer_;
  std::map<Endpoint, std::pair<std::uint64_t, std::uint64_t>> victims_;  // bytes in, out
  struct NewsTrack {
    std::optional<std::uint16_t> open;             // the 11 or 13 unacknowledged
    std::optional<std::uint16_t> last;             // the last 11 or 13 sent
    std::vector<std::string> partial;              // names of the parts so far
    std::size_t parts = 0;
    std::set<std::vector<std::string>> complete;   // every list completed to the client
  };
  std::map<Endpoint, NewsTrack> news_;
  std::vector<std::optional<Time>> deadlines_;  // run_until's per-step copy
};

}  // namespace

SimResult run_simulation(const SimOptions& options) { return World(options).run(); }

}  // namespace imup::sim
