// SPDX-License-Identifier: GPL-2.0-or-later
// The client state machine: commands become requests on the server channel or,
// in a decentralized group, on one channel per peer; datagrams from the server
// or a peer become answers, events and the client's view of where it is.
#include "engine/client.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <stdexcept>

#include "codec/codec.hpp"
#include "codec/exchange.hpp"
#include "codec/text.hpp"
#include "engine/answer_cache.hpp"
#include "engine/request_channel.hpp"
#include "engine/rng.hpp"
#include "engine/timer_heap.hpp"

namespace imup::engine {
namespace {

constexpr std::uint64_t kServerLink = 0;
constexpr std::uint64_t kJoiningTimer = ~std::uint64_t(0);
constexpr std::uint64_t kSilenceTimer = ~std::uint64_t(1);    // nothing heard from the server (§9.4)
constexpr std::uint64_t kReconnectTimer = ~std::uint64_t(2);  // the next attempt after a loss

// What a client timer is for: the server link, a peer (by id) or the wait for
// a group's first 11; and which request or acceptance of it.
struct ClientTimer {
  std::uint64_t what = 0;   // kServerLink, a peer id, kJoiningTimer, kSilenceTimer or kReconnectTimer
  std::uint64_t which = 0;  // (session << 10) | seq, seq, the joining generation, the session
                            // or the reconnection generation
};

struct EncodeResult {
  std::vector<std::uint8_t> bytes;
  std::string error;
};
EncodeResult encode_message(const Message& m) {
  std::array<std::uint8_t, kMaxDatagramBytes> buf;
  Encoded e = encode(m, buf);
  if (!e.ok()) return {{}, describe(*e.error)};
  return {std::vector<std::uint8_t>(buf.begin(), buf.begin() + e.size), {}};
}

CommandResult refused(std::string why) { return CommandResult{false, 0, std::move(why)}; }

}  // namespace

// One decentralized peer: its own counters, window and answer cache (§10).
struct PeerLink {
  std::uint64_t id = 0;
  std::string name;
  Endpoint endpoint;
  bool member = true;  // listed in our group's last 11
  bool gone = false;   // stopped answering us: not sent to until the next 11
  RequestChannel out;
  AnswerCache cache;
};

struct Client::Impl {
  ClientConfig cfg;
  ClientCounters counters;
  Rng rng;
  TimerHeap<ClientTimer> timers;
  std::deque<Transmit> out;
  std::deque<ClientEvent> events;
  CommandId next_command = 1;

  ConnectionState conn = ConnectionState::Disconnected;
  std::string name;
  std::uint64_t session = 0;  // changes on each connect: old timers go stale
  RequestChannel server_out;
  AnswerCache server_cache;

  Room room = Room::Public;
  Mode mode = Mode::Centralized;
  std::vector<GroupMember> members;
  bool choosing = false;                 // a 10 arrived; choose_mode() may be called
  std::map<CommandId, Mode> choices;     // 20s sent, by command
  bool joining = false;                  // we accepted; the 11 will say who is in
  Mode joining_mode = Mode::Centralized;
  std::vector<std::string> joining_names;

  struct ReceivedInvitation {
    std::uint16_t seq = 0;
    std::uint64_t hash = 0;
    PendingInvitation what;
  };
  std::optional<ReceivedInvitation> invitation;
  // The last invitation answered, with its answer, for the server's resends
  // while its tries last: the server's numbering may have left it further
  // behind than the answer cache reaches (a decision does not hold the
  // window, §6.4).
  struct DecidedInvitation {
    std::uint16_t seq = 0;
    std::uint64_t hash = 0;
    std::vector<std::uint8_t> answer;
    Time until{};
  };
  std::optional<DecidedInvitation> decided_invitation;
  std::optional<std::uint16_t> newest_server_seq;  // of the server's requests acted on
  std::map<CommandId, std::vector<UserEntry>> lists;  // pages so far, by command
  std::optional<std::uint16_t> last_group_news;        // seq of the last 11 or 13 applied
  // Member lines of the 11s with M set received so far: the list is applied
  // when the 11 with M clear completes it (§9.3).
  std::optional<std::vector<GroupMember>> partial_list;
  bool session_ended_cleanly = true;                   // false after the server stopped answering
  bool session_used_cache = false;                     // the server's ACK came: its requests were cached
  std::uint64_t joining_generation = 0;                // which acceptance the joining timer is for
  // §9.4: the last datagram from the server, and the one silence timer armed
  // for this session (re-armed lazily when it fires: no heap entry per datagram).
  Time last_heard_server{};
  Time silence_timer_at{};
  // ClientConfig::reconnect: a cycle of attempts after a loss.
  bool reconnecting = false;
  unsigned reconnect_attempts = 0;        // attempts started in this cycle
  Time lost_at{};                         // when the cycle began
  std::uint64_t reconnect_generation = 0;  // which wait the reconnect timer is for

