// SPDX-License-Identifier: GPL-2.0-or-later
// A client's life after admission: liveness probes (12, §9.4), the timers
// (retransmissions and probes, ServerTimerKey) and removal, the one step
// both the datagram path and the timer path end in, so that a client is
// never half removed.
#include <algorithm>

#include "codec/codec.hpp"
#include "engine/server_impl/impl.hpp"
#include "engine/server_impl/request_tag.hpp"

namespace imup::engine {

void Server::Impl::send_probe(ClientRec& c, Time now) {
  c.probe_outstanding = true;
  request(c, LivenessProbe{}, make_tag(Purpose::Probe), now, cfg.probe_tries);
}

void Server::Impl::arm_probe_timer(ClientRec& c, Time at) {
  c.probe_timer_at = at;
  timers.arm(at, ServerTimerKey{ServerTimerKey::Kind::Probe, c.id, 0, c.generation});
}

// §9.4: members of a group every interval; anybody silent that long.
void Server::Impl::on_probe_timer(ClientRec& c, Time at, Time now) {
  if (c.probe_timer_at != at) return;
  bool due = c.group.has_value() || now - c.last_heard >= cfg.probe_interval;
  if (due && !c.probe_outstanding) send_probe(c, now);
  arm_probe_timer(c, due ? now + cfg.probe_interval : c.last_heard + cfg.probe_interval);
}

void Server::Impl::on_timer(const TimerEntry<ServerTimerKey>& e, Time now) {
  ClientRec* c = slots[e.key.slot].get();
  if (!c || c->generation != e.key.generation) return;
  if (e.key.kind == ServerTimerKey::Kind::Probe) return on_probe_timer(*c, e.at, now);
  if (e.key.kind == ServerTimerKey::Kind::ProofDeadline) return on_proof_deadline(*c);

  OutstandingRequest* resend = nullptr;
  OutstandingRequest gone;
  switch (c->out.on_timer(e.key.seq, e.at, now, cfg.reliability, resend, gone)) {
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

// An endpoint that never answered its probe may not be the one that sent
// the Connexion: it gives its slot and name back after a few seconds, not
// after the probe's last try (§14).
void Server::Impl::on_proof_deadline(ClientRec& c) {
  if (c.proved) return;
  schedule_removal(c, false,
                   "its return path was not proved within " +
                       std::to_string(cfg.proof_timeout.count()) + " ms");
}

void Server::Impl::schedule_removal(ClientRec& c, bool by_request, std::string detail) {
  removals.push_back(Removal{c.id, c.generation, by_request, std::move(detail)});
}

void Server::Impl::process_removals(Time now) {
  while (!removals.empty()) {
    Removal r = std::move(removals.back());
    removals.pop_back();
    ClientRec* c = slots[r.slot].get();
    if (!c || c->generation != r.generation) continue;
    remove_client(*c, r.by_request, r.detail, now);
  }
}

// Out of its group and of every invitation, its answer cache and numbering
// kept for the endpoint (lingering), its slot freed: its timers go stale.
void Server::Impl::remove_client(ClientRec& c, bool by_request, const std::string& detail, Time now) {
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
  Lingering* l = lingering.live(c.endpoint, now);
  if (!l) l = &linger(c.endpoint, 0, 0, {}, now);
  l->next_seq = c.out.next_seq();
  l->cache = std::move(c.cache);
  auto ip = ips.find(c.endpoint.ipv4);
  if (ip != ips.end() && ip->second.registrations > 0) --ip->second.registrations;
  if (ip != ips.end() && !c.proved && ip->second.unproved > 0) --ip->second.unproved;
  by_name.erase(c.name);
  by_skeleton.erase(c.skeleton);
  by_endpoint.erase(c.endpoint);
  if (c.backlogged) --backlogged;
  slots[slot].reset();  // its timers are now stale (generation)
  users_changed();
  counters.clients = by_endpoint.size();
  for (auto gid : touched) settle(gid, false, now);
}

}  // namespace imup::engine
