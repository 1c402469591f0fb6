// SPDX-License-Identifier: GPL-2.0-or-later
// imup-client --script FILE as automation uses it: two clients whose scripts
// synchronise on each other's messages with /wait, run side by side; the exit
// statuses a script reports (a /wait that times out, a line that is not a
// command, a server that never answers); and --record on the client.
#include "catch.hpp"

#include <signal.h>

#include <fstream>

#include "capture_payloads.hpp"
#include "imup_processes.hpp"

using namespace imup::testing;

namespace {

std::vector<Event> read_events(ChildProcess& p) {
  std::vector<Event> events;
  while (auto line = p.read_line(20s)) events.push_back(parse_event(*line));
  return events;
}

bool has(const std::vector<Event>& events, const std::string& name,
         const std::map<std::string, std::string>& fields = {}) {
  for (const auto& e : events) {
    if (e["event"] != name) continue;
    bool all = true;
    for (const auto& [k, v] : fields) all = all && e[k] == v;
    if (all) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("two script files talk to each other, synchronised by /wait") {
  TempDir dir;
  ServerProcess server(dir);
  std::ofstream(dir.file("lucy.script"))
      << "# Lucy answers Sheng, then waits for his goodbye\n"
         "/wait connected\n"
         "/wait message_received from=Sheng text=Bonjour\n"
         "Bonjour Sheng\n"
         "/wait message_received from=Sheng text=\"Au revoir\" timeout=20000\n"
         "/quit\n";
  std::ofstream(dir.file("sheng.script"))
      << "/wait connected\n"
         "/sleep 200\n"
         "Bonjour\n"
         "/wait message_received from=Lucy\n"
         "/where\n"
         "Au revoir\n"
         "/wait message_delivered\n";  // end of file: disconnect and exit
  ChildProcess lucy({client_binary(), "--server", server.address(), "--name", "Lucy", "--script",
                     dir.file("lucy.script")},
                    dir.file("lucy.stderr"));
  lucy.read_line(10s);  // "ready": Lucy is up before Sheng says hello
  ChildProcess sheng({client_binary(), "--server", server.address(), "--name", "Sheng",
                      "--script", dir.file("sheng.script"), "--record",
                      dir.file("sheng.pcapng")},
                     dir.file("sheng.stderr"));
  auto lucy_events = read_events(lucy);
  auto sheng_events = read_events(sheng);
  CHECK(lucy.wait(10s) == 0);
  CHECK(sheng.wait(10s) == 0);
  CHECK(has(lucy_events, "message_received", {{"from", "Sheng"}, {"text", "Au revoir"}}));
  CHECK(has(sheng_events, "message_received", {{"from", "Lucy"}, {"text", "Bonjour Sheng"}}));
  CHECK(has(sheng_events, "where", {{"room", "public"}, {"name", "Sheng"}}));
  CHECK(has(sheng_events, "disconnected"));
  CHECK(has(lucy_events, "disconnected"));
  // Sheng's own recording holds his side of the conversation.
  auto recorded = read_capture(dir.file("sheng.pcapng"));
  CHECK(recorded.size() >= 8);
  for (const auto& d : recorded)
    CHECK((d.source_port == server.port() || d.destination_port == server.port()));
  CHECK(server.stop() == 0);
}

TEST_CASE("a /wait that times out ends the script with status 1") {
  TempDir dir;
  ServerProcess server(dir);
  std::ofstream(dir.file("s")) << "/wait connected\n/wait group_joined timeout=300\nnever sent\n";
  ChildProcess c({client_binary(), "--server", server.address(), "--name", "Anna", "--script",
                  dir.file("s")},
                 dir.file("c.stderr"));
  auto events = read_events(c);
  CHECK(c.wait(10s) == 1);  // a failure (cli/usage.hpp); it was 3 before the one exit scheme
  CHECK(has(events, "wait_timeout", {{"waiting_for", "group_joined"}, {"line", "2"}}));
  CHECK(!has(events, "command", {{"line", "never sent"}}));
  CHECK(has(events, "disconnected"));
  CHECK(server.stop() == 0);
}

TEST_CASE("a script line that is no command ends the script with status 2") {
  TempDir dir;
  ServerProcess server(dir);
  // From a stream, read as it comes (a file is checked whole before
  // connecting: client_command_line_test.cpp).
  ChildProcess c({client_binary(), "--server", server.address(), "--name", "Anna", "--script", "-"},
                 dir.file("c.stderr"));
  for (const char* line : {"/wait connected", "/frobnicate", "never sent"}) c.write_line(line);
  c.close_input();
  auto events = read_events(c);
  CHECK(c.wait(10s) == 2);
  CHECK(has(events, "script_error", {{"line", "2"}, {"text", "/frobnicate"}}));
  CHECK(!has(events, "command", {{"line", "never sent"}}));
  CHECK(server.stop() == 0);
}

TEST_CASE("a server that never answers is reported and the script ends with status 1") {
  TempDir dir;
  // A stopped server: its socket is bound, nobody reads it.
  ServerProcess silent(dir);
  silent.process().signal(SIGSTOP);
  ChildProcess c({client_binary(), "--server", silent.address(), "--name", "Anna", "--tries",
                  "1", "--script", "-"},
                 dir.file("c.stderr"));
  std::vector<Event> events;
  while (auto line = c.read_line(15s)) {
    events.push_back(parse_event(*line));
    if (events.back()["event"] == "server_gone" || events.back()["event"] == "delivery_failed")
      break;
  }
  CHECK((has(events, "server_gone") || has(events, "delivery_failed")));
  c.close_input();
  while (auto line = c.read_line(15s)) events.push_back(parse_event(*line));
  CHECK(c.wait(15s) == 1);
  silent.process().signal(SIGCONT);
  CHECK(silent.stop() == 0);
}