  std::map<std::uint64_t, PeerLink> peers;
  std::map<Endpoint, std::uint64_t> peer_by_endpoint;
  std::uint64_t next_link = 1;

  explicit Impl(const ClientConfig& c) : cfg(c), rng(c.rng_seed) {}

  void push(ClientEvent e) { events.push_back(std::move(e)); }
  // A drained request that never left the queue has no number yet.
  static std::optional<std::uint16_t> sent_seq(const OutstandingRequest& r) {
    if (r.tries == 0) return std::nullopt;
    return r.seq;
  }
  // Told on each resending: the user sees the wait instead of silence.
  void push_retried(const OutstandingRequest& r, std::optional<std::string> peer) {
    push(event::RequestRetried{r.tag, std::move(peer), r.type, r.seq, r.tries, cfg.reliability.tries,
                               r.timeout});
  }
  void drop(DropReason r) { ++counters.drops[std::size_t(r)]; }

  void emit(const Endpoint& to, std::vector<std::uint8_t> bytes) {
    ++counters.datagrams_out;
    out.push_back(Transmit{to, std::move(bytes)});
  }

  // ---- the server channel ----------------------------------------------------

  void transmit_server(const OutstandingRequest& r) {
    emit(cfg.server, with_seq(*r.bytes, r.seq));
    timers.arm(r.deadline, {kServerLink, (session << 10) | r.seq});
  }
  void pump_server(Time now) {
    server_out.pump(cfg.reliability, rng, now,
                    [&](const OutstandingRequest& r) { transmit_server(r); });
  }
  CommandResult to_server(Body body, Time now, CommandId id = 0) {
    Message m{0, std::move(body)};
    auto enc = encode_message(m);
    if (!enc.error.empty()) return refused(enc.error);
    if (id == 0) id = next_command++;
    if (!server_out.submit(m.type(),
                           std::make_shared<const std::vector<std::uint8_t>>(std::move(enc.bytes)),
                           id, cfg.max_queued_per_peer)) {
      drop(DropReason::QueueFull);
      return refused("too many requests waiting for the server");
    }
    pump_server(now);
    return CommandResult{true, id, {}};
  }
  // Answers the server's request (seq, hash) and remembers the answer for
  // its resends; returns the answer's bytes (empty if it could not be built).
  std::vector<std::uint8_t> answer_server(std::uint16_t seq, std::uint64_t hash, Body body, Time now) {
    auto enc = encode_message(Message{seq, std::move(body)});
    if (!enc.error.empty()) return {};
    server_cache.store(seq, hash, enc.bytes, now, cfg.reliability);
    emit(cfg.server, enc.bytes);
    return std::move(enc.bytes);
  }

  // ---- peer channels -------------------------------------------------------------

  void transmit_peer(PeerLink& p, const OutstandingRequest& r) {
    emit(p.endpoint, with_seq(*r.bytes, r.seq));
    timers.arm(r.deadline, {p.id, r.seq});
  }
  void pump_peer(PeerLink& p, Time now) {
    p.out.pump(cfg.reliability, rng, now,
               [&](const OutstandingRequest& r) { transmit_peer(p, r); });
  }
  // A peer leaves our sending list (it left the group, or stopped answering
  // us) but its link stays: the answers cached for it must still catch its
  // late resends, and its numbering must go on if it comes back.
  void deactivate_peer(PeerLink& p, const std::string& why, bool gone) {
    for (auto& r : p.out.drain()) push(event::DeliveryFailed{r.tag, p.name, r.type, why, sent_seq(r)});
    if (gone) p.gone = true;
    else p.member = false;
  }
  void drop_all_peers(const std::string& why) {
    for (auto& [id, p] : peers)
      if (p.member) deactivate_peer(p, why, false);
  }
  // Makes the active links those of the other members listed with an
  // address in the last 11.
  void sync_peers() {
    for (auto& entry : peers) {
      PeerLink& p = entry.second;  // a plain reference: lambdas cannot capture bindings in C++20
      bool listed = mode == Mode::Decentralized &&
                    std::any_of(members.begin(), members.end(), [&](const GroupMember& m) {
                      return m.name == p.name && m.endpoint && *m.endpoint == p.endpoint;
                    });
      if (!listed && p.member) deactivate_peer(p, "no longer a member of the group", false);
    }
    if (mode != Mode::Decentralized) return;
    for (const auto& m : members) {
      if (!m.endpoint || m.name == name) continue;
      auto known = peer_by_endpoint.find(*m.endpoint);
      if (known != peer_by_endpoint.end()) {
        PeerLink& p = peers.at(known->second);
        p.name = m.name;
        p.member = true;
        p.gone = false;
        continue;
      }
      std::uint64_t id = next_link++;
      PeerLink& p = peers[id];
      p.id = id;
      p.name = m.name;
      p.endpoint = *m.endpoint;
      peer_by_endpoint[p.endpoint] = id;
    }
    forget_old_peers();
  }
  // Bounds the links kept for former members.
  void forget_old_peers() {
    constexpr std::size_t kMaxLinks = 1024;
    for (auto it = peers.begin(); peers.size() > kMaxLinks && it != peers.end();) {
      if (it->second.member) {
        ++it;
        continue;
      }
      peer_by_endpoint.erase(it->second.endpoint);
      it = peers.erase(it);
    }
  }

