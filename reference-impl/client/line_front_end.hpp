// SPDX-License-Identifier: GPL-2.0-or-later
// The front end for pipes: when standard input or the output is not a
// terminal (`printf 'hi\n/list\n' | imup-client --name Piper`), lines are
// read as they come and the output is plain lines, without a prompt or any
// terminal escape. Lines read while the Connexion is unanswered are held by
// the session and sent once connected. At the end of the input the client
// waits (boundedly) until every request has its answer, then disconnects
// and exits: 0 when all went through, 1 when something was refused or failed.
#pragma once

#include <glib.h>

#include <cstdio>
#include <string>

#include "client/people_output.hpp"

namespace imup::client {

class LineFrontEnd final : public PeopleOutput {
 public:
  explicit LineFrontEnd(std::FILE* out);
  ~LineFrontEnd() override;
  // Starts reading standard input; lines go to `session`.
  void attach(ClientSession& session);

  void on_view(const engine::ClientView&) override {}

 private:
  void show(const std::string& line) override;
  static gboolean on_input(GIOChannel* channel, GIOCondition condition, gpointer self);

  std::FILE* out_;
  GIOChannel* channel_ = nullptr;
  guint input_watch_ = 0;
};

}  // namespace imup::client
