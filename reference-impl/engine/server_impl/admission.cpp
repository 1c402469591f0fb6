// SPDX-License-Identifier: GPL-2.0-or-later
// Admission and abuse control: the per-address rate limit, the Connexion of
// a new client (§8) or its refusal (2), and what an endpoint with no client
// gets: the lingering answer to its last request, stateless refusals within
// the budget of the one datagram they answer (§14), or nothing.
#include "codec/text.hpp"
#include "engine/server_impl/encoding.hpp"
#include "engine/server_impl/impl.hpp"
#include "engine/server_impl/reason_texts.hpp"

namespace imup::engine {

bool Server::Impl::ip_allows(std::uint32_t ip, Time now) {
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
void Server::Impl::sweep_ips(Time now) {
  if (now - last_ip_sweep < Millis(1000) && last_ip_sweep != Time{}) return;
  last_ip_sweep = now;
  for (auto it = ips.begin(); it != ips.end();) {
    if (it->second.registrations == 0 && it->second.bucket.full(cfg.per_ip, now))
      it = ips.erase(it);
    else
      ++it;
  }
}

// A resend of the request last answered at `from` before its session ended
// or was refused (a Deconnexion, a refused Connexion) gets the same answer,
// within the budget of the datagram it answers. True when it was that resend.
bool Server::Impl::repeat_lingering(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                                    std::size_t size, Time now) {
  const std::vector<std::uint8_t>* again = lingering.answer_to(from, seq, hash, now);
  if (!again) return false;
  ++counters.duplicates;
  if (again->size() <= cfg.amplification_factor * size) emit(from, *again);
  return true;
}

void Server::Impl::on_unknown_endpoint(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                                       MessageType type, std::size_t size, Time now) {
  if (repeat_lingering(from, seq, hash, size, now)) return;
  Lingering* l = lingering.live(from, now);
  if (l && l->cache) {
    auto look = l->cache->classify(seq, hash, now, cfg.reliability);
    if (look.verdict == AnswerCache::Verdict::Duplicate &&
        look.answer->size() <= cfg.amplification_factor * size) {
      ++counters.duplicates;
      emit(from, *look.answer);
      return;
    }
  }
  drop(from, DropReason::UnknownEndpoint, std::string(english_name(type)) + " from no client");
}

// A refusal (2) to an endpoint with no client: stateless except for the
// lingering copy, and within the budget of the one datagram it answers.
void Server::Impl::refuse_unknown(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                                  const std::string& asked, const std::string& full,
                                  const std::string& brief, std::size_t size, Time now) {
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

// A Connexion whose name breaks §4.2 is refused with 2, not dropped (§8).
void Server::Impl::on_bad_name(const Endpoint& from, ClientRec* c, std::uint16_t seq,
                               std::uint64_t hash, const std::string& asked, const std::string& why,
                               std::size_t size, Time now) {
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

void Server::Impl::on_connect_new(const Endpoint& from, std::uint16_t seq, std::uint64_t hash,
                                  const std::string& name, std::size_t size, Time now) {
  // A resent Connexion whose refusal was lost gets the same refusal.
  if (repeat_lingering(from, seq, hash, size, now)) return;
  auto chars = utf8_length(name).value_or(0);
  if (chars > cfg.max_name_chars)
    return refuse_unknown(from, seq, hash, name,
                          "nom invalide: plus de " + std::to_string(cfg.max_name_chars) + " caracteres",
                          "nom invalide", size, now);
  // Grammatical but misleading (§4.2, "names a server refuses"): a code
  // point that shows nothing, reorders the text or means nothing yet.
  if (auto p = look_alikes.problem(name))
    return refuse_unknown(from, seq, hash, name, "nom invalide: " + names::describe(*p),
                          "nom invalide", size, now);
  using reasons::kNameTaken, reasons::kNameTooClose, reasons::kServerFull, reasons::kTooManyFromIp;
  if (by_name.count(name))
    return refuse_unknown(from, seq, hash, name, kNameTaken.full, kNameTaken.brief, size, now);
  // A look-alike of a connected name, refused while that one is connected.
  // ASCII names too: "AIice" (capital I) and "A1ice" look like "Alice".
  std::string skeleton = look_alikes.skeleton(name);
  if (auto like = by_skeleton.find(skeleton); like != by_skeleton.end())
    return refuse_unknown(from, seq, hash, name, kNameTooClose.full + slots[like->second]->name,
                          kNameTooClose.brief, size, now);
  if (by_endpoint.size() >= cfg.max_clients)
    return refuse_unknown(from, seq, hash, name, kServerFull.full, kServerFull.brief, size, now);
  IpState& ip = ips[from.ipv4];
  // Unproved endpoints may be forged: one address holds few of them at once,
  // so that a burst of spoofed Connexions cannot fill the server (§14).
  if (ip.registrations >= cfg.max_registrations_per_ip ||
      (cfg.prove_return_path && ip.unproved >= cfg.max_unproved_per_ip))
    return refuse_unknown(from, seq, hash, name, kTooManyFromIp.full, kTooManyFromIp.brief, size,
                          now);

  // A new session at an endpoint that had one lately numbers half the
  // sequence space away from it, so that the program there, which may keep
  // the old session's answers for its late resends, never takes one
  // request for the other.
  Lingering* before = lingering.live(from, now);
  std::uint16_t first_seq = 0;
  if (before && before->next_seq)
    first_seq = std::uint16_t((*before->next_seq + kSeqModulo / 2) & (kSeqModulo - 1));

  std::uint16_t slot = 0;
  while (slot < kMaxClients && slots[slot]) ++slot;
  if (slot == kMaxClients)  // cannot happen: max_clients <= 1024
    return refuse_unknown(from, seq, hash, name, kServerFull.full, kServerFull.brief, size, now);

  auto rec = std::make_unique<ClientRec>();
  ClientRec& c = *rec;
  c.generation = next_generation++;
  c.id = slot;
  c.name = name;
  c.skeleton = std::move(skeleton);
  c.endpoint = from;
  c.proved = !cfg.prove_return_path;
  c.bytes_in = size;
  c.last_heard = now;
  c.bucket.take(cfg.per_client, now);
  c.out = RequestChannel(first_seq);
  if (before && before->cache) c.cache = std::move(*before->cache);
  slots[slot] = std::move(rec);
  users_changed();
  by_endpoint[from] = slot;
  by_name[name] = slot;
  by_skeleton[c.skeleton] = slot;
  ++ip.registrations;
  if (!c.proved) ++ip.unproved;
  counters.clients = by_endpoint.size();
  lingering.forget(from);

  answer(c, seq, hash, Ack{}, now);
  client_event(ServerEvent::Kind::ClientConnected, c);
  if (!c.proved) {
    send_probe(c, now);
    timers.arm(now + cfg.proof_timeout,
               ServerTimerKey{ServerTimerKey::Kind::ProofDeadline, c.id, 0, c.generation});
  }
  arm_probe_timer(c, now + cfg.probe_interval);
}

}  // namespace imup::engine
