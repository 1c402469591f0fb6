// SPDX-License-Identifier: GPL-2.0-or-later
// Server::Impl: the server's state and the steps that change it, one file a
// concern (the file that defines each group of steps is named above it).
// Private to the engine: only server.cpp and the files of this folder
// include it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/message.hpp"
#include "engine/rng.hpp"
#include "engine/server.hpp"
#include "engine/server_impl/endpoint_hash.hpp"
#include "engine/server_impl/lingering_answers.hpp"
#include "engine/server_impl/records.hpp"
#include "engine/server_impl/timer_key.hpp"
#include "engine/server_impl/transmit_queue.hpp"
#include "engine/timer_heap.hpp"
#include "names/look_alikes.hpp"

namespace imup::engine {

struct Server::Impl {
  ServerConfig cfg;
  ServerCounters counters;
  Rng rng;
  TimerHeap<ServerTimerKey> timers;
  TransmitQueue out;

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
  // The UTS #39 skeleton of every connected name (ClientRec::skeleton), in
  // step with by_name: a name whose skeleton is here looks like a connected
  // one and is refused while that one is connected (§4.2).
  std::unordered_map<std::string, std::uint16_t> by_skeleton;
  names::LookAlikes look_alikes;
  std::unordered_map<std::uint32_t, IpState> ips;
  Time last_ip_sweep{};
  std::map<std::uint32_t, GroupRec> groups;
  std::uint32_t next_group_id = 1;
  std::uint64_t next_generation = 1;
  std::size_t backlogged = 0;  // clients with ClientRec::backlogged set
  LingeringAnswers lingering;

  struct Removal {
    std::uint16_t slot;
    std::uint64_t generation;
    bool by_request;  // its own Deconnexion, or given up on
    std::string detail;
  };
  std::vector<Removal> removals;

  explicit Impl(const ServerConfig& c) : cfg(c), rng(c.rng_seed) {}

  // ---- lookups -------------------------------------------------------------
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
  // Something a user list shows changed: who is there, proved, in a group.
  void users_changed() { ++users_version; }

  // ---- event_log.cpp: events and drop counters ------------------------------
  void push_event(ServerEvent e);
  void drop(const Endpoint& from, DropReason why, std::string detail = {});
  void client_event(ServerEvent::Kind k, const ClientRec& c, std::string detail = {});

  // ---- send_path.cpp: answers, requests, the amplification budget ----------
  // Queues a datagram for poll_transmit, counted; returns the queued copy.
  std::span<std::uint8_t> emit(const Endpoint& to, std::span<const std::uint8_t> bytes) {
    ++counters.datagrams_out;
    counters.bytes_out += bytes.size();
    return out.push(to, bytes);
  }
  // Every datagram to a client goes through here: an unproved endpoint gets
  // at most amplification_factor times the bytes it sent (§14). Returns the
  // queued copy, empty when withheld. Inline: every answer takes this path.
  std::span<std::uint8_t> send_to(ClientRec& c, std::span<const std::uint8_t> bytes) {
    if (!c.proved && c.bytes_out + bytes.size() > cfg.amplification_factor * c.bytes_in) {
      withhold(c, bytes.size());
      return {};
    }
    c.bytes_out += bytes.size();
    return emit(c.endpoint, bytes);
  }
  void withhold(ClientRec& c, std::size_t bytes);
  // Answers request (seq, hash) and remembers the answer for duplicates.
  void answer(ClientRec& c, std::uint16_t seq, std::uint64_t hash, Body body, Time now);
  void answer_bytes(ClientRec& c, std::uint16_t seq, std::uint64_t hash,
                    std::span<const std::uint8_t> bytes, Time now) {
    c.cache.store(seq, hash, bytes, now, cfg.reliability);
    send_to(c, bytes);
  }
  void transmit_request(ClientRec& c, const OutstandingRequest& r);
  void pump(ClientRec& c, Time now);
  // max_tries: 0 for the config's tries (a probe's are ServerConfig::probe_tries).
  void request(ClientRec& c, MessageType type, SharedBytes bytes, std::uint64_t tag, Time now,
               unsigned max_tries = 0);
  void request(ClientRec& c, Body body, std::uint64_t tag, Time now, unsigned max_tries = 0);

