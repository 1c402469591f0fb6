// SPDX-License-Identifier: GPL-2.0-or-later
// Client events as JSON objects, one per line, for --script mode: every event
// of the engine plus the program's own ("command", "command_refused", ...).
// Field values are strings, numbers, booleans or arrays of strings, so that
// "/wait EVENT key=value" can match any of them as text.
#pragma once

#include <json-glib/json-glib.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/client_events.hpp"

namespace imup::client {

// An owned JsonObject with a builder-like interface.
class JsonEvent {
 public:
  explicit JsonEvent(std::string_view name);
  ~JsonEvent();
  JsonEvent(JsonEvent&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  JsonEvent& operator=(JsonEvent&& other) noexcept {
    std::swap(object_, other.object_);
    return *this;
  }
  JsonEvent(const JsonEvent&) = delete;

  JsonEvent& set(const char* key, std::string_view value);
  JsonEvent& set(const char* key, const char* value) { return set(key, std::string_view(value)); }
  JsonEvent& set(const char* key, std::int64_t value);
  JsonEvent& set(const char* key, bool value);
  JsonEvent& set(const char* key, const std::vector<std::string>& values);

  std::string name() const;
  // One line, no trailing newline.
  std::string to_line() const;
  // The member as text ("a,b" for arrays, "true"/"false", numbers in decimal);
  // false when absent.
  bool field_text(const char* key, std::string& out) const;

 private:
  JsonObject* object_;
};

JsonEvent to_json(const engine::ClientEvent& e);

std::string_view mode_word(Mode m);  // "centralized" / "decentralized"
std::string_view room_word(Room r);  // "public" / "private"

}  // namespace imup::client
