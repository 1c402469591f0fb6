// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/script_runner.hpp"

#include <stdexcept>

#include "client/event_text.hpp"
#include "io/socket_address.hpp"

namespace imup::client {

ScriptRunner::ScriptRunner(const std::string& path, std::FILE* out) : out_(out) {
  GError* error = nullptr;
  if (path == "-") {
    channel_ = g_io_channel_unix_new(0);
  } else {
    channel_ = g_io_channel_new_file(path.c_str(), "r", &error);
    if (!channel_) {
      std::string message = "--script " + path + ": " + error->message;
      g_error_free(error);
      throw std::runtime_error(message);
    }
  }
  // Bytes as they are: the engine checks UTF-8 where the protocol asks for it.
  g_io_channel_set_encoding(channel_, nullptr, nullptr);
  g_io_channel_set_flags(channel_, G_IO_FLAG_NONBLOCK, nullptr);
}

ScriptRunner::~ScriptRunner() {
  if (input_watch_) g_source_remove(input_watch_);
  if (wait_timer_) g_source_remove(wait_timer_);
  if (sleep_timer_) g_source_remove(sleep_timer_);
  if (channel_) g_io_channel_unref(channel_);
}

void ScriptRunner::attach(ClientSession& session) {
  session_ = &session;
  JsonEvent ready("ready");
  ready.set("local", io::to_string(session.local_endpoint()));
  emit(ready);
  input_watch_ = g_io_add_watch(channel_, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR), on_input,
                                this);
}

int ScriptRunner::exit_status() const {
  if (status_ != 0) return status_;
  return session_ ? session_->exit_status() : 0;
}

gboolean ScriptRunner::on_input(GIOChannel* channel, GIOCondition, gpointer data) {
  auto* self = static_cast<ScriptRunner*>(data);
  for (;;) {
    gchar* line = nullptr;
    gsize length = 0;
    GIOStatus status = g_io_channel_read_line(channel, &line, &length, nullptr, nullptr);
    if (status == G_IO_STATUS_NORMAL) {
      self->lines_.emplace_back(line, length);
      g_free(line);
      continue;
    }
    g_free(line);
    if (status == G_IO_STATUS_AGAIN) break;
    // End of input or a read error: run what is left, then quit.
    self->input_done_ = true;
    self->input_watch_ = 0;
    self->run_lines();
    return G_SOURCE_REMOVE;
  }
  self->run_lines();
  return G_SOURCE_CONTINUE;
}

void ScriptRunner::run_lines() {
  while (!finished_ && !waiting_ && !sleep_timer_ && !lines_.empty()) {
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    ++line_number_;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (!line.empty() && line.front() == '#') continue;
    auto parsed = parse_command(line);
    if (auto* error = std::get_if<ParseError>(&parsed)) {
      JsonEvent e("script_error");
      e.set("line", std::int64_t(line_number_)).set("text", line).set("error", error->message);
      emit(e);
      fail(2);
      return;
    }
    const auto& command = std::get<Command>(parsed);
    if (auto* wait = std::get_if<command::Wait>(&command)) {
      waiting_ = *wait;
      if (!wait_satisfied())
        wait_timer_ = g_timeout_add(guint(wait->timeout.count()), on_wait_timeout, this);
      continue;
    }
    if (auto* sleep = std::get_if<command::Sleep>(&command)) {
      sleep_timer_ = g_timeout_add(guint(sleep->duration.count()), on_sleep_done, this);
      continue;
    }
    if (std::holds_alternative<command::Where>(command)) {
      record(view_event(session_->view()));
      continue;
    }
    session_->execute(command, line);
    if (session_->quitting()) finished_ = true;
  }
  if (input_done_ && lines_.empty() && !waiting_ && !sleep_timer_ && !finished_) {
    finished_ = true;
    session_->quit();
  }
}

