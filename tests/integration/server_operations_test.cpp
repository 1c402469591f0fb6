// SPDX-License-Identifier: GPL-2.0-or-later
// imup-server as an operator runs it: signals (SIGUSR1 counters, SIGHUP
// reload, SIGTERM/SIGINT stop), garbage on the socket (counted, logged at a
// bounded rate, never fatal), --record read back by the real capinfos, and
// clear errors with exit status 2 for bad command lines and config files.
#include "catch.hpp"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include "capture_payloads.hpp"
#include "imup_processes.hpp"

using namespace imup::testing;

namespace {

// Runs a command line; returns its exit status and everything it printed.
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

void send_raw(std::uint16_t port, const std::vector<std::uint8_t>& bytes) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(port);
  sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  close(fd);
}

std::size_t count_lines_containing(const std::string& text, const std::string& what) {
  std::size_t n = 0, at = 0;
  while ((at = text.find(what, at)) != std::string::npos) {
    ++n;
    at += what.size();
  }
  return n;
}

// Waits until the server's log says `what` `times` times (a signal was handled).
bool log_says(ServerProcess& server, const std::string& what, std::size_t times) {
  for (int i = 0; i < 500; ++i) {
    if (count_lines_containing(server.process().stderr_text(), what) >= times) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace

TEST_CASE("bad command lines and config files get a clear error and status 2") {
  TempDir dir;
  auto server = server_binary();
  auto client = client_binary();
  auto [s1, o1] = run(server + " --listen 127.0.0.1");
  CHECK(s1 == 2);
  CHECK(o1.find("--listen: [server] listen: '127.0.0.1' is not ADDR:PORT") != std::string::npos);
  auto [s2, o2] = run(server + " --bogus");
  CHECK(s2 == 2);
  CHECK(o2.find("Unknown option --bogus") != std::string::npos);
  std::ofstream(dir.file("bad.conf")) << "[timers]\nfirst-timeout-min-ms = 500\n";
  auto [s3, o3] = run(server + " --config " + dir.file("bad.conf"));
  CHECK(s3 == 2);
  CHECK(o3.find("invalid settings") != std::string::npos);
  auto [s4, o4] = run(server + " --config " + dir.file("missing.conf"));
  CHECK(s4 == 2);
  CHECK(o4.find(dir.file("missing.conf")) != std::string::npos);
  auto [s5, o5] = run(client + " --server 127.0.0.1:0 --script /dev/null");
  CHECK(s5 == 2);
  CHECK(o5.find("port 0") != std::string::npos);
  auto [s6, o6] = run(client + " --name 'two words' --script /dev/null");
  CHECK(s6 == 2);
  CHECK(o6.find("--name") != std::string::npos);
  auto [s7, o7] = run(client + " --script " + dir.file("no-such-script"));
  CHECK(s7 == 2);  // an input error (cli/usage.hpp), found before connecting
  CHECK(o7.find("no-such-script") != std::string::npos);
  // A capture file that cannot be created stops the server before it serves: an input error.
  auto [s9, o9] = run(server + " --listen 127.0.0.1:0 --record /nonexistent-dir/x.pcapng");
  CHECK(s9 == 2);
  CHECK(o9.find("--record") != std::string::npos);
  CHECK(o9.find("/nonexistent-dir/x.pcapng") != std::string::npos);
  auto [s8, o8] = run(server + " --help");
  CHECK(s8 == 0);
  CHECK(o8.find("--record") != std::string::npos);
}

TEST_CASE("SIGHUP reloads the limits from the config file; a bad file changes nothing") {
  TempDir dir;
  auto config = dir.file("server.conf");
  std::ofstream(config) << "[limits]\nmax-clients = 5\n";
  ServerProcess server(dir, {"--config", config});
  ScriptedClient a(dir, "a", server.address(), {"--name", "Anna"});
  a.expect("connected");

  std::ofstream(config) << "[limits]\nmax-clients = 1\n";
  server.process().signal(SIGHUP);
  REQUIRE(log_says(server, "SIGHUP: reloaded settings", 1));
  ScriptedClient b(dir, "b", server.address(), {"--name", "Bruno"});
  auto refused = b.expect("connect_refused");
  CHECK(!refused["reason"].empty());

  std::ofstream(config) << "[limits]\nmax-clients = many\n";
  server.process().signal(SIGHUP);
  REQUIRE(log_says(server, "settings unchanged", 1));
  b.send("/connect Bruno");
  b.expect("connect_refused");  // still the limit of 1

  std::ofstream(config) << "[limits]\nmax-clients = 2\n";
  server.process().signal(SIGHUP);
  REQUIRE(log_says(server, "SIGHUP: reloaded settings", 2));
  b.send("/connect Bruno");
  b.expect("connected", {{"name", "Bruno"}});

  CHECK(a.quit() == 0);
  CHECK(b.quit() == 0);
  CHECK(server.stop() == 0);
  auto log = server.process().stderr_text();
  CHECK(count_lines_containing(log, "SIGHUP: reloaded settings") == 2);
  CHECK(log.find("'many' is not a whole number; settings unchanged") != std::string::npos);
}

TEST_CASE("garbage is counted by reason, logged at a bounded rate, and never fatal") {
  TempDir dir;
  ServerProcess server(dir);
  for (int i = 0; i < 40; ++i) send_raw(server.port(), {0x01, 0x02});       // truncated
  for (int i = 0; i < 3; ++i) send_raw(server.port(), {0xFF, 0xFF, 0xFF, 0xFF});  // unknown type
  send_raw(server.port(), std::vector<std::uint8_t>(1100, 0x41));          // too long
  // The signal may be handled before the socket is drained: ask until all
  // 44 datagrams are accounted for (or give up after a few seconds).
  auto c = server.counters();
  for (int i = 0; i < 50 && c["drops"] < 44; ++i) {
    std::this_thread::sleep_for(100ms);
    c = server.counters();
  }
  CHECK(c["drops.truncated"] == 40);
  CHECK(c["drops.too_long"] == 1);
  CHECK(c["drops.unknown_type"] + c["drops.malformed"] == 3);
  CHECK(c["log_lines_suppressed"] >= 35);

  // Still serving.
  ScriptedClient a(dir, "a", server.address(), {"--name", "Anna"});
  a.expect("connected");
  CHECK(a.quit() == 0);
  CHECK(server.stop() == 0);
  auto log = server.process().stderr_text();
  CHECK(count_lines_containing(log, "truncated") <= 5);
}

TEST_CASE("SIGUSR1 prints the counters; SIGINT stops cleanly and prints them again") {
  TempDir dir;
  ServerProcess server(dir);
  // The server will be gone when Anna says goodbye: she waits 1 s, not 10.
  ScriptedClient a(dir, "a", server.address(), {"--name", "Anna", "--quit-timeout", "1000"});
  a.expect("connected");
  auto c = server.counters();
  CHECK(c["clients"] == 1);
  CHECK(c["datagrams_in"] >= 1);
  CHECK(c["datagrams_out"] >= 1);
  CHECK(c.count("drops.amplification") == 1);
  server.process().signal(SIGINT);
  std::string text;
  while (auto line = server.process().read_line(5s)) text += *line + "\n";
  CHECK(server.process().wait(5s) == 0);
  CHECK(text.find("counters after") != std::string::npos);
  CHECK(a.quit(10s) == 0);
}

TEST_CASE("--record writes a pcapng that capinfos and libpcap read, every datagram in it") {
  TempDir dir;
  auto capture = dir.file("server.pcapng");
  ServerProcess server(dir, {"--record", capture});
  {
    ScriptedClient a(dir, "a", server.address(), {"--name", "Anna"});
    a.expect("connected");
    a.send("/list");
    a.expect("user_list");
    CHECK(a.quit() == 0);
  }
  std::map<std::string, std::uint64_t> c;
  CHECK(server.stop(&c) == 0);
  auto datagrams = c["datagrams_in"] + c["datagrams_out"];
  CHECK(datagrams >= 6);
  CHECK(read_capture(capture).size() == datagrams);
  auto [status, out] = run("capinfos -M -c -t " + capture);
  CHECK(status == 0);
  CHECK(out.find("pcapng") != std::string::npos);
  auto at = out.find("Number of packets:");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoull(out.substr(at + 18)) == datagrams);
  // Every frame's IPv4 and UDP checksums are right, as tshark computes them.
  // Read as plain UDP: an IMUP plugin installed system-wide would otherwise
  // name the frames IMUP (this test is about the recording, not the plugin).
  // Disabling a protocol tshark does not know is fatal from 4.4 on.
  const std::string plain_tshark =
      "tshark $(tshark -G protocols 2>/dev/null | cut -f3 | grep -qx imup && echo --disable-protocol imup)";
  auto [tstatus, tout] = run(plain_tshark + " -r " + capture +
                             " -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE"
                             " -Y 'udp.checksum.status == \"Bad\" || ip.checksum.status == \"Bad\"'");
  CHECK(tstatus == 0);
  // (tshark run as root says so on standard error; only frame lines matter.)
  CHECK(tout.find("UDP") == std::string::npos);
  auto [astatus, all] = run(plain_tshark + " -r " + capture);
  CHECK(astatus == 0);
  CHECK(count_lines_containing(all, "UDP") == datagrams);
}

TEST_CASE("--record - puts the capture alone on standard output; the text goes to standard error") {
  TempDir dir;
  auto capture = dir.file("stdout.pcap"), text = dir.file("stderr.txt"), pid_file = dir.file("pid");
  // The shell gives the server a file as standard output, as a pipe would be.
  REQUIRE(std::system((server_binary() + " --listen 127.0.0.1:0 --record - > " + capture + " 2> " + text +
                       " & echo $! > " + pid_file)
                          .c_str()) == 0);
  std::string port;
  for (int i = 0; i < 250 && port.empty(); ++i) {
    std::this_thread::sleep_for(20ms);
    std::ifstream in(text);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("imup-server listening on 127.0.0.1:", 0) == 0) port = line.substr(35);
  }
  REQUIRE(!port.empty());
  pid_t pid = 0;
  std::ifstream(pid_file) >> pid;
  REQUIRE(pid > 0);
  {
    ScriptedClient a(dir, "a", "127.0.0.1:" + port, {"--name", "Anna"});
    a.expect("connected");
    a.send("/list");
    a.expect("user_list");
    CHECK(a.quit() == 0);
  }
  kill(pid, SIGTERM);
  bool stopped = false;
  for (int i = 0; i < 250 && !stopped; ++i) {
    std::this_thread::sleep_for(20ms);
    std::ifstream in(text);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    stopped = all.find("wrote ") != std::string::npos;
  }
  REQUIRE(stopped);
  std::this_thread::sleep_for(100ms);  // the process closes its standard output and exits
  std::ifstream in(text);
  std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The counters (printed at exit) went to standard error with the listening line.
  auto at = err.find("  datagrams_in");
  REQUIRE(at != std::string::npos);
  auto datagrams_in = std::stoull(err.substr(err.find_first_of("0123456789", at)));
  at = err.find("  datagrams_out");
  REQUIRE(at != std::string::npos);
  auto datagrams_out = std::stoull(err.substr(err.find_first_of("0123456789", at)));
  CHECK(datagrams_in + datagrams_out >= 6);
  // Standard output is a capture libpcap and capinfos read, each datagram in it, and nothing else.
  CHECK(read_capture(capture).size() == datagrams_in + datagrams_out);
  std::ifstream bytes(capture, std::ios::binary);
  std::string out((std::istreambuf_iterator<char>(bytes)), std::istreambuf_iterator<char>());
  CHECK(out.find("imup-server") == std::string::npos);
  CHECK(out.find("datagrams_in") == std::string::npos);
  auto [status, info] = run("capinfos -c " + capture);
  CHECK(status == 0);
  auto count = info.find("Number of packets:");
  REQUIRE(count != std::string::npos);
  CHECK(std::stoull(info.substr(count + 18)) == datagrams_in + datagrams_out);
}

