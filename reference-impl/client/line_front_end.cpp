// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/line_front_end.hpp"

#include "client/line_input.hpp"
#include "io/printable_text.hpp"

namespace imup::client {

LineFrontEnd::LineFrontEnd(std::FILE* out) : out_(out), channel_(open_line_channel(0)) {}

LineFrontEnd::~LineFrontEnd() {
  if (input_watch_) g_source_remove(input_watch_);
  g_io_channel_unref(channel_);
}

void LineFrontEnd::attach(ClientSession& session) {
  set_session(session);
  input_watch_ = g_io_add_watch(channel_, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR), on_input, this);
}

void LineFrontEnd::show(const std::string& line) {
  // Other users' text with its control characters escaped, as on a terminal:
  // a pipe read by a terminal later must not obey them either.
  std::fprintf(out_, "%s\n", io::printable(line, true).c_str());
  std::fflush(out_);
}

gboolean LineFrontEnd::on_input(GIOChannel* channel, GIOCondition, gpointer data) {
  auto* self = static_cast<LineFrontEnd*>(data);
  auto state = read_ready_lines(channel, [self](std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    self->run_typed_line(text);
    return !self->session_->leaving();
  });
  if (state == InputState::More && !self->session_->leaving()) return G_SOURCE_CONTINUE;
  // End of input (or /quit): leave once every request has its answer.
  self->input_watch_ = 0;
  self->session_->quit_when_idle(self->session_->settle_bound());
  return G_SOURCE_REMOVE;
}

}  // namespace imup::client
