// SPDX-License-Identifier: GPL-2.0-or-later
// The I/O shell's pieces that need no network: command lines typed by users
// and scripts, the server's settings (key file, overrides, their errors),
// addresses (names through /etc/hosts; one .invalid lookup), the rate-limited log and the JSON events /wait matches on.
#include "catch.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <unistd.h>


#include <fstream>

#include "client/command_line_parser.hpp"
#include "client/event_json.hpp"
#include "imup_processes.hpp"
#include "io/logging.hpp"
#include "io/printable_text.hpp"
#include "io/socket_address.hpp"
#include "server/server_settings.hpp"

using namespace imup;
using namespace imup::client;

TEST_CASE("plain text goes to the room, spaces kept; // escapes a leading slash") {
  auto c = std::get<Command>(parse_command("  hello  world \n"));
  REQUIRE(std::get<command::SayToRoom>(c).text == "  hello  world ");
  c = std::get<Command>(parse_command("//list is a word"));
  REQUIRE(std::get<command::SayToRoom>(c).text == "/list is a word");
  REQUIRE(std::holds_alternative<command::Nothing>(std::get<Command>(parse_command("   "))));
}

TEST_CASE("/msg takes a name and the rest of the line") {
  auto c = std::get<Command>(parse_command("/msg Bob  Bonjour Bob"));
  auto& m = std::get<command::SayTo>(c);
  CHECK(m.recipient == "Bob");
  CHECK(m.text == "Bonjour Bob");
  CHECK(std::holds_alternative<ParseError>(parse_command("/msg")));
}

TEST_CASE("/invite takes a comma list and an optional mode") {
  auto c = std::get<Command>(parse_command("/invite Lucy,Bob"));
  auto& i = std::get<command::Invite>(c);
  CHECK(i.names == std::vector<std::string>{"Lucy", "Bob"});
  CHECK(!i.mode);
  auto d = std::get<command::Invite>(std::get<Command>(parse_command("/invite Lucy decentralise")));
  CHECK(d.mode == Mode::Decentralized);
  CHECK(std::holds_alternative<ParseError>(parse_command("/invite Lucy sideways")));
  CHECK(std::holds_alternative<ParseError>(parse_command("/invite")));
  auto m = std::get<command::ChooseMode>(std::get<Command>(parse_command("/mode centralise")));
  CHECK(m.mode == Mode::Centralized);
}

TEST_CASE("commands without arguments refuse arguments; unknown commands are errors") {
  CHECK(std::holds_alternative<command::Accept>(std::get<Command>(parse_command("/accept"))));
  CHECK(std::holds_alternative<ParseError>(parse_command("/accept now")));
  auto e = std::get<ParseError>(parse_command("/frobnicate"));
  CHECK(e.message.find("unknown command /frobnicate") == 0);
}

TEST_CASE("/wait reads an event, fields and a timeout; /sleep a duration") {
  auto w = std::get<command::Wait>(
      std::get<Command>(parse_command("/wait message_received from=Lucy timeout=2500")));
  CHECK(w.event == "message_received");
  REQUIRE(w.fields.size() == 1);
  CHECK(w.fields[0] == std::pair<std::string, std::string>{"from", "Lucy"});
  CHECK(w.timeout == std::chrono::milliseconds(2500));
  CHECK(std::holds_alternative<ParseError>(parse_command("/wait x timeout=soon")));
  CHECK(std::holds_alternative<ParseError>(parse_command("/wait x nokey")));
  auto q = std::get<command::Wait>(
      std::get<Command>(parse_command("/wait message_received text=\"Au revoir\" from=Lucy")));
  REQUIRE(q.fields.size() == 2);
  CHECK(q.fields[0].second == "Au revoir");
  CHECK(q.fields[1].second == "Lucy");
  CHECK(std::holds_alternative<ParseError>(parse_command("/wait x text=\"open")));
  auto s = std::get<command::Sleep>(std::get<Command>(parse_command("/sleep 150")));
  CHECK(s.duration == std::chrono::milliseconds(150));
  CHECK(std::holds_alternative<ParseError>(parse_command("/sleep -3")));
}

TEST_CASE("ADDR:PORT parsing accepts port 0 and names what is wrong") {
  auto ok = io::parse_socket_address("127.0.0.1:0");
  REQUIRE(std::holds_alternative<Endpoint>(ok));
  CHECK(std::get<Endpoint>(ok) == Endpoint{0x7F000001, 0});
  CHECK(io::to_string(Endpoint{0x7F000001, 2017}) == "127.0.0.1:2017");
  CHECK(std::get<io::AddressError>(io::parse_socket_address("127.0.0.1")).message.find("ADDR:PORT") !=
        std::string::npos);
  CHECK(std::get<io::AddressError>(io::parse_socket_address("example:1")).message.find("IPv4") !=
        std::string::npos);
  CHECK(std::get<io::AddressError>(io::parse_socket_address("1.2.3.4:65536")).message.find("port") !=
        std::string::npos);
}

