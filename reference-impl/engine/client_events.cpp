// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/client_events.hpp"

#include <array>

namespace imup::engine {

std::string_view event_name(const ClientEvent& e) {
  static constexpr std::array<std::string_view, std::variant_size_v<ClientEvent>> names{
      "connected",         "connect_refused",    "disconnected",        "server_gone",
      "message_received",  "message_delivered",  "delivery_failed",     "user_list",
      "mode_offered",      "invitations_sent",   "invitation_received", "invitation_auto_refused",
      "group_joined",      "group_updated",      "group_left",          "group_closed",
      "error_received",    "peer_gone",          "request_retried",     "reconnect_scheduled",
      "reconnecting",      "reconnected",        "reconnect_gave_up"};
  return names[e.index()];
}

}  // namespace imup::engine