  // ---- state changes ----------------------------------------------------------------

  void go_public(const std::string& why) {
    room = Room::Public;
    mode = Mode::Centralized;
    members.clear();
    joining = false;
    drop_all_peers(why);
  }
  // Forgets the session: every request still open failed.
  void reset(const std::string& why) {
    for (auto& r : server_out.drain())
      push(event::DeliveryFailed{r.tag, std::nullopt, r.type, why, sent_seq(r)});
    server_out = RequestChannel(server_out.next_seq());
    go_public(why);
    conn = ConnectionState::Disconnected;
    choosing = false;
    choices.clear();
    invitation.reset();
    decided_invitation.reset();
    newest_server_seq.reset();
    lists.clear();
    partial_list.reset();
  }

  // An 11 newer than any group news we applied is the server's word on our
  // group: the server answers no 7, 19 or 20 of ours while an 11 or 13 to us
  // is unacknowledged, so no older news can arrive after our own changes.
  void apply_update(const std::vector<GroupMember>& listed) {
    bool expecting = joining || !choices.empty();
    bool lists_us = std::any_of(listed.begin(), listed.end(),
                                [&](const GroupMember& g) { return g.name == name; });
    if (listed.empty() ? (room == Room::Public && !expecting) : !lists_us) return;
    bool first = room == Room::Public;
    Mode m = Mode::Centralized;
    if (listed.empty()) m = first ? (joining ? joining_mode : mode) : mode;
    if (std::any_of(listed.begin(), listed.end(), [](const GroupMember& g) { return g.endpoint; }))
      m = Mode::Decentralized;
    if (listed.empty()) {
      if (!first) return;
      members.clear();
      for (const auto& n : joining_names) members.push_back(GroupMember{n, std::nullopt});
      if (std::none_of(members.begin(), members.end(), [&](auto& g) { return g.name == name; }))
        members.push_back(GroupMember{name, std::nullopt});
    } else {
      members = listed;
    }
    room = Room::Private;
    mode = m;
    joining = false;
    sync_peers();
    if (first)
      push(event::GroupJoined{mode, members});
    else
      push(event::GroupUpdated{mode, members});
  }

  // ---- datagrams ------------------------------------------------------------------------

  std::optional<Message> decode_or_drop(std::span<const std::uint8_t> d) {
    if (d.size() < kHeaderBytes) {
      drop(DropReason::Truncated);
      return std::nullopt;
    }
    if (d.size() > kMaxDatagramBytes) {
      drop(DropReason::TooLong);
      return std::nullopt;
    }
    Decoded dec = decode(d, cfg.strict_decoding ? Strictness::Strict : Strictness::Lenient);
    if (!dec.ok()) {
      auto f = dec.error->fault;
      drop(f == Fault::UnknownType ? DropReason::UnknownType
           : f == Fault::TextTooLong ? DropReason::TooLong
                                     : DropReason::Malformed);
      return std::nullopt;
    }
    return std::move(*dec.message);
  }

  void on_datagram(const Endpoint& from, std::span<const std::uint8_t> d, Time now) {
    ++counters.datagrams_in;
    if (from == cfg.server) return on_server_datagram(d, now);
    auto it = peer_by_endpoint.find(from);
    if (it == peer_by_endpoint.end() || !peers.at(it->second).member) return drop(DropReason::NotPeer);
    on_peer_datagram(peers.at(it->second), d, now);
  }

  void on_server_datagram(std::span<const std::uint8_t> d, Time now) {
    if (conn == ConnectionState::Disconnected) return drop(DropReason::UnknownEndpoint);
    auto m = decode_or_drop(d);
    if (!m) return;
    last_heard_server = now;  // the server is there, whatever it says
    MessageType type = m->type();
    if (!server_may_send(type)) return drop(DropReason::WrongDirection);
    if (!is_request(type)) {
      auto r = server_out.take_answer(m->seq, type, false);
      if (!r) return drop(DropReason::UnexpectedAnswer);
      on_server_answer(*r, *m, now);
      if (conn != ConnectionState::Disconnected) pump_server(now);
      return;
    }
    // The server sends a new session nothing before the ACK of its
    // Connexion: a request now is a late one from the previous session.
    if (conn == ConnectionState::Connecting) return drop(DropReason::StaleRequest);
    std::uint64_t hash = datagram_hash(d);
    // A resend of the invitation asked or answered, however far behind the
    // numbering it has fallen.
    if (invitation && invitation->seq == m->seq && invitation->hash == hash) {
      ++counters.duplicates;  // the user has not answered yet
      return;
    }
    if (decided_invitation && decided_invitation->seq == m->seq && decided_invitation->hash == hash &&
        now < decided_invitation->until) {
      ++counters.duplicates;
      emit(cfg.server, decided_invitation->answer);
      return;
    }
    auto look = server_cache.classify(m->seq, hash, now, cfg.reliability);
    switch (look.verdict) {
      case AnswerCache::Verdict::Duplicate:
        ++counters.duplicates;
        emit(cfg.server, *look.answer);
        return;
      case AnswerCache::Verdict::AwaitingDecision:
        ++counters.duplicates;  // an invitation the user has not answered yet
        return;
      case AnswerCache::Verdict::Stale: return drop(DropReason::StaleRequest);
      case AnswerCache::Verdict::New: break;
    }
    on_server_request(*m, hash, now);
  }

