// SPDX-License-Identifier: GPL-2.0-or-later
// What the interactive imup-client tells its user, on a real pseudo-terminal:
// the prompt drawn once after a local reply; message lines with the time and
// a mark when the server's ACK arrives; "/invite USER MODE" answering the
// offer without asking; English words for the modes; and, with nobody
// answering, the connection's progress at once and a clear end (status 1).
#include "catch.hpp"

#include <signal.h>

#include <regex>

#include "imup_processes.hpp"
#include "pty_process.hpp"

using namespace imup::testing;

namespace {

std::size_t count(const std::string& text, const std::string& what, std::size_t from) {
  std::size_t n = 0;
  for (auto at = text.find(what, from); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("the prompt is drawn once after a local reply") {
  TempDir dir;
  ServerProcess server(dir);
  PtyProcess sheng({client_binary(), "--server", server.address(), "--name", "Sheng"});
  auto at = sheng.wait_for("* connected as Sheng");
  at = sheng.wait_for("Sheng@public> ", at);
  for (const char* line : {"/where\r", "/frobnicate\r", "/msg Lucy\r"}) {
    sheng.type(line);
    at = sheng.wait_for("\n* ", at);  // the reply
    std::size_t reply = at;
    at = sheng.wait_for("Sheng@public> ", at);
    sheng.drain(300ms);  // anything drawn twice is there by now
    INFO("after " << line << " the screen shows:\n" << sheng.plain().substr(reply));
    CHECK(count(sheng.plain(), "Sheng@public> ", reply) == 1);
  }
  // Commands stay on the screen above their reply; only messages, which come
  // back with the time, are taken off.
  CHECK(sheng.raw().find("\x1b[1A\r\x1b[J") == std::string::npos);
  CHECK(sheng.plain().find("usage: /msg USER TEXT") != std::string::npos);
  sheng.type("/quit\r");
  CHECK(sheng.wait_exit(15s) == 0);
  CHECK(server.stop() == 0);
}

TEST_CASE("message lines carry the time, and a sent one its delivery") {
  TempDir dir;
  ServerProcess server(dir);
  ScriptedClient lucy(dir, "lucy", server.address(), {"--name", "Lucy"});
  lucy.expect("connected");
  PtyProcess sheng({client_binary(), "--server", server.address(), "--name", "Sheng"});
  auto at = sheng.wait_for("Sheng@public> ");
  sheng.type("/msg Lucy bonjour\r");
  lucy.expect("message_received", {{"from", "Sheng"}, {"text", "bonjour"}});
  at = sheng.wait_for("* delivered: (to Lucy) bonjour", at);
  std::smatch m;
  auto text = sheng.plain();
  CHECK(std::regex_search(text, m, std::regex(R"(\d\d:\d\d:\d\d \(to Lucy\) <Sheng> bonjour\n)")));
  CHECK(std::regex_search(text, m, std::regex(R"(\d\d:\d\d:\d\d \* delivered: \(to Lucy\) bonjour\n)")));
  // The typed line is taken off the screen (one line up, cleared) before the
  // timestamped one is drawn: the words are not shown twice.
  const std::string& raw = sheng.raw();
  auto typed_at = raw.rfind("/msg Lucy bonjour");
  REQUIRE(typed_at != std::string::npos);
  auto echo_at = raw.find("<Sheng> bonjour", typed_at);
  REQUIRE(echo_at != std::string::npos);
  CHECK(raw.substr(typed_at, echo_at - typed_at).find("\x1b[1A\r\x1b[J") != std::string::npos);
  lucy.send("/msg Sheng salut");
  at = sheng.wait_for("<Lucy> salut", at);
  text = sheng.plain();
  CHECK(std::regex_search(text, m, std::regex(R"(\d\d:\d\d:\d\d \(to you\) <Lucy> salut\n)")));

  // Refused by the server (14): a failure line with the error's name.
  sheng.type("/msg Nobody hello\r");
  at = sheng.wait_for("* NOT delivered: (to Nobody) hello (the server answered 14 Unknown recipient", at);

  // The mode on the command answers the server's offer: no question asked,
  // and the modes in English.
  sheng.type("/invite Lucy decentralise\r");
  at = sheng.wait_for("/invite Lucy decentralise\n", at);  // the typed line
  auto typed = at;
  lucy.expect("invitation_received", {{"inviter", "Sheng"}, {"mode", "decentralized"}});
  lucy.send("/accept");
  at = sheng.wait_for("Sheng@group[decentralized: Sheng,Lucy]> ", at);
  text = sheng.plain().substr(typed);
  CHECK(text.find("offers") == std::string::npos);
  CHECK(text.find("/mode centrali") == std::string::npos);
  CHECK(text.find("decentralise") == std::string::npos);  // French only where the user typed it
  CHECK(text.find("joined a decentralized group") != std::string::npos);

  sheng.type("/quit\r");
  CHECK(sheng.wait_exit(15s) == 0);
  CHECK(lucy.quit() == 0);
  CHECK(server.stop() == 0);
}

TEST_CASE("with nobody answering, the terminal says so at once and gives up with status 1") {
  TempDir dir;
  ServerProcess silent(dir);
  silent.process().signal(SIGSTOP);  // bound, never reading
  PtyProcess piper({client_binary(), "--server", silent.address(), "--name", "Piper", "--tries", "2"});
  piper.wait_for("* connecting to " + silent.address() + " as Piper...", 0, 2s);
  auto at = piper.wait_for("* no answer from " + silent.address() + " yet: asking again (try 2 of 2", 0, 5s);
  piper.wait_for("* no answer from " + silent.address() + " after 2 tries in ", at, 15s);
  CHECK(piper.wait_exit(5s) == 1);
  silent.process().signal(SIGCONT);
  CHECK(silent.stop() == 0);
}