TEST_CASE("ADDR:PORT parsing: one parser, each caller's rules, the culprit named") {
  auto endpoint = [](std::string_view text, const io::AddressRules& rules) {
    auto parsed = io::parse_socket_address(text, rules);
    REQUIRE(std::holds_alternative<Endpoint>(parsed));
    return std::get<Endpoint>(parsed);
  };
  auto error = [](std::string_view text, const io::AddressRules& rules) {
    auto parsed = io::parse_socket_address(text, rules);
    REQUIRE(std::holds_alternative<io::AddressError>(parsed));
    return std::get<io::AddressError>(parsed).message;
  };
  // IPv4, for binding and for sending.
  CHECK(endpoint("192.0.2.7:2017", io::kPeerAddress) == Endpoint{0xC0000207, 2017});
  CHECK(endpoint("192.0.2.7:2017", io::kBindAddress) == Endpoint{0xC0000207, 2017});
  CHECK(endpoint("0.0.0.0:65535", io::kBindAddress) == Endpoint{0, 65535});
  // localhost is 127.0.0.1 where the rules allow it.
  CHECK(endpoint("localhost:4017", io::kPeerAddress) == Endpoint{0x7F000001, 4017});
  CHECK(endpoint("localhost:0", io::kBindAddress) == Endpoint{0x7F000001, 0});
  CHECK(error("localhost:4017", io::AddressRules{.port_zero = false, .host_names = false})
            .find("'localhost' is not a dotted IPv4 address (IMUP") != std::string::npos);
  // Other names go to the system resolver. This machine's own name is the one
  // name besides localhost a test can count on finding in /etc/hosts; where
  // it is not there, the error must say the resolver found nothing for it.
  char own_name[256] = {};
  REQUIRE(gethostname(own_name, sizeof own_name - 1) == 0);
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  if (getaddrinfo(own_name, nullptr, &hints, &found) == 0) {
    auto expected = ntohl(reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
    freeaddrinfo(found);
    CHECK(endpoint(std::string(own_name) + ":2017", io::kPeerAddress) == Endpoint{expected, 2017});
  } else {
    CHECK(error(std::string(own_name) + ":2017", io::kPeerAddress).find("the resolver found no IPv4") !=
          std::string::npos);
  }
  // A name that cannot exist (RFC 6761 reserves .invalid) is named, with the resolver's reason.
  auto unknown = error("no-such-host.invalid:2017", io::kPeerAddress);
  CHECK(unknown.find("'no-such-host.invalid' is not a dotted IPv4 address, and the resolver found no IPv4 "
                     "address for it (") != std::string::npos);
  // Digits and dots never reach the resolver: inet_aton's "127.1" is refused.
  CHECK(error("127.1:2017", io::kPeerAddress).find("'127.1' is not a dotted IPv4 address or a host name") !=
        std::string::npos);
  // Port 0: any free port to bind to, no port to send to.
  CHECK(endpoint("127.0.0.1:0", io::kBindAddress) == Endpoint{0x7F000001, 0});
  auto zero = error("127.0.0.1:0", io::kPeerAddress);
  CHECK(zero.find("'0'") != std::string::npos);
  CHECK(zero.find("only for binding") != std::string::npos);
  // Bad ports, each quoted.
  CHECK(error("127.0.0.1:65536", io::kBindAddress).find("'65536' is not a port number (0..65535)") !=
        std::string::npos);
  CHECK(error("127.0.0.1:65536", io::kPeerAddress).find("'65536' is not a port number (1..65535)") !=
        std::string::npos);
  CHECK(error("127.0.0.1:20x7", io::kPeerAddress).find("'20x7'") != std::string::npos);
  CHECK(error("127.0.0.1:", io::kPeerAddress).find("'' is not a port number") != std::string::npos);
  CHECK(error("127.0.0.1:-1", io::kBindAddress).find("'-1'") != std::string::npos);
  // Bad hosts, each quoted.
  for (std::string_view host : {"256.0.0.1", "1.2.3", "1.2.3.4.5", "127.0.0.01", ""}) {
    auto message = error(std::string(host) + ":2017", io::kPeerAddress);
    CHECK(message.find("'" + std::string(host) + "' is not a dotted IPv4 address") != std::string::npos);
  }
  // No port at all: the whole text quoted.
  CHECK(error("localhost", io::kPeerAddress).find("'localhost' is not ADDR:PORT") != std::string::npos);
}

TEST_CASE("server settings: key file, then overrides, with errors naming the key") {
  testing::TempDir dir;
  auto path = dir.file("server.conf");
  std::ofstream(path) << "[server]\nlisten = 127.0.0.1:4000\n[limits]\nmax-clients = 10\n"
                         "[abuse]\nclient-rate = 12.5\nprove-return-path = false\n";
  server::ServerSettings s;
  REQUIRE(!server::load_key_file(s, path));
  CHECK(s.listen == Endpoint{0x7F000001, 4000});
  CHECK(s.engine.max_clients == 10);
  CHECK(s.engine.per_client.per_second == 12.5);
  CHECK(!s.engine.prove_return_path);
  REQUIRE(!server::apply_assignment(s, "limits.max-clients=20"));
  CHECK(s.engine.max_clients == 20);
  REQUIRE(!server::apply_assignment(s, "timers.first-timeout-min-ms=2500"));
  CHECK(s.engine.reliability.first_timeout_min == std::chrono::milliseconds(2500));

  CHECK(*server::apply_assignment(s, "limits.max-clients=2000") ==
        "[limits] max-clients: '2000' is above the maximum 1024");
  CHECK(*server::apply_assignment(s, "limit.max-clients=2") == "unknown group [limit]");
  CHECK(*server::apply_assignment(s, "max-clients") ==
        "'max-clients' is not GROUP.KEY=VALUE (e.g. limits.max-clients=10)");
  std::ofstream(path) << "[limits]\nmax-clints = 3\n";
  auto e = server::load_key_file(s, path);
  REQUIRE(e);
  CHECK(*e == path + ": unknown key 'max-clints' in [limits]");
  std::ofstream(path) << "this is not a key file\n";
  CHECK(server::load_key_file(s, path));
}

TEST_CASE("server settings written by --print-config read back the same") {
  server::ServerSettings s;
  s.engine.max_groups = 7;
  s.engine.per_ip.burst = 33.25;
  s.record_path = "/tmp/x.pcapng";
  testing::TempDir dir;
  std::ofstream(dir.file("all.conf")) << server::to_key_file(s);
  server::ServerSettings back;
  REQUIRE(!server::load_key_file(back, dir.file("all.conf")));
  CHECK(server::to_key_file(back) == server::to_key_file(s));
  CHECK(back.engine.max_groups == 7);
  CHECK(back.engine.per_ip.burst == 33.25);
}

TEST_CASE("the drop log lets a burst through per reason, then counts") {
  io::install_log_handler("test", -1);  // quiet: the lines themselves are not checked here
  io::RateLimitedLog log(3, std::chrono::seconds(10));
  auto t0 = io::RateLimitedLog::Clock::now();
  for (int i = 0; i < 10; ++i) log.log(G_LOG_LEVEL_MESSAGE, "malformed", "x", t0);
  CHECK(log.suppressed_total() == 7);
  log.log(G_LOG_LEVEL_MESSAGE, "truncated", "y", t0);  // another reason has its own budget
  CHECK(log.suppressed_total() == 7);
  log.log(G_LOG_LEVEL_MESSAGE, "malformed", "x", t0 + std::chrono::seconds(11));
  CHECK(log.suppressed_total() == 7);
}

TEST_CASE("client events become one-line JSON objects that /wait can match") {
  engine::ClientEvent e = engine::event::MessageReceived{"Lucy", "Bonjour \"Sheng\"\n",
                                                         Room::Private, false, true};
  auto j = to_json(e);
  auto line = j.to_line();
  CHECK(line.find('\n') == std::string::npos);
  auto parsed = testing::parse_event(line);
  CHECK(parsed["event"] == "message_received");
  CHECK(parsed["from"] == "Lucy");
  CHECK(parsed["text"] == "Bonjour \"Sheng\"\n");
  CHECK(parsed["room"] == "private");
  CHECK(parsed["from_peer"] == "true");
  std::string text;
  REQUIRE(j.field_text("direct", text));
  CHECK(text == "false");
  engine::ClientEvent g = engine::event::GroupJoined{
      Mode::Decentralized, {{"Sheng", Endpoint{0x7F000001, 5000}}, {"Lucy", Endpoint{0x7F000001, 5001}}}};
  auto gj = to_json(g);
  REQUIRE(gj.field_text("members", text));
  CHECK(text == "Sheng,Lucy");
  REQUIRE(gj.field_text("endpoints", text));
  CHECK(text == "127.0.0.1:5000,127.0.0.1:5001");
}

TEST_CASE("control characters from the network are shown, never obeyed") {
  CHECK(io::printable("Bonjour \x1b[2J") == "Bonjour \\x1B[2J");
  CHECK(io::printable("a\nb") == "a\\x0Ab");
  CHECK(io::printable("a\nb", true) == "a\nb");
  CHECK(io::printable("\xC2\x9B" "31m") == "\\u009B31m");  // C1 CSI
  CHECK(io::printable("café 北京") == "café 北京");
  CHECK(io::printable("\x7F") == "\\x7F");
}