  // The server sends its 11s and 13s one at a time (stop-and-wait, §9.3), so
  // they arrive in order; one older (in serial order, §6.2) than the last
  // applied can still come from an earlier session, and is old news.
  bool older_group_news(std::uint16_t seq) {
    if (last_group_news && !seq_after(seq, *last_group_news)) return true;
    last_group_news = seq;
    return false;
  }

  void on_server_request(Message& m, std::uint64_t hash, Time now) {
    // The last news applied is compared in serial order (§6.2), which holds
    // only within half the sequence space: once the numbering has gone an
    // answer cache (64) past it, no older news can still arrive (§14 drops
    // requests that far behind as stale), so the reference is let go before
    // a fast numbering (a flooded room) wraps around it and makes new news
    // look old.
    if (last_group_news) {
      const std::size_t ahead = std::size_t((m.seq - *last_group_news) & (kSeqModulo - 1));
      if (ahead >= cfg.reliability.answer_cache && ahead < kSeqModulo / 2) last_group_news.reset();
    }
    if (!newest_server_seq || seq_after(m.seq, *newest_server_seq)) newest_server_seq = m.seq;
    switch (m.type()) {
      case MessageType::Relayed: {
        auto& r = std::get<Relayed>(m.body);
        answer_server(m.seq, hash, Ack{}, now);
        push(event::MessageReceived{r.sender, r.message, room, r.recipient.has_value(), false});
        return;
      }
      case MessageType::GroupUpdate: {
        answer_server(m.seq, hash, Ack{}, now);
        if (older_group_news(m.seq)) return;
        auto& part = std::get<GroupUpdate>(m.body);
        if (part.more || partial_list) {
          if (!partial_list) partial_list.emplace();
          partial_list->insert(partial_list->end(), part.members.begin(), part.members.end());
          if (partial_list->size() > kMaxClients) {  // no group is that large: a broken server
            partial_list.reset();
            return drop(DropReason::Malformed);
          }
          if (part.more) return;  // the list goes on in the next 11
          auto whole = std::move(*partial_list);
          partial_list.reset();
          apply_update(whole);
          return;
        }
        apply_update(part.members);
        return;
      }
      case MessageType::LivenessProbe: answer_server(m.seq, hash, Ack{}, now); return;
      case MessageType::GroupClosed:
        answer_server(m.seq, hash, Ack{}, now);
        if (older_group_news(m.seq)) return;
        partial_list.reset();  // never sent between parts; an unfinished list is void
        // Also when our 20's ACK is still on its way: the group we opened
        // has closed already, and that ACK must not put us back in it.
        if (room == Room::Private || joining || !choices.empty()) {
          choices.clear();
          go_public("the group closed");
          push(event::GroupClosed{std::get<GroupClosed>(m.body).reason});
        }
        return;
      case MessageType::Invitation: {
        auto& inv = std::get<Invitation>(m.body);
        std::string inviter = inv.names.empty() ? std::string() : inv.names.front();
        // §9.2 step 5: a member of a group (or one joining, or one already
        // asked) refuses by itself.
        if (room == Room::Private || joining || invitation) {
          answer_server(m.seq, hash, RefuseInvitation{}, now);
          push(event::InvitationAutoRefused{inviter});
          return;
        }
        server_cache.mark_awaiting(m.seq, hash, now, cfg.reliability);
        invitation = ReceivedInvitation{m.seq, hash, PendingInvitation{inviter, inv.names, inv.mode, inv.note}};
        push(event::InvitationReceived{inviter, inv.names, inv.mode, inv.note});
        return;
      }
      default: return;
    }
  }

