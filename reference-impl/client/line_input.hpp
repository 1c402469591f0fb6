// SPDX-License-Identifier: GPL-2.0-or-later
// Lines from a file descriptor on the main loop, as they come: shared by the
// script runner (--script -, a FIFO) and the front end for pipes, so that
// both read bytes as they are (the engine checks UTF-8 where the protocol
// asks for it) and tell the end of the input from a read error alike.
#pragma once

#include <glib.h>

#include <functional>
#include <string>

namespace imup::client {

// A channel for `fd`, without a charset conversion, not blocking.
GIOChannel* open_line_channel(int fd);
// The same for a file opened by name; nullptr (and `error` set) when it cannot be opened.
GIOChannel* open_line_channel(const std::string& path, std::string& error);

enum class InputState { More, Ended, Failed };

// Hands every complete line ready now (its line ending kept) to `on_line`,
// which returns false to stop reading for now. More: come back when the
// channel is readable again.
InputState read_ready_lines(GIOChannel* channel, const std::function<bool(std::string)>& on_line);

}  // namespace imup::client