bool ScriptRunner::matches(const JsonEvent& e, const command::Wait& w) const {
  if (e.name() != w.event) return false;
  std::string value;
  for (const auto& [key, expected] : w.fields)
    if (!e.field_text(key.c_str(), value) || value != expected) return false;
  return true;
}

bool ScriptRunner::wait_satisfied() {
  if (!waiting_) return false;
  for (std::size_t i = 0; i < unread_.size(); ++i) {
    if (matches(unread_[i], *waiting_)) {
      unread_.erase(unread_.begin(), unread_.begin() + std::ptrdiff_t(i) + 1);
      waiting_.reset();
      if (wait_timer_) {
        g_source_remove(wait_timer_);
        wait_timer_ = 0;
      }
      return true;
    }
  }
  return false;
}

gboolean ScriptRunner::on_wait_timeout(gpointer data) {
  auto* self = static_cast<ScriptRunner*>(data);
  self->wait_timer_ = 0;
  JsonEvent e("wait_timeout");
  e.set("waiting_for", self->waiting_ ? self->waiting_->event : std::string());
  e.set("line", std::int64_t(self->line_number_));
  self->emit(e);
  self->waiting_.reset();
  self->fail(3);
  return G_SOURCE_REMOVE;
}

gboolean ScriptRunner::on_sleep_done(gpointer data) {
  auto* self = static_cast<ScriptRunner*>(data);
  self->sleep_timer_ = 0;
  self->run_lines();
  return G_SOURCE_REMOVE;
}

void ScriptRunner::fail(int status) {
  if (status_ == 0) status_ = status;
  finished_ = true;
  lines_.clear();
  session_->quit();
}

void ScriptRunner::emit(JsonEvent& event) {
  std::fprintf(out_, "%s\n", event.to_line().c_str());
  std::fflush(out_);
}

void ScriptRunner::record(JsonEvent&& event) {
  emit(event);
  // A script that never waits must not make the list grow without bound.
  if (unread_.size() >= kMaxUnread) unread_.erase(unread_.begin());
  unread_.push_back(std::move(event));
  if (waiting_ && wait_satisfied()) {
    // Later lines run from the main loop, not from inside the engine's event drain.
    g_idle_add(
        [](gpointer data) {
          static_cast<ScriptRunner*>(data)->run_lines();
          return G_SOURCE_REMOVE;
        },
        this);
  }
}

void ScriptRunner::on_event(const engine::ClientEvent& e) { record(to_json(e)); }

void ScriptRunner::on_command(std::string_view line, const engine::CommandResult& result) {
  JsonEvent e(result.ok ? "command" : "command_refused");
  e.set("line", line);
  if (result.ok)
    e.set("id", std::int64_t(result.id));
  else
    e.set("error", result.error);
  record(std::move(e));
}

void ScriptRunner::on_notice(std::string_view kind, std::string_view text) {
  JsonEvent e("notice");
  e.set("kind", kind).set("text", text);
  emit(e);
}

void ScriptRunner::on_view(const engine::ClientView& view) {
  auto prompt = prompt_for(view);
  if (prompt == last_view_) return;
  last_view_ = prompt;
  record(view_event(view));
}

JsonEvent ScriptRunner::view_event(const engine::ClientView& view) {
  using S = engine::ConnectionState;
  const char* state = view.connection == S::Connected      ? "connected"
                      : view.connection == S::Connecting   ? "connecting"
                      : view.connection == S::Disconnecting ? "disconnecting"
                                                            : "disconnected";
  JsonEvent e("where");
  e.set("connection", state).set("name", view.name).set("room", room_word(view.room));
  if (view.room == Room::Private) {
    std::vector<std::string> members;
    for (const auto& m : view.members) members.push_back(m.name);
    e.set("mode", mode_word(view.mode)).set("members", members);
  }
  if (view.invitation) e.set("invited_by", view.invitation->inviter);
  e.set("prompt", prompt_for(view));
  return e;
}

}  // namespace imup::client
