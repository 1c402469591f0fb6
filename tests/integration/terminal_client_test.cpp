// SPDX-License-Identifier: GPL-2.0-or-later
// The interactive imup-client on a real pseudo-terminal: a message arriving
// while the user is typing is printed above the line, and the half-typed line
// comes back intact (it is then sent whole); escape sequences from other users
// are shown, not obeyed; the prompt follows the user from the public room into
// a group.
#include "catch.hpp"

#include <thread>

#include "imup_processes.hpp"
#include "pty_process.hpp"

using namespace imup::testing;


TEST_CASE("an incoming message never garbles the line being typed") {
  TempDir dir;
  ServerProcess server(dir);
  ScriptedClient lucy(dir, "lucy", server.address(), {"--name", "Lucy"});
  lucy.expect("connected");

  PtyProcess sheng({client_binary(), "--server", server.address(), "--name", "Sheng"});
  auto at = sheng.wait_for("Sheng@public> ");
  sheng.type("hello wor");
  at = sheng.wait_for("hello wor", at);
  // Sheng is relayed to only once his return path is proved (§14), which a
  // loaded machine may delay past his prompt: wait until Lucy's list shows him.
  bool listed = false;
  for (int attempt = 0; attempt < 20 && !listed; ++attempt) {
    if (attempt) std::this_thread::sleep_for(300ms);
    lucy.send("/list");
    listed = ("," + lucy.expect("user_list")["users"] + ",").find(",Sheng,") != std::string::npos;
  }
  REQUIRE(listed);

  lucy.send("Bonjour Sheng");
  at = sheng.wait_for("<Lucy> Bonjour Sheng\n", at);
  // The prompt and the half-typed text are drawn again below the message.
  at = sheng.wait_for("Sheng@public> hello wor", at);

  sheng.type("ld\r");
  lucy.expect("message_received", {{"from", "Sheng"}, {"text", "hello world"}});

  // A message may hold any character but CR and LF: an escape sequence from
  // another user is shown, not obeyed (here it would clear the screen).
  lucy.send("evil \x1b[2J");
  at = sheng.wait_for("<Lucy> evil \\x1B[2J", at);
  CHECK(sheng.raw().find("\x1b[2J") == std::string::npos);

  // Tab completes commands, and names seen so far (Lucy wrote to us).
  sheng.type("/ms\tLu\tsalut\r");
  lucy.expect("message_received", {{"from", "Sheng"}, {"text", "salut"}, {"direct", "true"}});

  // The prompt says where the user is: into a centralized group with Lucy.
  sheng.type("/invite Lucy centralise\r");
  lucy.expect("invitation_received", {{"inviter", "Sheng"}});
  lucy.send("/accept");
  at = sheng.wait_for("Sheng@group[centralized: Sheng,Lucy]> ", at);
  // Sheng's prompt can show the group before Lucy's client has learnt it is
  // in it (both hear from the server at once); a message sent before then
  // would not be a group message.
  lucy.expect("group_joined");
  lucy.send("On est en groupe");
  at = sheng.wait_for("(group) <Lucy> On est en groupe", at);

  sheng.type("/quit\r");
  CHECK(sheng.wait_exit(15s) == 0);
  lucy.expect("group_closed");
  CHECK(lucy.quit() == 0);
  CHECK(server.stop() == 0);
}
