// SPDX-License-Identifier: GPL-2.0-or-later
// SIGINT and SIGTERM as a request to stop, not a death: a tool that sends or
// relays datagrams finishes its round, prints its summary (as tcpreplay
// does), and exits 128 + the signal's number, as the shell reports a program
// the signal killed (130 for SIGINT, 143 for SIGTERM).
#pragma once

#include <signal.h>

namespace imup::tools {

// The signal that asked the program to stop, or 0.
inline volatile sig_atomic_t stop_signal = 0;

inline void note_stop_signal(int signal_number) { stop_signal = signal_number; }

// Installed without SA_RESTART: a blocking poll() or sleep returns EINTR,
// so the loop around it sees stop_signal at once.
inline void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = note_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// "SIGINT" or "SIGTERM", for the summary line.
inline const char* stop_signal_name() { return stop_signal == SIGINT ? "SIGINT" : "SIGTERM"; }

// The exit status after a stop by signal; STATUS when no signal came.
inline int status_after_stop(int status) { return stop_signal ? 128 + stop_signal : status; }

}  // namespace imup::tools
