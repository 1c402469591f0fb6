// SPDX-License-Identifier: GPL-2.0-or-later
#include "client/line_input.hpp"

namespace imup::client {

namespace {
GIOChannel* raw_and_nonblocking(GIOChannel* channel) {
  g_io_channel_set_encoding(channel, nullptr, nullptr);
  g_io_channel_set_flags(channel, G_IO_FLAG_NONBLOCK, nullptr);
  return channel;
}
}  // namespace

GIOChannel* open_line_channel(int fd) { return raw_and_nonblocking(g_io_channel_unix_new(fd)); }

GIOChannel* open_line_channel(const std::string& path, std::string& error) {
  GError* e = nullptr;
  GIOChannel* channel = g_io_channel_new_file(path.c_str(), "r", &e);
  if (!channel) {
    error = e->message;
    g_error_free(e);
    return nullptr;
  }
  return raw_and_nonblocking(channel);
}

InputState read_ready_lines(GIOChannel* channel, const std::function<bool(std::string)>& on_line) {
  for (;;) {
    gchar* line = nullptr;
    gsize length = 0;
    GIOStatus status = g_io_channel_read_line(channel, &line, &length, nullptr, nullptr);
    if (status == G_IO_STATUS_NORMAL) {
      std::string text(line, length);
      g_free(line);
      if (!on_line(std::move(text))) return InputState::More;
      continue;
    }
    g_free(line);
    if (status == G_IO_STATUS_AGAIN) return InputState::More;
    return status == G_IO_STATUS_EOF ? InputState::Ended : InputState::Failed;
  }
}

}  // namespace imup::client
