// SPDX-License-Identifier: GPL-2.0-or-later
// Losing the server with real processes (PROTOCOL.md §7, §9.4): an idle
// `imup-client --reconnect` whose imup-server is killed with SIGKILL and
// started again on the same port notices the silence within two probe
// intervals plus the first retransmission timeout, says so, and connects
// again under its name; the new server lists it. Short probe intervals on
// both sides (the server's timers.probe-interval-ms, the client's
// --probe-interval) keep it to seconds; everything is on 127.0.0.1.
#include "catch.hpp"

#include <signal.h>

#include <chrono>
#include <memory>

#include "imup_processes.hpp"

using namespace imup::testing;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
}  // namespace

TEST_CASE("an idle --reconnect client notices its server's kill -9 and connects again to the restarted one") {
  TempDir dir;
  const std::vector<std::string> probes{"--set", "timers.probe-interval-ms=1000"};
  auto first = std::make_unique<ServerProcess>(dir, probes);
  const std::string port = std::to_string(first->port());
  // The client's silence deadline: 2 x 1 s + the first retransmission's 3 s = 5 s.
  ScriptedClient piper(dir, "piper", first->address(),
                       {"--name", "Piper", "--reconnect", "--reconnect-attempts", "5",
                        "--probe-interval", "1000", "--tries", "2"});
  piper.expect("connected", {{"name", "Piper"}});
  piper.expect("where", {{"connection", "connected"}});

  auto killed = Clock::now();
  first->process().signal(SIGKILL);
  REQUIRE(first->process().wait(5s) == 128 + SIGKILL);
  // The same port at once: the new server knows nobody, and drops the old
  // client's datagrams (its ACKs, its requests) without a word.
  auto args = probes;
  args.insert(args.end(), {"--listen", "127.0.0.1:" + port});
  ServerProcess second(dir, args);
  REQUIRE(std::to_string(second.port()) == port);

  auto gone = piper.expect("server_gone", {}, 15s);
  double noticed = seconds_since(killed);
  CHECK(gone["detail"].find("nothing heard from the server for 5 s") != std::string::npos);
  piper.expect("reconnect_scheduled", {{"attempt", "1"}, {"max_attempts", "5"}, {"delay_ms", "1000"}});
  piper.expect("where", {{"connection", "disconnected"}, {"reconnecting", "true"}});
  piper.expect("reconnecting", {{"attempt", "1"}, {"name", "Piper"}}, 5s);
  piper.expect("connected", {{"name", "Piper"}}, 10s);
  auto back = piper.expect("reconnected", {{"name", "Piper"}, {"room", "public"}});
  double reconnected = seconds_since(killed);
  INFO("server_gone " << noticed << " s after the kill, reconnected " << reconnected << " s after it");
  // The last probe came at most 1 s before the kill: 4-5 s, plus the scheduling's slack.
  CHECK(noticed >= 3.5);
  CHECK(noticed <= 7.0);
  CHECK(reconnected <= noticed + 4.0);  // 1 s of backoff, then the Connexion's first copy
  CHECK(back["attempts"] == "1");
  piper.expect("where", {{"connection", "connected"}, {"room", "public"}});

  // The new server lists Piper to a newcomer.
  ScriptedClient lucy(dir, "lucy", second.address(), {"--name", "Lucy"});
  lucy.expect("connected");
  lucy.send("/list");
  auto list = lucy.expect("user_list");
  CHECK(list["users"].find("Piper") != std::string::npos);

  CHECK(lucy.quit() == 0);
  // The loss was recovered from: nothing failed.
  CHECK(piper.quit() == 0);
  CHECK(second.stop() == 0);
}