  void on_server_answer(const OutstandingRequest& r, const Message& m, Time now) {
    CommandId id = r.tag;
    MessageType a = m.type();
    auto error = [&](const std::string& reason) {
      push(event::ErrorReceived{id, a, r.type, reason, r.seq});
    };
    auto reason_of = [&]() -> std::string {
      return std::visit(
          [](const auto& b) -> std::string {
            if constexpr (requires { b.reason; }) return b.reason;
            else return {};
          },
          m.body);
    };
    switch (r.type) {
      case MessageType::Connect:
        if (a == MessageType::Ack) {
          conn = ConnectionState::Connected;
          session_used_cache = true;
          arm_silence(now);
          push(event::Connected{name});
          if (reconnecting) {
            reconnecting = false;
            push(event::Reconnected{name, reconnect_attempts,
                                    std::chrono::duration_cast<Millis>(now - lost_at)});
          }
        } else {
          std::string why = reason_of();
          reset("connection refused");
          push(event::ConnectRefused{why});
          // A name taken may be our old session's, not yet given up by the server.
          if (reconnecting) schedule_reconnect(now);
        }
        return;
      case MessageType::Disconnect:
        reset("disconnected");
        push(event::Disconnected{});
        return;
      case MessageType::ListRequest: {
        const auto& page = std::get<UserListPage>(m.body);
        auto& got = lists[id];
        got.insert(got.end(), page.entries.begin(), page.entries.end());
        if (page.more && !page.entries.empty() && page.entries.back().id + 1 < int(kMaxClients)) {
          to_server(ListRequest{std::uint16_t(page.entries.back().id + 1)}, now, id);
          return;
        }
        push(event::UserList{std::move(got)});
        lists.erase(id);
        return;
      }
      case MessageType::ChatMessage:
        if (a == MessageType::Ack) return push(event::MessageDelivered{id, std::nullopt, r.seq});
        // A 16 here may answer an old copy, read before we joined the group
        // we are in now; the server's 13 says when our group really ends.
        return error(reason_of());
      case MessageType::Invitation:
        if (a == MessageType::ModeOffer) {
          choosing = true;
          return push(event::ModeOffered{id, reason_of()});
        }
        if (a == MessageType::Ack) return push(event::InvitationsSent{id});
        return error(reason_of());
      case MessageType::ChooseMode: {
        if (a != MessageType::Ack) {
          choices.erase(id);
          return error(reason_of());
        }
        if (!choices.count(id)) return;  // the group closed before this ACK came
        Mode chosen = choices[id];
        choices.erase(id);
        if (room == Room::Private) return;  // an 11 overtook this ACK
        room = Room::Private;
        mode = chosen;
        members = {GroupMember{name, std::nullopt}};
        joining = false;
        push(event::GroupJoined{mode, members});
        return;
      }
      case MessageType::LeaveGroup: {
        go_public("we left the group");
        if (a == MessageType::Ack) return push(event::GroupLeft{});
        return error(reason_of());
      }
      default: return;
    }
  }

  void on_peer_datagram(PeerLink& p, std::span<const std::uint8_t> d, Time now) {
    auto m = decode_or_drop(d);
    if (!m) return;
    MessageType type = m->type();
    if (!peer_may_send(type)) return drop(DropReason::WrongDirection);
    if (type == MessageType::Ack) {
      auto r = p.out.take_answer(m->seq, type, false);
      if (!r) return drop(DropReason::UnexpectedAnswer);
      push(event::MessageDelivered{r->tag, p.name, r->seq});
      pump_peer(p, now);
      return;
    }
    std::uint64_t hash = datagram_hash(d);
    auto look = p.cache.classify(m->seq, hash, now, cfg.reliability);
    if (look.verdict == AnswerCache::Verdict::Duplicate) {
      ++counters.duplicates;
      emit(p.endpoint, *look.answer);
      return;
    }
    if (look.verdict != AnswerCache::Verdict::New) return drop(DropReason::StaleRequest);
    auto ack = encode_message(Message{m->seq, Ack{}});
    p.cache.store(m->seq, hash, ack.bytes, now, cfg.reliability);
    emit(p.endpoint, std::move(ack.bytes));
    auto& chat = std::get<ChatMessage>(m->body);
    push(event::MessageReceived{p.name, chat.message, Room::Private, chat.recipient.has_value(), true});
  }

  // ---- timers -----------------------------------------------------------------------------

