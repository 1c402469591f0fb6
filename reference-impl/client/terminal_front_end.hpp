// SPDX-License-Identifier: GPL-2.0-or-later
// The interactive front end: GNU readline's callback interface on the main
// loop, so that typing never blocks the network. An incoming message is
// printed above the line being typed: the line is cleared, the message
// printed, and the prompt and the half-typed text drawn again, so nothing is
// garbled. The prompt always says where the user is (public or which group,
// its members and mode).
#pragma once

#include <glib.h>

#include <cstdio>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "client/people_output.hpp"
#include "io/signal_actions.hpp"

namespace imup::client {

class TerminalFrontEnd final : public PeopleOutput {
 public:
  // `out`: the terminal's output, standard output unless that carries a capture.
  explicit TerminalFrontEnd(std::FILE* out);
  ~TerminalFrontEnd() override;
  // Starts reading the keyboard; lines go to `session`.
  void attach(ClientSession& session);

  void on_view(const engine::ClientView& view) override;

 private:
  void show(const std::string& line) override { print_above(line); }
  void show_sent(const std::string& line) override;
  void saw(const engine::ClientEvent& e) override { remember_names(e); }
  static void on_line(char* line);
  static gboolean on_keyboard(gint fd, GIOCondition condition, gpointer self);
  void print_above(const std::string& text);
  // Takes the line readline has just accepted off the screen.
  void erase_accepted_line(const std::string& text);
  // Tab: command names at the start of a line, user names after it (those
  // seen in /list answers, messages and groups).
  static char** complete(const char* text, int start, int end);
  static char* next_match(const char* text, int state);
  void remember_names(const engine::ClientEvent& e);

  std::FILE* out_;
  guint keyboard_watch_ = 0;
  bool installed_ = false;
  // While a typed line is handled: readline draws the prompt itself when the
  // handler returns, so what is printed meanwhile must not draw it too.
  bool handling_line_ = false;
  std::optional<std::string> accepted_line_;  // the typed line being handled, still on screen
  std::string prompt_;
  std::set<std::string> known_names_;
  std::vector<std::string> matches_;  // of the completion in progress
  io::SignalActions signals_;  // SIGWINCH: readline must learn the new width
};

}  // namespace imup::client
