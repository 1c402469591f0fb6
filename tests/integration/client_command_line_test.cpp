// SPDX-License-Identifier: GPL-2.0-or-later
// imup-client's command line as a user meets it (issue 12): the exit scheme
// of cli/usage.hpp (0 done, 1 failures, 2 usage or input errors); a script
// that cannot be run refused before connecting; a script's failures counted
// in a summary; piped input read and printed as plain lines, kept until the
// connection is made and waited for at the end; delivery and failure events
// with the request's number; one format per output stream.
#include "catch.hpp"

#include <signal.h>

#include <fstream>
#include <sstream>

#include "imup_processes.hpp"

using namespace imup::testing;

namespace {

struct Run {
  std::optional<int> status;
  std::string out;  // standard output, every line
  std::string err;
};

// The client with `input` on standard input (then closed) and both outputs collected.
Run run_client(const TempDir& dir, std::vector<std::string> args, const std::string& input = "",
               std::chrono::milliseconds timeout = 30s) {
  args.insert(args.begin(), client_binary());
  ChildProcess p(args, dir.file("client.stderr"));
  std::istringstream lines(input);
  for (std::string line; std::getline(lines, line);) p.write_line(line);
  p.close_input();
  Run r;
  while (auto line = p.read_line(timeout)) r.out += *line + "\n";
  r.status = p.wait(timeout);
  r.err = p.stderr_text();
  return r;
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("a script that cannot be run is an input error (2), named, before connecting") {
  TempDir dir;
  ServerProcess server(dir);
  std::ofstream(dir.file("binary.script")) << "hello\n" << std::string("\x01\x00\x02", 3) << "\n";
  std::ofstream(dir.file("typo.script")) << "# fine so far\nhello\n/frobnicate\n";
  struct Case {
    std::string path, message;
  };
  for (const auto& c : {Case{dir.path, dir.path + ": is a directory"},
                        Case{dir.file("missing"), dir.file("missing") + ": No such file"},
                        Case{dir.file("binary.script"), dir.file("binary.script") + ":2: not a line of text"},
                        Case{dir.file("typo.script"), dir.file("typo.script") + ":3: unknown command /frobnicate"}}) {
    auto r = run_client(dir, {"--server", server.address(), "--name", "Anna", "--script", c.path});
    INFO(c.path << ": " << r.err);
    CHECK(r.status == 2);
    CHECK(r.out.empty());  // not even "ready": nothing was started
    CHECK(contains(r.err, "--script " + c.message));
  }
  // Nobody connected.
  CHECK(server.counters()["datagrams_in"] == 0);
  CHECK(server.stop() == 0);
}

TEST_CASE("a script whose commands fail exits 1 with a summary") {
  TempDir dir;
  ServerProcess server(dir);
  std::ofstream(dir.file("text.txt")) << "Dear diary,\nnothing happened.\n";
  auto r = run_client(dir, {"--server", server.address(), "--script", dir.file("text.txt")});
  CHECK(r.status == 1);
  CHECK(contains(r.out, R"({"event":"command_refused","line":"Dear diary,","error":"not connected"})"));
  CHECK(contains(r.out, R"({"event":"summary","commands":0,"refused":2,)"));
  CHECK(contains(r.err, "2 of 2 commands refused"));

  // A /wait that times out: 1 as well. (The server's error is an event the
  // script may wait for: not a failure by itself.)
  std::ofstream(dir.file("s")) << "/wait connected\n/msg Nobody hello\n/wait group_joined timeout=300\n";
  r = run_client(dir, {"--server", server.address(), "--name", "Anna", "--script", dir.file("s")});
  CHECK(r.status == 1);
  CHECK(contains(r.out, R"("error_name":"Unknown recipient")"));
  CHECK(contains(r.out, R"("wait_timeouts":1)"));
  CHECK(server.stop() == 0);
}

TEST_CASE("a script's events say which request was delivered or failed, by its number") {
  TempDir dir;
  ServerProcess server(dir);
  ScriptedClient anna(dir, "anna", server.address(), {"--name", "Anna"});
  anna.expect("connected");
  anna.send("bonjour");
  auto sent = anna.expect("command", {{"line", "bonjour"}});
  auto delivered = anna.expect("message_delivered", {{"command", sent["id"]}});
  CHECK(!delivered["seq"].empty());
  anna.send("/msg Nobody hello");
  auto refused = anna.expect("command", {{"line", "/msg Nobody hello"}});
  auto error = anna.expect("error_received", {{"command", refused["id"]}});
  CHECK(error["error_name"] == "Unknown recipient");
  CHECK(std::stoi(error["seq"]) == std::stoi(delivered["seq"]) + 1);
  CHECK(anna.quit() == 0);  // the server's answer is an event, not a failure of the script
  CHECK(server.stop() == 0);
}

TEST_CASE("piped input: plain lines, nothing lost before the connection, exit once all is answered") {
  TempDir dir;
  ServerProcess server(dir);
  ScriptedClient lucy(dir, "lucy", server.address(), {"--name", "Lucy"});
  lucy.expect("connected");
  auto r = run_client(dir, {"--server", server.address(), "--name", "Piper"}, "hi\n/list\n");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  CHECK(!contains(r.out, "\x1b"));  // no terminal escapes at all
  CHECK(contains(r.out, "* connecting to " + server.address() + " as Piper...\n"));
  CHECK(contains(r.out, "<Piper> hi\n"));
  CHECK(contains(r.out, "* delivered: hi\n"));
  CHECK(contains(r.out, " connected:"));  // the /list answer
  CHECK(contains(r.out, "* disconnected\n"));
  lucy.expect("message_received", {{"from", "Piper"}, {"text", "hi"}});

  // Something refused or failed: 1.
  r = run_client(dir, {"--server", server.address(), "--name", "Piper"}, "/msg Nobody hi\n/msg Lucy\n");
  CHECK(r.status == 1);
  CHECK(contains(r.out, "* usage: /msg USER TEXT\n"));
  CHECK(contains(r.out, "* NOT delivered: (to Nobody) hi (the server answered 14 Unknown recipient"));
  CHECK(lucy.quit() == 0);
  CHECK(server.stop() == 0);
}

TEST_CASE("piped input with nobody answering: progress at once, then a clear end with status 1") {
  TempDir dir;
  ServerProcess silent(dir);
  silent.process().signal(SIGSTOP);
  ChildProcess p({client_binary(), "--server", silent.address(), "--name", "Piper", "--tries", "2"},
                 dir.file("client.stderr"));
  p.write_line("hi");
  p.close_input();
  // At once, not after the tries.
  CHECK(p.read_line(1s) == "* connecting to " + silent.address() + " as Piper...");
  CHECK(p.read_line(1s) == "* held until connected: hi");
  std::string rest;
  while (auto line = p.read_line(20s)) rest += *line + "\n";
  INFO(rest);
  auto retry = rest.find("* no answer from " + silent.address() + " yet: asking again (try 2 of 2");
  auto gave_up = rest.find("* no answer from " + silent.address() + " after 2 tries in ");
  auto dropped = rest.find("* not sent: hi (no connection)");
  CHECK(retry != std::string::npos);
  CHECK(gave_up != std::string::npos);
  CHECK(dropped != std::string::npos);
  CHECK((retry < gave_up && gave_up < dropped));
  CHECK(p.wait(5s) == 1);
  silent.process().signal(SIGCONT);
  CHECK(silent.stop() == 0);
}

TEST_CASE("bad options exit 2 and name the option; --help states the exit scheme") {
  TempDir dir;
  for (const auto& [args, named] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--tries", "0"}, "--tries 0 is out of range: 1..16"},
           {{"--tries", "many"}, "--tries"},
           {{"--quit-timeout", "-1"}, "--quit-timeout -1 is out of range"},
           {{"--server", "nowhere:x"}, "--server"},
           {{"--frobnicate"}, "--frobnicate"},
           {{"--record", "-", "--script", "-"}, "--record - and --script"}}) {
    auto r = run_client(dir, args);
    INFO(r.err);
    CHECK(r.status == 2);
    CHECK(contains(r.err, named));
    CHECK(r.out.empty());
  }
  auto help = run_client(dir, {"--help"});
  CHECK(help.status == 0);
  CHECK(contains(help.out, "Exit status:"));
  CHECK(contains(help.out, "2  usage or input errors"));
}

TEST_CASE("--record - puts the capture alone on standard output, the text on standard error") {
  TempDir dir;
  ServerProcess server(dir);
  std::string command = "printf 'hi\\n' | " + client_binary() + " --server " + server.address() +
                        " --name Piper --record - >" + dir.file("out.pcap") + " 2>" + dir.file("err.txt");
  CHECK(std::system(command.c_str()) == 0);
  std::ifstream pcap(dir.file("out.pcap"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(pcap)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() >= 24);
  CHECK(bytes.substr(0, 4) == std::string("\xd4\xc3\xb2\xa1", 4));  // classic pcap, little-endian
  CHECK(!contains(bytes, "delivered"));
  std::ifstream err(dir.file("err.txt"));
  std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  CHECK(contains(text, "* delivered: hi"));
  CHECK(server.stop() == 0);
}
