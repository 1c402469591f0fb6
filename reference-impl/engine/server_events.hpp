// SPDX-License-Identifier: GPL-2.0-or-later
// What the server engine reports to its program for logging: arrivals,
// departures, groups, and every dropped datagram with its reason. The engine
// never logs; the program rate-limits and prints these.
#pragma once

#include <cstdint>
#include <string>

#include "codec/message.hpp"
#include "engine/counters.hpp"

namespace imup::engine {

struct ServerEvent {
  enum class Kind : std::uint8_t {
    ClientConnected,     // name, endpoint (return path not yet proved)
    ClientProved,        // name, endpoint: answered the probe, now counts
    ClientDisconnected,  // name, endpoint: its own Deconnexion
    ClientGaveUp,        // name, endpoint, detail: stopped answering, removed
    ConnectRefused,      // name (as asked), endpoint, detail = reason sent
    GroupOpened,         // group, name = inviter, detail = "centralise"/"decentralise"
    GroupClosed,         // group, detail = why
    Dropped,             // endpoint, drop, detail
  };
  Kind kind = Kind::Dropped;
  Endpoint endpoint;
  std::string name;
  std::uint32_t group = 0;
  DropReason drop = DropReason::Malformed;
  std::string detail;
};

std::string describe(const ServerEvent& e);  // one log line, without time stamp

}  // namespace imup::engine
