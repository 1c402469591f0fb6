// SPDX-License-Identifier: GPL-2.0-or-later
// --script FILE|-: commands from lines, every event as one JSON object per line
// on standard output (for tests, demos and automation).
//
// Lines run in order. "/wait EVENT [KEY=VALUE]... [timeout=MS]" holds the next
// lines until an event of that name whose fields match arrives; it looks at
// the events since the previous /wait, so an event that came before the /wait
// line was read is not missed. "/sleep MS" holds the lines for a while. A
// line starting with '#' is a comment. At the end of the input the client
// waits (boundedly) until every request has its answer, prints a "summary"
// event, disconnects and exits.
//
// A script file is read and checked whole before anything is sent: a file
// that cannot be read, a directory, or a line that is not a command (or not
// text) is an input error (ScriptInputError, naming the file and line).
// Standard input and other streams are checked line by line as they come.
//
// Exit status (cli/usage.hpp): 0 when every command went through; 1 when one
// was refused on the spot ("not connected", ...), a request ran out of tries,
// a /wait timed out, or the session ended refused or with the server lost; 2
// for a line that is not a command. The server's answers (a refused name, an
// error 14..17) are events the script may /wait for, not failures of its own.
#pragma once

#include <glib.h>

#include <cstdio>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/client_session.hpp"
#include "client/event_json.hpp"

namespace imup::client {

// The script cannot be run at all: the message names the file (and the line).
struct ScriptInputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ScriptRunner final : public ClientOutput {
 public:
  // `path` "-" reads standard input. Throws ScriptInputError (see above).
  ScriptRunner(const std::string& path, std::FILE* out);
  ~ScriptRunner() override;
  void attach(ClientSession& session);
  // The status the script asks for (see above); the session's own otherwise.
  int exit_status() const;
  // The last event: what was run, refused and failed. Call once, at the end.
  void print_summary();

  void on_event(const engine::ClientEvent& e) override;
  void on_command(std::string_view line, const engine::CommandResult& result) override;
  void on_notice(std::string_view kind, std::string_view text) override;
  void on_view(const engine::ClientView& view) override;

 private:
  static gboolean on_input(GIOChannel* channel, GIOCondition condition, gpointer self);
  static gboolean on_wait_timeout(gpointer self);
  static gboolean on_sleep_done(gpointer self);
  void emit(JsonEvent& event);                // print only
  void record(JsonEvent&& event);             // print, and keep for /wait
  static constexpr std::size_t kMaxUnread = 10000;
  void run_lines();
  static JsonEvent view_event(const engine::ClientView& view);
  bool wait_satisfied();
  bool matches(const JsonEvent& e, const command::Wait& w) const;
  void fail(int status);

  std::FILE* out_;
  GIOChannel* channel_ = nullptr;
  guint input_watch_ = 0;
  ClientSession* session_ = nullptr;
  std::deque<std::string> lines_;
  std::size_t line_number_ = 0;
  bool input_done_ = false;
  bool finished_ = false;
  // Events since the last satisfied /wait, which the next /wait looks at.
  std::vector<JsonEvent> unread_;
  std::optional<command::Wait> waiting_;
  guint wait_timer_ = 0;
  guint sleep_timer_ = 0;
  int status_ = 0;
  std::string last_view_;
  std::size_t started_ = 0, refused_ = 0, failed_ = 0, delivered_ = 0, wait_timeouts_ = 0;
};

}  // namespace imup::client
