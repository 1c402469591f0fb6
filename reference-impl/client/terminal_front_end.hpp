// SPDX-License-Identifier: GPL-2.0-or-later
// The interactive front end: GNU readline's callback interface on the main
// loop, so that typing never blocks the network. An incoming message is
// printed above the line being typed: the line is cleared, the message
// printed, and the prompt and the half-typed text drawn again, so nothing is
// garbled. The prompt always says where the user is (public or which group,
// its members and mode).
#pragma once

#include <glib.h>

#include <set>
#include <string>
#include <vector>

#include "client/client_session.hpp"
#include "io/signal_actions.hpp"

namespace imup::client {

class TerminalFrontEnd final : public ClientOutput {
 public:
  TerminalFrontEnd();
  ~TerminalFrontEnd() override;
  // Starts reading the keyboard; lines go to `session`.
  void attach(ClientSession& session);

  void on_event(const engine::ClientEvent& e) override;
  void on_command(std::string_view line, const engine::CommandResult& result) override;
  void on_notice(std::string_view kind, std::string_view text) override;
  void on_view(const engine::ClientView& view) override;

 private:
  static void on_line(char* line);
  static gboolean on_keyboard(gint fd, GIOCondition condition, gpointer self);
  void print_above(const std::string& text);
  void handle_line(const std::string& line);
  // Tab: command names at the start of a line, user names after it (those
  // seen in /list answers, messages and groups).
  static char** complete(const char* text, int start, int end);
  static char* next_match(const char* text, int state);
  void remember_names(const engine::ClientEvent& e);

  ClientSession* session_ = nullptr;
  guint keyboard_watch_ = 0;
  bool installed_ = false;
  std::string prompt_;
  std::set<std::string> known_names_;
  std::vector<std::string> matches_;  // of the completion in progress
  io::SignalActions signals_;  // SIGWINCH: readline must learn the new width
};

}  // namespace imup::client
