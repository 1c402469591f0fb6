// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/terminal_front_end.hpp"

#include <glib-unix.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

// readline.h needs stdio.h first.
#include <readline/history.h>
#include <readline/readline.h>

#include <glib.h>

#include "client/event_text.hpp"
#include "io/printable_text.hpp"

namespace imup::client {

namespace {
// readline's callback interface has no user data pointer: one terminal per process.
TerminalFrontEnd* g_terminal = nullptr;

// Columns a UTF-8 string takes on a terminal: East Asian wide characters two,
// combining and other zero-width characters none.
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (const char* p = text.c_str(); *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char_validated(p, -1);
    if (c == gunichar(-1) || c == gunichar(-2)) {
      ++width;  // printable() already replaced what is not UTF-8
      continue;
    }
    width += g_unichar_iszerowidth(c) ? 0 : g_unichar_iswide(c) ? 2 : 1;
  }
  return width;
}
}  // namespace

TerminalFrontEnd::TerminalFrontEnd(std::FILE* out) : out_(out) {
  g_terminal = this;
  rl_outstream = out;
  // GLib handles the signals (g_unix_signal_add); readline must not.
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  rl_attempted_completion_function = complete;
  // Names may hold any character but white space and commas (§4.2).
  rl_basic_word_break_characters = const_cast<char*>(" \t,");
}

TerminalFrontEnd::~TerminalFrontEnd() {
  if (keyboard_watch_) g_source_remove(keyboard_watch_);
  if (installed_) {
    rl_callback_handler_remove();
    std::fputs("\n", out_);
  }
  g_terminal = nullptr;
}

void TerminalFrontEnd::attach(ClientSession& session) {
  set_session(session);
  prompt_ = prompt_for(session.view());
  rl_callback_handler_install(io::printable(prompt_).c_str(), on_line);
  installed_ = true;
  signals_.on(SIGWINCH, [] { rl_resize_terminal(); });
  keyboard_watch_ = g_unix_fd_add(STDIN_FILENO, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR),
                                  on_keyboard, this);
}

gboolean TerminalFrontEnd::on_keyboard(gint, GIOCondition, gpointer) {
  rl_callback_read_char();
  return G_SOURCE_CONTINUE;
}

void TerminalFrontEnd::on_line(char* line) {
  auto* self = g_terminal;
  if (!self) {
    std::free(line);
    return;
  }
  if (!line) {  // end of input (Ctrl-D)
    if (self->keyboard_watch_) {
      g_source_remove(self->keyboard_watch_);
      self->keyboard_watch_ = 0;
    }
    rl_callback_handler_remove();
    self->installed_ = false;
    std::fputs("\n", self->out_);
    self->session_->quit();
    return;
  }
  std::string text(line);
  std::free(line);
  // The accepted line is already on the screen; a prompt redrawn while it is
  // handled (a /quit changes it) must not draw it a second time.
  rl_replace_line("", 0);
  if (!text.empty()) add_history(text.c_str());
  self->handling_line_ = true;
  self->accepted_line_ = text;
  self->run_typed_line(text);
  self->accepted_line_.reset();
  self->handling_line_ = false;
}

void TerminalFrontEnd::show_sent(const std::string& line) {
  // The typed line and this one carry the same words: keep the one with the
  // time and the sender. Only while the typed line is the last thing drawn.
  if (accepted_line_ && handling_line_) {
    erase_accepted_line(*accepted_line_);
    accepted_line_.reset();
  }
  print_above(line);
}

void TerminalFrontEnd::erase_accepted_line(const std::string& text) {
  int rows = 0, columns = 0;
  rl_get_screen_size(&rows, &columns);
  if (columns <= 0) return;
  // The prompt and the line, wrapped at the terminal's width; the cursor is on
  // the line below them now.
  std::size_t width = display_width(io::printable(prompt_)) + display_width(text);
  std::size_t lines = width == 0 ? 1 : (width + std::size_t(columns) - 1) / std::size_t(columns);
  // Up that many lines, to their first column, and clear to the end of the screen.
  std::fprintf(out_, "\x1b[%zuA\r\x1b[J", lines);
  std::fflush(out_);
}

void TerminalFrontEnd::print_above(const std::string& text) {
  if (text.empty()) return;
  accepted_line_.reset();  // anything printed below the typed line keeps it there
  if (!installed_ || handling_line_) {
    // Below the accepted line, the cursor at the start of a fresh line.
    std::fprintf(out_, "%s\n", io::printable(text, true).c_str());
    std::fflush(out_);
    return;
  }
  // Clear the prompt and the half-typed line, print, then draw both again:
  // readline keeps the line buffer and the cursor position meanwhile.
  rl_clear_visible_line();
  std::fprintf(out_, "%s\n", io::printable(text, true).c_str());
  std::fflush(out_);
  rl_on_new_line();
  rl_redisplay();
}

void TerminalFrontEnd::remember_names(const engine::ClientEvent& event) {
  namespace ev = engine::event;
  if (auto* list = std::get_if<ev::UserList>(&event)) {
    known_names_.clear();
    for (const auto& u : list->users) known_names_.insert(u.name);
  } else if (auto* m = std::get_if<ev::MessageReceived>(&event)) {
    known_names_.insert(m->sender);
  } else if (auto* i = std::get_if<ev::InvitationReceived>(&event)) {
    known_names_.insert(i->members.begin(), i->members.end());
  } else if (auto* g = std::get_if<ev::GroupUpdated>(&event)) {
    for (const auto& member : g->members) known_names_.insert(member.name);
  } else if (auto* j = std::get_if<ev::GroupJoined>(&event)) {
    for (const auto& member : j->members) known_names_.insert(member.name);
  }
}

char** TerminalFrontEnd::complete(const char* text, int start, int) {
  auto* self = g_terminal;
  rl_attempted_completion_over = 1;  // never fall back to file names
  if (!self) return nullptr;
  self->matches_.clear();
  std::string_view prefix(text);
  if (start == 0 && prefix.starts_with("/")) {
    for (const char* c : {"/msg", "/list", "/invite", "/mode", "/accept", "/refuse", "/leave",
                          "/connect", "/disconnect", "/quit", "/where", "/help"})
      if (std::string_view(c).starts_with(prefix)) self->matches_.emplace_back(c);
  } else if (start > 0) {
    for (const auto& n : self->known_names_)
      if (n.starts_with(prefix)) self->matches_.push_back(n);
  }
  return rl_completion_matches(text, next_match);
}

char* TerminalFrontEnd::next_match(const char*, int state) {
  auto* self = g_terminal;
  if (!self || std::size_t(state) >= self->matches_.size()) return nullptr;
  return strdup(self->matches_[std::size_t(state)].c_str());
}

void TerminalFrontEnd::on_view(const engine::ClientView& view) {
  auto prompt = prompt_for(view);
  if (prompt == prompt_) return;
  prompt_ = prompt;
  if (!installed_) return;
  auto shown = io::printable(prompt_);
  rl_set_prompt(shown.c_str());
  if (handling_line_) return;  // readline draws it when the handler returns
  rl_clear_visible_line();
  rl_on_new_line();
  rl_redisplay();
}

}  // namespace imup::client