TEST_CASE("timers run on the main loop: a silent member is probed, given up, its group closed") {
  TempDir dir;
  // Short probes and two tries so that the give-up comes within seconds (the
  // first retransmission still waits the protocol's 2-3 s).
  ServerProcess server(dir, {"--set", "timers.probe-interval-ms=1000", "--set", "timers.tries=2"});
  ScriptedClient sheng(dir, "sheng", server.address(), {"--name", "Sheng"});
  ScriptedClient lucy(dir, "lucy", server.address(), {"--name", "Lucy"});
  sheng.expect("connected");
  lucy.expect("connected");
  sheng.send("/invite Lucy centralise");
  lucy.expect("invitation_received");
  lucy.send("/accept");
  sheng.expect("where", {{"room", "private"}, {"members", "Sheng,Lucy"}});

  lucy.process().signal(SIGSTOP);  // Lucy's machine freezes
  sheng.expect("group_closed", {}, 30s);
  auto c = server.counters();
  CHECK(c["give_ups"] >= 1);
  CHECK(c["clients_removed"] == 1);
  CHECK(c["retransmissions"] >= 1);
  CHECK(c["clients"] == 1);
  CHECK(c["groups"] == 0);
  CHECK(c["socket.timer_wakeups"] >= 2);
  CHECK(server.process().stderr_text().find("\"Lucy\"") != std::string::npos);

  lucy.process().signal(SIGKILL);
  CHECK(sheng.quit() == 0);
  CHECK(server.stop() == 0);
}

