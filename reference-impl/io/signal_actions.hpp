// SPDX-License-Identifier: GPL-2.0-or-later
// Unix signals as main-loop events (g_unix_signal_add): the handler runs in the
// loop, between two datagrams, never inside one.
#pragma once

#include <functional>
#include <vector>

#include <glib.h>

namespace imup::io {

class SignalActions {
 public:
  SignalActions() = default;
  ~SignalActions();
  SignalActions(const SignalActions&) = delete;
  SignalActions& operator=(const SignalActions&) = delete;

  // One of SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH (GLib's list).
  void on(int signal, std::function<void()> action);

 private:
  static gboolean dispatch(gpointer action);
  std::vector<guint> sources_;
  std::vector<std::function<void()>*> actions_;
};

}  // namespace imup::io