  void on_timer(const TimerEntry<ClientTimer>& e, Time now) {
    OutstandingRequest* resend = nullptr;
    OutstandingRequest gone;
    if (e.key.what == kJoiningTimer) {
      // Our acceptance never brought the group's list: the server gave the
      // invitation up. A later 11 naming us would still put us in.
      if (joining && e.key.which == joining_generation) {
        joining = false;
        push(event::GroupClosed{"the group never confirmed our acceptance"});
      }
      return;
    }
    if (e.key.what == kSilenceTimer) return on_silence_timer(e, now);
    if (e.key.what == kReconnectTimer) {
      if (reconnecting && e.key.which == reconnect_generation && conn == ConnectionState::Disconnected)
        start_reconnect(now);
      return;
    }
    if (e.key.what == kServerLink) {
      if ((e.key.which >> 10) != session) return;
      auto v = server_out.on_timer(std::uint16_t(e.key.which & 0x3FF), e.at, now, cfg.reliability, resend, gone);
      if (v == RequestChannel::TimerVerdict::Resend) {
        ++counters.retransmissions;
        transmit_server(*resend);
        push_retried(*resend, std::nullopt);
      } else if (v == RequestChannel::TimerVerdict::GiveUp) {
        ++counters.give_ups;
        std::string detail = "no answer from the server after " + std::to_string(gone.tries) + " tries";
        push(event::DeliveryFailed{gone.tag, std::nullopt, gone.type, detail, gone.seq});
        lose_server(detail, now);
      }
      return;
    }
    auto it = peers.find(e.key.what);
    if (it == peers.end()) return;
    PeerLink& p = it->second;
    auto v = p.out.on_timer(std::uint16_t(e.key.which), e.at, now, cfg.reliability, resend, gone);
    if (v == RequestChannel::TimerVerdict::Resend) {
      ++counters.retransmissions;
      transmit_peer(p, *resend);
      push_retried(*resend, p.name);
    } else if (v == RequestChannel::TimerVerdict::GiveUp) {
      ++counters.give_ups;
      std::string peer = p.name;
      push(event::DeliveryFailed{gone.tag, peer, gone.type,
                                 "no answer from " + peer + " after " + std::to_string(gone.tries) + " tries",
                                 gone.seq});
      deactivate_peer(p, peer + " stopped answering", true);
      push(event::PeerGone{peer});
    }
  }

  // ---- losing the server, and connecting again ---------------------------------------------

  // §9.4: one timer per session, armed at the deadline of the last datagram
  // heard when it was armed; when it fires early (something was heard since)
  // it is armed again for the new deadline.
  void arm_silence(Time now) {
    last_heard_server = now;
    Millis limit = server_silence_limit(cfg);
    if (limit == Millis(0)) return;
    silence_timer_at = now + limit;
    timers.arm(silence_timer_at, {kSilenceTimer, session});
  }
  void on_silence_timer(const TimerEntry<ClientTimer>& e, Time now) {
    if (e.key.which != session || e.at != silence_timer_at || conn != ConnectionState::Connected) return;
    Millis limit = server_silence_limit(cfg);
    Time deadline = last_heard_server + limit;
    if (now < deadline) {
      silence_timer_at = deadline;
      timers.arm(deadline, {kSilenceTimer, session});
      return;
    }
    ++counters.give_ups;
    auto secs = [](Millis m) { return std::to_string((m.count() + 500) / 1000) + " s"; };
    lose_server("nothing heard from the server for " + secs(limit) + " (it probes a silent client every " +
                    secs(cfg.server_probe_interval) + "): it is gone, or no longer knows us",
                now);
  }

  // The server stopped answering (a request's tries ran out) or fell silent:
  // the session is over. A connected client (or one connecting again) with
  // ClientConfig::reconnect on schedules its next attempt.
  void lose_server(const std::string& detail, Time now) {
    bool was_disconnecting = conn == ConnectionState::Disconnecting;
    bool was_connected = conn == ConnectionState::Connected;
    reset("the server stopped answering");
    session_ended_cleanly = false;
    push(event::ServerGone{detail});
    if (was_disconnecting) {
      reconnecting = false;
      push(event::Disconnected{});
      return;
    }
    if (!cfg.reconnect.enabled() || name.empty()) return;
    if (was_connected && !reconnecting) {
      reconnecting = true;
      reconnect_attempts = 0;
      lost_at = now;
    }
    if (reconnecting) schedule_reconnect(now);
  }
  void schedule_reconnect(Time now) {
    if (reconnect_attempts >= cfg.reconnect.attempts) {
      reconnecting = false;
      push(event::ReconnectGaveUp{reconnect_attempts, std::chrono::duration_cast<Millis>(now - lost_at)});
      return;
    }
    // 1, 2, 4, ... s, at most max_delay (no overflow: the shift stops there).
    Millis delay = cfg.reconnect.first_delay;
    for (unsigned k = 0; k < reconnect_attempts && delay < cfg.reconnect.max_delay; ++k) delay *= 2;
    delay = std::min(delay, cfg.reconnect.max_delay);
    timers.arm(now + delay, {kReconnectTimer, ++reconnect_generation});
    push(event::ReconnectScheduled{reconnect_attempts + 1, cfg.reconnect.attempts, delay});
  }
  void start_reconnect(Time now) {
    ++reconnect_attempts;
    push(event::Reconnecting{name, reconnect_attempts, cfg.reconnect.attempts});
    auto r = begin_session(name, now);
    if (!r) schedule_reconnect(now);  // cannot happen with a name that connected once
  }
  void stop_reconnecting() {
    reconnecting = false;
    ++reconnect_generation;  // the timer armed for the next attempt is stale
  }

