// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/event_json.hpp"

#include "client/overloaded.hpp"
#include "io/socket_address.hpp"
#include "codec/wire.hpp"

namespace imup::client {

// English, as every other word the client prints; the draft's French words
// ("centralise") stay on the wire, and are accepted as input (parse_mode).
std::string_view mode_word(Mode m) {
  return m == Mode::Decentralized ? "decentralized" : "centralized";
}
std::string_view room_word(Room r) { return r == Room::Private ? "private" : "public"; }

JsonEvent::JsonEvent(std::string_view name) : object_(json_object_new()) {
  set("event", name);
}
JsonEvent::~JsonEvent() {
  if (object_) json_object_unref(object_);
}

JsonEvent& JsonEvent::set(const char* key, std::string_view value) {
  json_object_set_string_member(object_, key, std::string(value).c_str());
  return *this;
}
JsonEvent& JsonEvent::set(const char* key, std::int64_t value) {
  json_object_set_int_member(object_, key, value);
  return *this;
}
JsonEvent& JsonEvent::set(const char* key, bool value) {
  json_object_set_boolean_member(object_, key, value);
  return *this;
}
JsonEvent& JsonEvent::set(const char* key, const std::vector<std::string>& values) {
  JsonArray* array = json_array_sized_new(guint(values.size()));
  for (const auto& v : values) json_array_add_string_element(array, v.c_str());
  json_object_set_array_member(object_, key, array);
  return *this;
}

std::string JsonEvent::name() const {
  return json_object_get_string_member(object_, "event");
}

std::string JsonEvent::to_line() const {
  JsonNode* node = json_node_new(JSON_NODE_OBJECT);
  json_node_set_object(node, object_);
  gchar* text = json_to_string(node, FALSE);
  std::string line(text);
  g_free(text);
  json_node_unref(node);
  return line;
}

bool JsonEvent::field_text(const char* key, std::string& out) const {
  JsonNode* node = json_object_get_member(object_, key);
  if (!node) return false;
  if (JSON_NODE_HOLDS_ARRAY(node)) {
    out.clear();
    JsonArray* array = json_node_get_array(node);
    for (guint i = 0; i < json_array_get_length(array); ++i) {
      if (i) out += ",";
      const char* s = json_array_get_string_element(array, i);
      out += s ? s : "";
    }
    return true;
  }
  if (!JSON_NODE_HOLDS_VALUE(node)) return false;
  switch (json_node_get_value_type(node)) {
    case G_TYPE_BOOLEAN: out = json_node_get_boolean(node) ? "true" : "false"; return true;
    case G_TYPE_INT64: out = std::to_string(json_node_get_int(node)); return true;
    case G_TYPE_STRING: out = json_node_get_string(node); return true;
    default: return false;
  }
}

namespace {

std::vector<std::string> member_names(const std::vector<GroupMember>& members) {
  std::vector<std::string> names;
  for (const auto& m : members) names.push_back(m.name);
  return names;
}

void add_group(JsonEvent& j, Mode mode, const std::vector<GroupMember>& members) {
  j.set("mode", mode_word(mode)).set("members", member_names(members));
  std::vector<std::string> endpoints;
  for (const auto& m : members)
    if (m.endpoint) endpoints.push_back(io::to_string(*m.endpoint));
  if (!endpoints.empty()) j.set("endpoints", endpoints);
}


}  // namespace

JsonEvent to_json(const engine::ClientEvent& event) {
  namespace ev = engine::event;
  JsonEvent j(engine::event_name(event));
  std::visit(
      Overloaded{
          [&](const ev::Connected& e) { j.set("name", e.name); },
          [&](const ev::ConnectRefused& e) { j.set("reason", e.reason); },
          [&](const ev::Disconnected&) {},
          [&](const ev::ServerGone& e) { j.set("detail", e.detail); },
          [&](const ev::MessageReceived& e) {
            j.set("from", e.sender).set("text", e.text).set("room", room_word(e.room));
            j.set("direct", e.direct).set("from_peer", e.from_peer);
          },
          [&](const ev::MessageDelivered& e) {
            j.set("command", std::int64_t(e.command)).set("seq", std::int64_t(e.seq));
            if (e.peer) j.set("peer", *e.peer);
          },
          [&](const ev::DeliveryFailed& e) {
            j.set("command", std::int64_t(e.command));
            if (e.seq) j.set("seq", std::int64_t(*e.seq));
            if (e.peer) j.set("peer", *e.peer);
            j.set("request", std::int64_t(e.request)).set("request_name", english_name(e.request));
            j.set("detail", e.detail);
          },
          [&](const ev::RequestRetried& e) {
            j.set("command", std::int64_t(e.command)).set("seq", std::int64_t(e.seq));
            if (e.peer) j.set("peer", *e.peer);
            j.set("request", std::int64_t(e.request)).set("request_name", english_name(e.request));
            j.set("tries", std::int64_t(e.tries)).set("max_tries", std::int64_t(e.max_tries));
            j.set("next_wait_ms", std::int64_t(e.next_wait.count()));
          },
          [&](const ev::UserList& e) {
            std::vector<std::string> names, rooms;
            for (const auto& u : e.users) {
              names.push_back(u.name);
              rooms.push_back(std::string(room_word(u.status)));
            }
            j.set("users", names).set("rooms", rooms);
          },
          [&](const ev::ModeOffered& e) {
            j.set("command", std::int64_t(e.command)).set("reason", e.reason);
          },
          [&](const ev::InvitationsSent& e) { j.set("command", std::int64_t(e.command)); },
          [&](const ev::InvitationReceived& e) {
            j.set("inviter", e.inviter).set("members", e.members);
            j.set("mode", mode_word(e.mode)).set("note", e.note);
          },
          [&](const ev::InvitationAutoRefused& e) { j.set("inviter", e.inviter); },
          [&](const ev::GroupJoined& e) { add_group(j, e.mode, e.members); },
          [&](const ev::GroupUpdated& e) { add_group(j, e.mode, e.members); },
          [&](const ev::GroupLeft&) {},
          [&](const ev::GroupClosed& e) { j.set("reason", e.reason); },
          [&](const ev::ErrorReceived& e) {
            j.set("command", std::int64_t(e.command)).set("seq", std::int64_t(e.seq));
            j.set("error", std::int64_t(e.error)).set("error_name", english_name(e.error));
            j.set("request", std::int64_t(e.request)).set("request_name", english_name(e.request));
            j.set("reason", e.reason);
          },
          [&](const ev::PeerGone& e) { j.set("name", e.name); },
          [&](const ev::ReconnectScheduled& e) {
            j.set("attempt", std::int64_t(e.attempt)).set("max_attempts", std::int64_t(e.max_attempts));
            j.set("delay_ms", std::int64_t(e.delay.count()));
          },
          [&](const ev::Reconnecting& e) {
            j.set("name", e.name).set("attempt", std::int64_t(e.attempt));
            j.set("max_attempts", std::int64_t(e.max_attempts));
          },
          [&](const ev::Reconnected& e) {
            // A new session: where the user is now, said with the event.
            j.set("name", e.name).set("attempts", std::int64_t(e.attempts));
            j.set("after_ms", std::int64_t(e.after.count())).set("room", room_word(Room::Public));
          },
          [&](const ev::ReconnectGaveUp& e) {
            j.set("attempts", std::int64_t(e.attempts)).set("after_ms", std::int64_t(e.after.count()));
          },
      },
      event);
  return j;
}

}  // namespace imup::client
