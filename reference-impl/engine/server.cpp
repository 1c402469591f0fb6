// SPDX-License-Identifier: GPL-2.0-or-later
// The server's public surface (server.hpp) over Server::Impl, whose steps
// live in server_impl/, one concern a file: the datagram path, admission,
// the send path, the user list, relaying, groups, group news, a client's
// lifecycle (probes, timers, removal). Both driving calls end in the same
// removal step, so that a client is never half removed.
#include "engine/server.hpp"

#include <stdexcept>

#include "engine/server_impl/impl.hpp"

namespace imup::engine {

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
  TimerEntry<ServerTimerKey> e;
  while (impl_->timers.pop_due(now, e)) {
    impl_->on_timer(e, now);
    impl_->process_removals(now);
  }
}

std::optional<Time> Server::poll_timeout() const { return impl_->timers.next(); }

bool Server::poll_transmit(Transmit& out) { return impl_->out.pop(out); }

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
  // three index entries and its address entry.
  constexpr std::size_t kNode = 64;
  std::size_t n = sizeof(Impl);
  for (const auto& c : impl_->slots) {
    if (!c) continue;
    n += sizeof(ClientRec) + c->name.capacity() + c->skeleton.capacity() + c->out.memory_bytes() + c->cache.memory_bytes() +
         4 * kNode + c->news.size() * sizeof(GroupNews);
  }
  for (const auto& [id, g] : impl_->groups)
    n += sizeof(GroupRec) + kNode + (g.members.capacity() + g.invitees.capacity()) * 2;
  n += impl_->timers.size() * sizeof(TimerEntry<ServerTimerKey>);
  // Kept buffers: datagram slots for poll_transmit, encoded list pages, and
  // what endpoints whose session ended keep.
  n += impl_->out.memory_bytes();
  for (const auto& [start, page] : impl_->list_pages) n += kNode + page.capacity();
  n += impl_->lingering.memory_bytes();
  return n;
}

}  // namespace imup::engine