  CommandResult begin_session(std::string_view who, Time now) {
    reset("a new connection");
    name = std::string(who);
    ++session;
    // The server numbers a new session afresh. After a clean end the old
    // answers go. After the server stopped answering they stay: the server
    // may still hold the old session and resend from it until our Connexion
    // replaces it, and such a resend must be answered, never acted on twice.
    // (An attempt that never connected was no session: nothing to shift.)
    // Either way a late request of the old session, arriving after the new
    // one began, is told apart (AnswerCache::new_session).
    if (session_ended_cleanly)
      server_cache.new_session(now, false);
    else if (session_used_cache)
      server_cache.new_session(now);
    session_used_cache = false;
    session_ended_cleanly = true;
    last_group_news.reset();
    conn = ConnectionState::Connecting;
    auto r = to_server(Connect{name}, now);
    if (!r) conn = ConnectionState::Disconnected;
    return r;
  }

  // ---- commands -------------------------------------------------------------------------------

  std::optional<std::string> need_connected() const {
    if (conn != ConnectionState::Connected) return "not connected";
    return std::nullopt;
  }
  // One change of room at a time: the answer to a 7 or a 20 describes the
  // server's state when it read the request, so nothing else may move us
  // between rooms while one is unanswered.
  std::optional<std::string> need_settled() const {
    if (auto p = need_connected()) return p;
    if (joining || server_out.has_pending({MessageType::LeaveGroup, MessageType::ChooseMode}))
      return "a change of group is still waiting for the server's answer";
    return std::nullopt;
  }

  // The 9 the server will build adds our name (and the recipient) to our
  // text: refuse here what it would have to refuse (§8).
  std::optional<std::string> relay_fits(std::string_view text, std::optional<std::string_view> to) const {
    std::size_t n = text.size() + 2 + name.size() + 2 + (to ? to->size() + 2 : 0);
    if (n > kMaxTextBytes)
      return "message too long: the relayed text would be " + std::to_string(n) + " bytes, at most " +
             std::to_string(kMaxTextBytes);
    return std::nullopt;
  }

  CommandResult send_chat(std::optional<std::string_view> to, std::string_view text, Time now) {
    if (auto p = need_connected()) return refused(*p);
    if (to && !is_valid_name(*to)) return refused("invalid recipient name: " + *name_problem(*to));
    if (room == Room::Private && mode == Mode::Decentralized) {
      ChatMessage chat{Room::Private, Mode::Decentralized, std::string(text),
                       to ? std::optional<std::string>(std::string(*to)) : std::nullopt};
      auto enc = encode_message(Message{0, chat});
      if (!enc.error.empty()) return refused(enc.error);
      std::vector<PeerLink*> targets;
      for (auto& [id, p] : peers)
        if (p.member && !p.gone && (!to || p.name == *to)) targets.push_back(&p);
      if (targets.empty())
        return refused(to ? std::string(*to) + " is not a member of the group" : "no other member to send to");
      CommandId id = next_command++;
      auto shared = std::make_shared<const std::vector<std::uint8_t>>(std::move(enc.bytes));
      for (auto* p : targets) {
        if (!p->out.submit(MessageType::ChatMessage, shared, id, cfg.max_queued_per_peer)) {
          drop(DropReason::QueueFull);
          push(event::DeliveryFailed{id, p->name, MessageType::ChatMessage, "too many messages waiting", std::nullopt});
          continue;
        }
        pump_peer(*p, now);
      }
      return CommandResult{true, id, {}};
    }
    if (auto p = relay_fits(text, to)) return refused(*p);
    ChatMessage chat{room, room == Room::Private ? mode : Mode::Centralized, std::string(text),
                     to ? std::optional<std::string>(std::string(*to)) : std::nullopt};
    return to_server(std::move(chat), now);
  }

