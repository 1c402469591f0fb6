// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/server_events.hpp"

#include "codec/text.hpp"

namespace imup::engine {

std::string describe(const ServerEvent& e) {
  std::string at = format_endpoint(e.endpoint);
  std::string quoted = "\"" + e.name + "\"";
  switch (e.kind) {
    case ServerEvent::Kind::ClientConnected:
      return "client " + quoted + " connected from " + at;
    case ServerEvent::Kind::ClientProved:
      return "client " + quoted + " at " + at + " answered its probe: return path proved";
    case ServerEvent::Kind::ClientDisconnected:
      return "client " + quoted + " at " + at + " disconnected";
    case ServerEvent::Kind::ClientGaveUp:
      return "client " + quoted + " at " + at + " removed: " + e.detail;
    case ServerEvent::Kind::ConnectRefused:
      return "connexion " + quoted + " from " + at + " refused: " + e.detail;
    case ServerEvent::Kind::GroupOpened:
      return "group " + std::to_string(e.group) + " opened by " + quoted + " (" + e.detail + ")";
    case ServerEvent::Kind::GroupClosed:
      return "group " + std::to_string(e.group) + " closed: " + e.detail;
    case ServerEvent::Kind::Dropped:
      return "dropped datagram from " + at + ": " + std::string(drop_reason_name(e.drop)) +
             (e.detail.empty() ? "" : " (" + e.detail + ")");
  }
  return "unknown event";
}

}  // namespace imup::engine
