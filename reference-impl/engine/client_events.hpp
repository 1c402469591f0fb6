// SPDX-License-Identifier: GPL-2.0-or-later
// What the client engine tells its front end (terminal or JSON lines). One
// type per happening; the front end shows them, the engine never prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "codec/message.hpp"
#include "engine/io_contract.hpp"

namespace imup::engine {

// Each command the user gives gets an id; events about its fate carry it.
using CommandId = std::uint64_t;

namespace event {

struct Connected { std::string name; };                  // 1 answered by 8
struct ConnectRefused { std::string reason; };           // 1 answered by 2
struct Disconnected {};                                  // our 3 answered by 8
struct ServerGone { std::string detail; };               // the server stopped answering
struct MessageReceived {
  std::string sender;
  std::string text;
  Room room = Room::Public;  // where it was sent: the public room or our group
  bool direct = false;       // addressed to us alone
  bool from_peer = false;    // came straight from a decentralized peer
};
// The server accepted our message (8), or a decentralized peer acknowledged it
// (peer set). Delivery by the server to each recipient is its own affair.
struct MessageDelivered {
  CommandId command = 0;
  std::optional<std::string> peer;
  std::uint16_t seq = 0;  // the request's sequence number, as on the wire
};
// A request's tries ran out: to the server (peer empty) or to a peer.
struct DeliveryFailed {
  CommandId command = 0;
  std::optional<std::string> peer;
  MessageType request = MessageType::ChatMessage;
  std::string detail;
  // The request's sequence number; empty for one that never left the queue.
  std::optional<std::uint16_t> seq;
};
// A request went unanswered for its timeout and was sent again (§7): lets a
// front end show progress instead of silence while it waits.
struct RequestRetried {
  CommandId command = 0;
  std::optional<std::string> peer;  // empty: to the server
  MessageType request = MessageType::ChatMessage;
  std::uint16_t seq = 0;
  unsigned tries = 0;       // sendings so far, this one included
  unsigned max_tries = 0;   // ClientConfig::reliability.tries
  Millis next_wait{0};      // until the next sending or giving up
};
struct UserList { std::vector<UserEntry> users; };       // every page joined
struct ModeOffered { CommandId command = 0; std::string reason; };  // our 19 answered by 10
struct InvitationsSent { CommandId command = 0; };       // our 19 into our group, answered by 8
struct InvitationReceived {
  std::string inviter;
  std::vector<std::string> members;  // the group so far, inviter first
  Mode mode = Mode::Centralized;
  std::string note;
};
// A refusal we sent by ourselves: invited while already in a group (§9.2 step 5).
struct InvitationAutoRefused { std::string inviter; };
struct GroupJoined { Mode mode = Mode::Centralized; std::vector<GroupMember> members; };
struct GroupUpdated { Mode mode = Mode::Centralized; std::vector<GroupMember> members; };
struct GroupLeft {};                                      // our 7 answered by 8
struct GroupClosed { std::string reason; };               // the server's 13
struct ErrorReceived {                                    // 14, 15, 16 or 17
  CommandId command = 0;
  MessageType error = MessageType::UnknownRecipient;
  MessageType request = MessageType::ChatMessage;
  std::string reason;
  std::uint16_t seq = 0;  // of the request it answers
};
struct PeerGone { std::string name; };  // a decentralized peer stopped answering us

// ClientConfig::reconnect: after the server was lost, the steps of connecting
// again under the same name. Attempt `attempt` (1-based) of `max_attempts`
// starts after `delay`.
struct ReconnectScheduled {
  unsigned attempt = 0;
  unsigned max_attempts = 0;
  Millis delay{0};
};
// Attempt `attempt` has started: a Connexion under `name` is on its way.
struct Reconnecting {
  std::string name;
  unsigned attempt = 0;
  unsigned max_attempts = 0;
};
// Connected again (after the Connected event): a new session, in the public
// room, no group or invitation of the old one kept. `after`: since the loss.
struct Reconnected {
  std::string name;
  unsigned attempts = 0;
  Millis after{0};
};
// Every attempt failed: the client stays disconnected.
struct ReconnectGaveUp {
  unsigned attempts = 0;
  Millis after{0};
};

}  // namespace event

using ClientEvent =
    std::variant<event::Connected, event::ConnectRefused, event::Disconnected, event::ServerGone,
                 event::MessageReceived, event::MessageDelivered, event::DeliveryFailed,
                 event::UserList, event::ModeOffered, event::InvitationsSent,
                 event::InvitationReceived, event::InvitationAutoRefused, event::GroupJoined,
                 event::GroupUpdated, event::GroupLeft, event::GroupClosed, event::ErrorReceived,
                 event::PeerGone, event::RequestRetried, event::ReconnectScheduled,
                 event::Reconnecting, event::Reconnected, event::ReconnectGaveUp>;

// A stable word per event kind ("connected", "message_received", ...) for JSON output.
std::string_view event_name(const ClientEvent& e);

}  // namespace imup::engine
