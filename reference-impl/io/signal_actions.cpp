// SPDX-License-Identifier: GPL-2.0-or-later
#include "io/signal_actions.hpp"

#include <glib-unix.h>

namespace imup::io {

SignalActions::~SignalActions() {
  for (auto id : sources_) g_source_remove(id);
  for (auto* a : actions_) delete a;
}

void SignalActions::on(int signal, std::function<void()> action) {
  auto* stored = new std::function<void()>(std::move(action));
  actions_.push_back(stored);
  sources_.push_back(g_unix_signal_add(signal, dispatch, stored));
}

gboolean SignalActions::dispatch(gpointer action) {
  (*static_cast<std::function<void()>*>(action))();
  return G_SOURCE_CONTINUE;
}

}  // namespace imup::io