TEST_CASE("a look-alike of a connected name is refused by the real server until that user leaves") {
  TempDir dir;
  ServerProcess server(dir, {});
  ScriptedClient alice(dir, "alice", server.address(), {"--name", "Alice"});
  alice.expect("connected", {{"name", "Alice"}});
  const std::string cyrillic = "\u0410lice";  // Cyrillic А
  ScriptedClient impostor(dir, "impostor", server.address(), {"--name", cyrillic});
  auto refused = impostor.expect("connect_refused");
  // The full reason or, within the budget of a short Connexion, its brief form.
  CHECK((refused["reason"] == "nom trop proche d'un nom connecte: Alice" ||
         refused["reason"] == "nom trop proche"));
  REQUIRE(log_says(server, "nom trop proche d'un nom connecte: Alice", 1));
  // An invisible character is refused whoever is connected.
  impostor.send("/connect Bob\u200B");
  auto invisible = impostor.expect("connect_refused");
  CHECK((invisible["reason"] == "nom invalide: caractere invisible U+200B" ||
         invisible["reason"] == "nom invalide"));
  CHECK(alice.quit() == 0);
  impostor.send("/connect " + cyrillic);
  impostor.expect("connected", {{"name", cyrillic}});
  CHECK(impostor.quit() == 0);
}
