// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/script_runner.hpp"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include <cstring>

#include "client/event_text.hpp"
#include "client/line_input.hpp"
#include "client/overloaded.hpp"
#include "io/socket_address.hpp"

namespace imup::client {

namespace {

// A regular file is read and checked whole, before the client connects:
// a wrong file must not half-run. (A FIFO or a device is read as it comes.)
std::deque<std::string> read_checked_script(const std::string& path) {
  gchar* contents = nullptr;
  gsize size = 0;
  GError* error = nullptr;
  if (!g_file_get_contents(path.c_str(), &contents, &size, &error)) {
    std::string message = path + ": " + error->message;
    g_error_free(error);
    throw ScriptInputError(message);
  }
  std::string text(contents, size);
  g_free(contents);
  std::deque<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    auto where = path + ":" + std::to_string(lines.size() + 1) + ": ";
    if (line.find('\0') != std::string::npos)
      throw ScriptInputError(where + "not a line of text (a NUL byte): is this a script of commands?");
    lines.push_back(line + "\n");
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    auto parsed = parse_command(line);
    if (auto* e = std::get_if<ParseError>(&parsed)) throw ScriptInputError(where + e->message);
  }
  return lines;
}

}  // namespace

ScriptRunner::ScriptRunner(const std::string& path, std::FILE* out) : out_(out) {
  if (path == "-") {
    channel_ = open_line_channel(0);
  } else {
    GStatBuf st;
    if (g_stat(path.c_str(), &st) != 0) throw ScriptInputError(path + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw ScriptInputError(path + ": is a directory, not a script");
    if (S_ISREG(st.st_mode)) {
      // Read whole: a capture or a disk image passed by mistake must not fill memory.
      constexpr std::int64_t kMaxScriptBytes = 64 << 20;
      if (std::int64_t(st.st_size) > kMaxScriptBytes)
        throw ScriptInputError(path + ": " + std::to_string(st.st_size) + " bytes, too large for a script");
      lines_ = read_checked_script(path);
      input_done_ = true;
      return;
    }
    std::string error;
    channel_ = open_line_channel(path, error);
    if (!channel_) throw ScriptInputError(path + ": " + error);
  }
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
  if (channel_)
    input_watch_ = g_io_add_watch(channel_, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR), on_input,
                                  this);
  else  // read whole already: run from the main loop
    g_idle_add(
        [](gpointer data) {
          static_cast<ScriptRunner*>(data)->run_lines();
          return G_SOURCE_REMOVE;
        },
        this);
}

int ScriptRunner::exit_status() const {
  if (status_ != 0) return status_;
  if (refused_ + failed_ + wait_timeouts_ > 0) return 1;
  return session_ ? session_->exit_status() : 0;
}

void ScriptRunner::print_summary() {
  JsonEvent e("summary");
  e.set("commands", std::int64_t(started_)).set("refused", std::int64_t(refused_));
  e.set("failed", std::int64_t(failed_)).set("delivered", std::int64_t(delivered_));
  e.set("wait_timeouts", std::int64_t(wait_timeouts_)).set("exit_status", std::int64_t(exit_status()));
  emit(e);
  if (exit_status() == 1)
    std::fprintf(stderr, "imup-client: script: %zu of %zu commands refused, %zu failed, %zu waits timed out\n",
                 refused_, started_ + refused_, failed_, wait_timeouts_);
}

gboolean ScriptRunner::on_input(GIOChannel* channel, GIOCondition, gpointer data) {
  auto* self = static_cast<ScriptRunner*>(data);
  auto state = read_ready_lines(channel, [self](std::string line) {
    self->lines_.push_back(std::move(line));
    return true;
  });
  if (state != InputState::More) {
    // End of input or a read error: run what is left, then quit.
    if (state == InputState::Failed) {
      JsonEvent e("script_error");
      e.set("line", std::int64_t(self->line_number_ + self->lines_.size() + 1))
          .set("error", "the script could not be read");
      self->emit(e);
      self->status_ = 2;
    }
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
    if (session_->leaving()) finished_ = true;
  }
  if (input_done_ && lines_.empty() && !waiting_ && !sleep_timer_ && !finished_) {
    finished_ = true;
    session_->quit_when_idle(session_->settle_bound());
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
  ++self->wait_timeouts_;
  self->fail(1);
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

void ScriptRunner::on_event(const engine::ClientEvent& e) {
  namespace ev = engine::event;
  if (std::holds_alternative<ev::MessageDelivered>(e)) ++delivered_;
  // The server's own answers (a refused name, an error 14..17) are events a
  // script may /wait for; a request that ran out of tries is a failure.
  // So is a reconnection given up, but not one attempt of it (more follow).
  auto* failed = std::get_if<ev::DeliveryFailed>(&e);
  bool attempt = failed && failed->request == MessageType::Connect && session_ && session_->view().reconnecting;
  if ((failed && !attempt) || std::holds_alternative<ev::ReconnectGaveUp>(e)) ++failed_;
  record(to_json(e));
}

void ScriptRunner::on_command(std::string_view line, const engine::CommandResult& result) {
  ++(result.ok ? started_ : refused_);
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
  if (view.reconnecting) e.set("reconnecting", true);
  e.set("prompt", prompt_for(view));
  return e;
}

}  // namespace imup::client
