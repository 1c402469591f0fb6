// SPDX-License-Identifier: GPL-2.0-or-later
// The server's log-worthy happenings (server_events.hpp), bounded by
// max_events, and the drop counters.
#include "engine/server_impl/impl.hpp"

namespace imup::engine {

void Server::Impl::push_event(ServerEvent e) {
  if (events.size() >= cfg.max_events) {
    ++counters.events_lost;
    return;
  }
  events.push_back(std::move(e));
}

void Server::Impl::drop(const Endpoint& from, DropReason why, std::string detail) {
  ++counters.drops[std::size_t(why)];
  ServerEvent e;
  e.kind = ServerEvent::Kind::Dropped;
  e.endpoint = from;
  e.drop = why;
  e.detail = std::move(detail);
  push_event(std::move(e));
}

void Server::Impl::client_event(ServerEvent::Kind k, const ClientRec& c, std::string detail) {
  ServerEvent e;
  e.kind = k;
  e.endpoint = c.endpoint;
  e.name = c.name;
  e.group = c.group.value_or(0);
  e.detail = std::move(detail);
  push_event(std::move(e));
}

}  // namespace imup::engine