  CommandResult answer_invitation(bool accept, Time now) {
    if (!invitation) return refused("no invitation to answer");
    if (accept)
      if (auto p = need_settled()) return refused(*p);
    if (accept && (room == Room::Private || joining)) return refused("already in a group");
    auto inv = std::move(*invitation);
    invitation.reset();
    // The server gives an invitation up once its numbering is 480 past it
    // (§6.4); answering it now would only confuse the order of its numbers.
    if (newest_server_seq && std::size_t((*newest_server_seq - inv.seq) & (kSeqModulo - 1)) >=
                                 kSeqModulo / 2 - cfg.reliability.window)
      return refused("the invitation has expired: the server gave it up");
    // The server resends its invitation until our answer reaches it, for at
    // most its longest exchange.
    auto span = cfg.reliability.first_timeout_max * ((1 << cfg.reliability.tries) - 1);
    decided_invitation = DecidedInvitation{
        inv.seq, inv.hash,
        answer_server(inv.seq, inv.hash, accept ? Body{AcceptInvitation{}} : Body{RefuseInvitation{}}, now),
        now + span};
    if (accept) {
      joining = true;
      // Allow twice that, plus margin, for the answer and the 11 after it.
      timers.arm(now + 2 * span + Millis(30000), {kJoiningTimer, ++joining_generation});
      joining_mode = inv.what.mode;
      joining_names = inv.what.members;
    }
    return CommandResult{true, next_command++, {}};
  }
};

// ---- the public surface -----------------------------------------------------------------------

Client::Client(const ClientConfig& config) {
  if (auto p = check_config(config)) throw std::invalid_argument(*p);
  impl_ = std::make_unique<Impl>(config);
}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

CommandResult Client::connect(std::string_view name, Time now) {
  auto& s = *impl_;
  if (s.conn != ConnectionState::Disconnected) return refused("already connected or connecting");
  if (auto p = name_problem(name)) return refused("invalid name: " + *p);
  s.stop_reconnecting();  // the user's own connection replaces the attempts
  return s.begin_session(name, now);
}

CommandResult Client::disconnect(Time now) {
  auto& s = *impl_;
  if (s.conn == ConnectionState::Disconnected && s.reconnecting) {
    // Waiting for the next attempt: the user gives the reconnection up.
    s.stop_reconnecting();
    s.push(event::Disconnected{});
    return CommandResult{true, s.next_command++, {}};
  }
  if (s.conn == ConnectionState::Disconnected) return refused("not connected");
  if (s.conn == ConnectionState::Disconnecting) return refused("already disconnecting");
  s.stop_reconnecting();
  auto r = s.to_server(Disconnect{}, now);
  if (r) s.conn = ConnectionState::Disconnecting;
  return r;
}

CommandResult Client::request_list(Time now) {
  if (auto p = impl_->need_connected()) return refused(*p);
  return impl_->to_server(ListRequest{}, now);
}

CommandResult Client::send_to_room(std::string_view text, Time now) {
  return impl_->send_chat(std::nullopt, text, now);
}

CommandResult Client::send_direct(std::string_view recipient, std::string_view text, Time now) {
  return impl_->send_chat(recipient, text, now);
}

CommandResult Client::invite(const std::vector<std::string>& names, Time now) {
  auto& s = *impl_;
  if (auto p = s.need_settled()) return refused(*p);
  if (names.empty()) return refused("nobody to invite");
  for (const auto& n : names)
    if (auto p = name_problem(n)) return refused("invalid name \"" + n + "\": " + *p);
  Invitation inv;
  inv.room = Room::Private;
  inv.mode = s.room == Room::Private ? s.mode : Mode::Centralized;
  inv.names = names;
  return s.to_server(std::move(inv), now);
}

CommandResult Client::choose_mode(Mode mode, Time now) {
  auto& s = *impl_;
  if (auto p = s.need_settled()) return refused(*p);
  if (!s.choosing) return refused("no offer of modes to answer (invite somebody first)");
  auto r = s.to_server(ChooseMode{Room::Private, mode, true}, now);
  if (r) {
    s.choosing = false;
    s.choices[r.id] = mode;
  }
  return r;
}

CommandResult Client::accept_invitation(Time now) { return impl_->answer_invitation(true, now); }
CommandResult Client::refuse_invitation(Time now) { return impl_->answer_invitation(false, now); }

CommandResult Client::leave_group(Time now) {
  auto& s = *impl_;
  if (auto p = s.need_settled()) return refused(*p);
  if (s.room == Room::Public)
    return refused(s.joining ? "not in the group yet (waiting for its member list)" : "not in a group");
  return s.to_server(LeaveGroup{}, now);
}

void Client::handle_datagram(const Endpoint& from, std::span<const std::uint8_t> datagram, Time now) {
  impl_->on_datagram(from, datagram, now);
}

void Client::handle_timeout(Time now) {
  TimerEntry<ClientTimer> e;
  while (impl_->timers.pop_due(now, e)) impl_->on_timer(e, now);
}

std::optional<Time> Client::poll_timeout() const { return impl_->timers.next(); }

bool Client::poll_transmit(Transmit& out) {
  if (impl_->out.empty()) return false;
  out = std::move(impl_->out.front());
  impl_->out.pop_front();
  return true;
}

bool Client::poll_event(ClientEvent& out) {
  if (impl_->events.empty()) return false;
  out = std::move(impl_->events.front());
  impl_->events.pop_front();
  return true;
}

ClientView Client::view() const {
  const auto& s = *impl_;
  ClientView v;
  v.connection = s.conn;
  v.name = s.name;
  v.room = s.room;
  v.mode = s.mode;
  v.members = s.members;
  v.choosing_mode = s.choosing;
  v.joining = s.joining;
  v.reconnecting = s.reconnecting;
  if (s.invitation) v.invitation = s.invitation->what;
  return v;
}

std::size_t Client::pending_requests() const {
  const auto& s = *impl_;
  std::size_t n = s.server_out.in_flight() + s.server_out.waiting();
  for (const auto& [id, p] : s.peers) n += p.out.in_flight() + p.out.waiting();
  return n;
}

const ClientCounters& Client::counters() const { return impl_->counters; }
const ClientConfig& Client::config() const { return impl_->cfg; }

}  // namespace imup::engine
