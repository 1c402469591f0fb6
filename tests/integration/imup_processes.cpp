// SPDX-License-Identifier: GPL-2.0-or-later
#include "imup_processes.hpp"

#include <json-glib/json-glib.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace imup::testing {

TempDir::TempDir() {
  char pattern[] = "/tmp/imup-integration-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  path = pattern;
}
TempDir::~TempDir() {
  // Keep the files of a failed run when asked to, for a post-mortem.
  if (!std::getenv("IMUP_KEEP_TEMP")) std::filesystem::remove_all(path);
}

std::string server_binary() {
  return std::string(IMUP_BINARY_DIR) + "/reference-impl/server/imup-server";
}
std::string client_binary() {
  return std::string(IMUP_BINARY_DIR) + "/reference-impl/client/imup-client";
}

ServerProcess::ServerProcess(const TempDir& dir, std::vector<std::string> extra_args) {
  std::vector<std::string> argv{server_binary(), "--listen", "127.0.0.1:0", "-v"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(argv, dir.file("server.stderr"));
  auto first = process_->read_line(10s);
  const std::string prefix = "imup-server listening on 127.0.0.1:";
  if (!first || first->rfind(prefix, 0) != 0)
    throw std::runtime_error("imup-server did not print its address; stderr:\n" +
                             process_->stderr_text());
  port_ = std::uint16_t(std::stoi(first->substr(prefix.size())));
}

std::map<std::string, std::uint64_t> ServerProcess::read_counters() {
  std::map<std::string, std::uint64_t> c;
  for (;;) {
    auto line = process_->read_line(5s);
    if (!line) break;
    if (line->rfind("counters after", 0) == 0) continue;
    std::istringstream in(*line);
    std::string name;
    std::uint64_t value = 0;
    if (!(in >> name >> value)) continue;
    c[name] = value;
    if (name == "socket.receive_errors") break;  // the block's last line
  }
  return c;
}

std::map<std::string, std::uint64_t> ServerProcess::counters() {
  process_->signal(SIGUSR1);
  return read_counters();
}

int ServerProcess::stop(std::map<std::string, std::uint64_t>* final_counters) {
  process_->signal(SIGTERM);
  auto c = read_counters();
  if (final_counters) *final_counters = c;
  auto status = process_->wait(10s);
  return status ? *status : -1;
}

Event parse_event(const std::string& line) {
  Event e;
  e.line = line;
  JsonParser* parser = json_parser_new();
  GError* error = nullptr;
  if (!json_parser_load_from_data(parser, line.c_str(), gssize(line.size()), &error)) {
    std::string message = error->message;
    g_error_free(error);
    g_object_unref(parser);
    throw std::runtime_error("not JSON: '" + line + "': " + message);
  }
  JsonNode* root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_object_unref(parser);
    throw std::runtime_error("not a JSON object: '" + line + "'");
  }
  JsonObject* object = json_node_get_object(root);
  GList* members = json_object_get_members(object);
  for (GList* m = members; m; m = m->next) {
    const char* key = static_cast<const char*>(m->data);
    JsonNode* node = json_object_get_member(object, key);
    std::string text;
    if (JSON_NODE_HOLDS_ARRAY(node)) {
      JsonArray* array = json_node_get_array(node);
      for (guint i = 0; i < json_array_get_length(array); ++i) {
        if (i) text += ",";
        const char* s = json_array_get_string_element(array, i);
        text += s ? s : "";
      }
    } else if (JSON_NODE_HOLDS_VALUE(node)) {
      switch (json_node_get_value_type(node)) {
        case G_TYPE_BOOLEAN: text = json_node_get_boolean(node) ? "true" : "false"; break;
        case G_TYPE_INT64: text = std::to_string(json_node_get_int(node)); break;
        case G_TYPE_STRING: text = json_node_get_string(node); break;
        default: break;
      }
    }
    e.fields[key] = text;
  }
  g_list_free(members);
  g_object_unref(parser);
  return e;
}

ScriptedClient::ScriptedClient(const TempDir& dir, const std::string& label,
                               const std::string& server, std::vector<std::string> extra_args)
    : label_(label) {
  std::vector<std::string> argv{client_binary(), "--server", server, "--script", "-"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(argv, dir.file(label + ".stderr"));
}

namespace {
bool event_matches(const Event& e, const std::string& name,
                   const std::map<std::string, std::string>& fields) {
  if (e["event"] != name) return false;
  for (const auto& [k, v] : fields)
    if (e[k] != v) return false;
  return true;
}
}  // namespace

Event ScriptedClient::expect(const std::string& event,
                             const std::map<std::string, std::string>& fields,
                             std::chrono::milliseconds timeout) {
  for (auto it = unread_.begin(); it != unread_.end(); ++it) {
    if (event_matches(*it, event, fields)) {
      Event e = *it;
      unread_.erase(it);
      return e;
    }
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto line = left.count() > 0 ? process_->read_line(left) : std::nullopt;
    if (!line) break;
    Event e = parse_event(*line);
    all_.push_back(e);
    if (event_matches(e, event, fields)) return e;
    unread_.push_back(e);
  }
  std::string wanted = event;
  for (const auto& [k, v] : fields) wanted += " " + k + "=" + v;
  throw std::runtime_error(label_ + ": no event '" + wanted + "' in time. Transcript:\n" +
                           transcript() + "stderr:\n" + process_->stderr_text());
}

void ScriptedClient::drain() {
  while (auto line = process_->read_line(std::chrono::milliseconds(1))) {
    Event e = parse_event(*line);
    all_.push_back(e);
    unread_.push_back(std::move(e));
  }
}

bool ScriptedClient::saw(const std::string& event,
                         const std::map<std::string, std::string>& fields) const {
  for (const auto& e : all_)
    if (event_matches(e, event, fields)) return true;
  return false;
}

std::size_t ScriptedClient::count(const std::string& event,
                                  const std::map<std::string, std::string>& fields) const {
  std::size_t n = 0;
  for (const auto& e : all_)
    if (event_matches(e, event, fields)) ++n;
  return n;
}

int ScriptedClient::quit(std::chrono::milliseconds timeout) {
  send("/quit");
  process_->close_input();
  // Keep reading so that the transcript is complete.
  while (auto line = process_->read_line(timeout)) all_.push_back(parse_event(*line));
  auto status = process_->wait(timeout);
  return status ? *status : -1;
}

std::string ScriptedClient::transcript() const {
  std::string t;
  for (const auto& e : all_) t += "  " + e.line + "\n";
  return t;
}

}  // namespace imup::testing
