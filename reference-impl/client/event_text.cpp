// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/event_text.hpp"

#include "client/overloaded.hpp"
#include "client/event_json.hpp"
#include "codec/wire.hpp"
#include "io/socket_address.hpp"

namespace imup::client {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}
std::string join_members(const std::vector<GroupMember>& members, bool with_endpoints) {
  std::string out;
  for (const auto& m : members) {
    out += (out.empty() ? "" : ",") + m.name;
    if (with_endpoints && m.endpoint) out += "@" + io::to_string(*m.endpoint);
  }
  return out;
}
std::string type_text(MessageType t) {
  return std::to_string(int(t)) + " " + std::string(english_name(t));
}
// "1 s", "30 s", "1.5 s": reconnection delays are whole seconds by default.
std::string seconds_text(engine::Millis m) {
  auto ms = m.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}
std::string attempt_text(unsigned attempt, unsigned of) {
  return "attempt " + std::to_string(attempt) + " of " + std::to_string(of);
}
}  // namespace

std::string describe_for_people(const engine::ClientEvent& event) {
  namespace ev = engine::event;
  return std::visit(
      Overloaded{
          [](const ev::Connected& e) { return "* connected as " + e.name; },
          [](const ev::ConnectRefused& e) {
            return "* connection refused: \"" + e.reason + "\" (try /connect OTHERNAME)";
          },
          [](const ev::Disconnected&) { return std::string("* disconnected"); },
          [](const ev::ServerGone& e) { return "* the server stopped answering: " + e.detail; },
          [](const ev::MessageReceived& e) {
            std::string where = e.direct ? "(to you) " : e.room == Room::Private ? "(group) " : "";
            return where + "<" + e.sender + "> " + e.text;
          },
          [](const ev::MessageDelivered&) { return std::string(); },  // silence is success
          [](const ev::DeliveryFailed& e) {
            return "* not delivered" + (e.peer ? " to " + *e.peer : std::string()) + " (" +
                   type_text(e.request) + "): " + e.detail;
          },
          [](const ev::UserList& e) {
            std::string out = "* " + std::to_string(e.users.size()) + " connected:";
            for (const auto& u : e.users)
              out += " " + u.name + (u.status == Room::Private ? "(in a group)" : "");
            return out;
          },
          [](const ev::ModeOffered& e) {
            // The reason is the server's own text (the draft's is French):
            // quoted, so that it reads as a quotation, not as our words.
            return "* the server offers a centralized or a decentralized group (\"" + e.reason +
                   "\") -> /mode centralized or /mode decentralized";
          },
          [](const ev::InvitationsSent&) { return std::string("* invitations sent"); },
          [](const ev::InvitationReceived& e) {
            return "* " + e.inviter + " invites you to a " + std::string(mode_word(e.mode)) +
                   " group with " + join(e.members) + (e.note.empty() ? "" : " (\"" + e.note + "\")") +
                   " -> /accept or /refuse";
          },
          [](const ev::InvitationAutoRefused& e) {
            return "* refused an invitation from " + e.inviter + " (you are already in a group)";
          },
          [](const ev::GroupJoined& e) {
            return "* joined a " + std::string(mode_word(e.mode)) + " group: " +
                   join_members(e.members, true);
          },
          [](const ev::GroupUpdated& e) {
            return "* group now: " + join_members(e.members, true);
          },
          [](const ev::GroupLeft&) { return std::string("* you left the group: back in public"); },
          [](const ev::GroupClosed& e) { return "* group closed: \"" + e.reason + "\""; },
          [](const ev::ErrorReceived& e) {
            return "* error " + type_text(e.error) + " for your " + type_text(e.request) + ": \"" +
                   e.reason + "\"";
          },
          [](const ev::PeerGone& e) { return "* " + e.name + " stopped answering"; },
          [](const ev::ReconnectScheduled& e) {
            return "* connecting again in " + seconds_text(e.delay) + " (" +
                   attempt_text(e.attempt, e.max_attempts) + ")";
          },
          [](const ev::Reconnecting& e) {
            return "* connecting again as " + e.name + " (" + attempt_text(e.attempt, e.max_attempts) +
                   ")...";
          },
          [](const ev::Reconnected& e) {
            return "* connected again as " + e.name + " after " + std::to_string(e.attempts) +
                   (e.attempts == 1 ? " attempt, " : " attempts, ") + seconds_text(e.after) +
                   " after the loss: a new session, in the public room (groups and invitations "
                   "of the old one are gone)";
          },
          [](const ev::ReconnectGaveUp& e) {
            return "* gave up connecting again after " + std::to_string(e.attempts) +
                   (e.attempts == 1 ? " attempt" : " attempts") + " in " + seconds_text(e.after) +
                   " (/connect NAME to try yourself)";
          },
          [](const ev::RequestRetried& e) {
            return "* no answer yet " + (e.peer ? "from " + *e.peer : std::string("from the server")) +
                   " to your " + type_text(e.request) + ": sent again (try " + std::to_string(e.tries) +
                   " of " + std::to_string(e.max_tries) + ")";
          },
      },
      event);
}

std::string prompt_for(const engine::ClientView& v) {
  using S = engine::ConnectionState;
  if (v.connection == S::Disconnected && v.reconnecting) return "(reconnecting as " + v.name + ")> ";
  if (v.connection == S::Disconnected) return "(not connected)> ";
  if (v.connection == S::Connecting) return "(connecting as " + v.name + ")> ";
  if (v.connection == S::Disconnecting) return "(disconnecting)> ";
  std::string where = v.room == Room::Public
                          ? std::string("public")
                          : "group[" + std::string(mode_word(v.mode)) + ": " +
                                join_members(v.members, false) + "]";
  std::string extra;
  if (v.choosing_mode) extra = " (/mode centralized|decentralized)";
  if (v.joining) extra = " (joining)";
  if (v.invitation) extra = " (invited by " + v.invitation->inviter + ": /accept|/refuse)";
  return v.name + "@" + where + extra + "> ";
}

std::string where_for(const engine::ClientView& v) {
  using S = engine::ConnectionState;
  if (v.connection != S::Connected) return prompt_for(v);
  if (v.room == Room::Public) return "you are " + v.name + ", in the public room";
  return "you are " + v.name + ", in a " + std::string(mode_word(v.mode)) + " group with " +
         join_members(v.members, v.mode == Mode::Decentralized);
}

}  // namespace imup::client