  // ---- admission.cpp: rate limits, Connexion, refusals, lingering answers --
  bool ip_allows(std::uint32_t ip, Time now);
  void sweep_ips(Time now);
  bool repeat_lingering(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                        std::size_t size, Time now);
  Lingering& linger(const Endpoint& ep, std::uint16_t seq, std::uint64_t hash,
                    std::vector<std::uint8_t> answer, Time now) {
    return lingering.keep(ep, seq, hash, std::move(answer), now, cfg.reliability.answer_cache_lifetime);
  }
  void on_unknown_endpoint(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                           MessageType type, std::size_t size, Time now);
  void refuse_unknown(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                      const std::string& asked, const std::string& full, const std::string& brief,
                      std::size_t size, Time now);
  void on_bad_name(const Endpoint& from, ClientRec* c, std::uint16_t seq, std::uint64_t hash,
                   const std::string& asked, const std::string& why, std::size_t size, Time now);
  void on_connect_new(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                      const std::string& name, std::size_t size, Time now);

  // ---- datagram_path.cpp: checks, decoding, duplicates, dispatch by type ----
  void on_datagram(const Endpoint& from, std::span<const std::uint8_t> d, Time now);
  void dispatch(ClientRec& c, Message& m, std::uint64_t hash, std::size_t size, Time now);
  // A client opening a group must have seen every 11 and 13 we sent it: the
  // ACK of its 20 is not ordered with our requests, so a late 13 about its
  // old group would otherwise close the new one in its eyes. Its request is
  // left unanswered (not cached, defer()); its own timer resends it.
  // An 11 counts as unacknowledged until its last part is (§14).
  bool unsettled(const ClientRec& c) const { return !c.news.empty(); }
  void defer(ClientRec& c, MessageType t);
  void hold(ClientRec& c, Message& m, std::uint64_t hash, std::size_t size);
  // Back-pressure (§6.5): whether `r` keeps up yet has a backlog, and whether
  // a chat from `c` would reach such a recipient.
  bool keeps_up_with_backlog(const ClientRec& r, Time now) const;
  bool reaches_backlog(const ClientRec& c, const ChatMessage& msg, const ClientRec* recipient,
                       const GroupRec* g, Time now) const;
  void note_backlog(ClientRec& c);
  void prove(ClientRec& c, Time now);
  void on_proof_deadline(ClientRec& c);
  void on_answer(ClientRec& c, const Message& m, Time now);

  // ---- user_list.cpp: 4 -> 8 ------------------------------------------------
  void on_list(ClientRec& c, std::uint16_t seq, std::uint64_t hash, std::uint16_t start, Time now);
  std::vector<std::uint8_t> list_page(std::uint16_t start) const;

  // ---- relay.cpp: 18 -> 9 ---------------------------------------------------
  void on_chat(ClientRec& c, std::uint16_t seq, std::uint64_t hash, const ChatMessage& msg, Time now);

  // ---- groups.cpp: invitations, modes, joining and leaving, closing ---------
  // Table 1: at most max_group_members members, pending invitees included.
  // The list itself may take several 11s (§9.3), so its bytes set no limit.
  bool group_fits(std::size_t members) const { return members <= cfg.max_group_members; }
  void on_invite(ClientRec& c, std::uint16_t seq, std::uint64_t hash, const Invitation& inv, Time now);
  void on_choose(ClientRec& c, std::uint16_t seq, std::uint64_t hash, Mode mode, Time now);
  void invite(const ClientRec& inviter, GroupRec& g, ClientRec& r, Time now);
  void resolve_invitation(ClientRec& c, std::uint32_t gid, bool accepted, Time now);
  void on_leave(ClientRec& c, std::uint16_t seq, std::uint64_t hash, Time now);
  void leave_group(ClientRec& c, GroupRec& g, Time now);
  void settle(std::uint32_t gid, bool membership_changed, Time now);
  void close_group(std::uint32_t gid, const std::string& why);

  // ---- group_news.cpp: 11s and 13s, stop-and-wait ---------------------------
  void send_news(ClientRec& c, GroupNews n, Time now);
  void submit_news_part(ClientRec& c, Time now);
  void news_answered(ClientRec& c, Time now);
  void send_closed(ClientRec& c, const char* reason, Time now);
  std::shared_ptr<const std::vector<SharedBytes>> update_parts(const GroupRec& g) const;

  // ---- lifecycle.cpp: liveness probes, timers, removal ----------------------
  void send_probe(ClientRec& c, Time now);
  void arm_probe_timer(ClientRec& c, Time at);
  void on_probe_timer(ClientRec& c, Time at, Time now);
  void on_timer(const TimerEntry<ServerTimerKey>& e, Time now);
  void schedule_removal(ClientRec& c, bool by_request, std::string detail);
  void process_removals(Time now);
  void remove_client(ClientRec& c, bool by_request, const std::string& detail, Time now);
};

}  // namespace imup::engine
