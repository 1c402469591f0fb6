// SPDX-License-Identifier: GPL-2.0-or-later
// What both people's front ends (the readline terminal and plain lines for
// pipes) print: events, refusals and notices as lines, message lines with
// the local time (HH:MM:SS), a mark when a sent message is delivered (its
// ACK) or a line when it failed (tries exhausted, or the server's error by
// name), and the progress of the connection ("connecting to ADDR as X...",
// each resending, and the end of the tries). Subclasses say how a line
// reaches the screen.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "client/client_session.hpp"

namespace imup::client {

class PeopleOutput : public ClientOutput {
 public:
  void on_event(const engine::ClientEvent& e) override;
  void on_command(std::string_view line, const engine::CommandResult& result) override;
  void on_notice(std::string_view kind, std::string_view text) override;

  // For plain lines (pipes): 1 when a command was refused, a message failed
  // or the connection did, else the session's status.
  int exit_status() const;
  // How many commands were refused or failed.
  std::size_t failures() const { return failures_; }

 protected:
  void set_session(ClientSession& session) { session_ = &session; }
  // A line the user typed (or piped): parsed, answered locally or run.
  void run_typed_line(const std::string& line);
  // One line for the user, without its newline.
  virtual void show(const std::string& line) = 0;
  // The line of a message just sent ("HH:MM:SS <you> text"): it repeats the
  // words the user typed, which a terminal may take off the screen first.
  virtual void show_sent(const std::string& line) { show(line); }
  // Called on each event before it is shown (the terminal learns names from it).
  virtual void saw(const engine::ClientEvent&) {}
  ClientSession* session_ = nullptr;

 private:
  struct Sent {
    std::string summary;   // "hello" or "(to Bob) hello"
    bool to_peers = false;  // a decentralized group: one ACK per peer
  };
  void remember(engine::CommandId id, Sent sent);
  std::string sent_summary(engine::CommandId id) const;
  std::string server_text() const;

  std::map<engine::CommandId, Sent> sent_;
  std::map<engine::CommandId, bool> invite_with_mode_;  // "/invite USERS MODE": answered for the user
  std::optional<std::chrono::steady_clock::time_point> connect_started_;
  unsigned connect_tries_ = 0;
  bool connect_failed_ = false;
  std::size_t failures_ = 0;
};

// "14:03:27", local time.
std::string local_clock_time();

}  // namespace imup::client
