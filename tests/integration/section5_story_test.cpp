// SPDX-License-Identifier: GPL-2.0-or-later
// The specification's section-5 story, end to end, with the real imup-server
// and two real imup-client processes on loopback: Sheng tries the name Lucy
// and is refused, connects as Sheng, messages Bob (unknown), lists the users,
// talks with Lucy in public, invites her to a private group, both talk there,
// Sheng leaves, the group (left with one member) closes, everybody
// disconnects. Run in both private modes, directly and through a relay that
// drops and duplicates datagrams.
#include "catch.hpp"

#include <signal.h>

#include <thread>

#include "capture_payloads.hpp"
#include "imup_processes.hpp"
#include "lossy_relay.hpp"

using namespace imup::testing;

namespace {

struct StoryOptions {
  std::string mode;                 // "centralized" or "decentralized" (the client's words)
  std::chrono::milliseconds step{15s};
  std::vector<std::string> client_args;
};

bool list_has_both(const Event& e) {
  auto users = "," + e["users"] + ",";
  return users.find(",Lucy,") != std::string::npos && users.find(",Sheng,") != std::string::npos;
}

void run_story(const TempDir& dir, const std::string& server, const StoryOptions& o) {
  bool p2p = o.mode == "decentralized";
  auto args = [&](std::vector<std::string> a) {
    a.insert(a.end(), o.client_args.begin(), o.client_args.end());
    return a;
  };
  ScriptedClient lucy(dir, "lucy", server, args({"--name", "Lucy"}));
  lucy.expect("connected", {{"name", "Lucy"}}, o.step);

  // Connexion "Lucy" from Sheng: the name is taken.
  ScriptedClient sheng(dir, "sheng", server, args({"--name", "Lucy"}));
  auto refused = sheng.expect("connect_refused", {}, o.step);
  // The draft's text, or the short form the server sends to an endpoint whose
  // return path is not proved yet (its reply may not exceed 3x the request, §14).
  CHECK((refused["reason"] == "nom de client deja utilise" || refused["reason"] == "nom pris"));
  sheng.send("/connect Sheng");
  sheng.expect("connected", {{"name", "Sheng"}}, o.step);

  // A message to Bob, who is not there: 14.
  sheng.send("/msg Bob Bonjour Bob");
  auto unknown = sheng.expect("error_received", {{"error", "14"}}, o.step);
  CHECK(unknown["reason"].find("nom de recepteur n'existe pas") == 0);

  // The user list. A client counts once its return path is proved (§14), which
  // may take one more round trip than the Connexion: ask again until both show.
  bool both = false;
  for (int attempt = 0; attempt < 20 && !both; ++attempt) {
    if (attempt) std::this_thread::sleep_for(300ms);
    sheng.send("/list");
    both = list_has_both(sheng.expect("user_list", {}, o.step));
  }
  CHECK(both);

  // Public talk, both ways.
  sheng.send("Bonjour Lucy");
  lucy.expect("message_received",
              {{"from", "Sheng"}, {"text", "Bonjour Lucy"}, {"room", "public"}, {"direct", "false"}},
              o.step);
  lucy.send("Bonjour Sheng");
  sheng.expect("message_received", {{"from", "Lucy"}, {"text", "Bonjour Sheng"}}, o.step);

  // The invitation: offer of modes, the choice, acceptance.
  sheng.send("/invite Lucy");
  sheng.expect("mode_offered", {}, o.step);
  sheng.send("/mode " + o.mode);
  auto invitation = lucy.expect("invitation_received", {{"inviter", "Sheng"}}, o.step);
  CHECK(invitation["mode"] == o.mode);
  lucy.send("/accept");
  lucy.expect("group_joined", {{"mode", o.mode}}, o.step);
  std::map<std::string, std::string> in_group{
      {"room", "private"}, {"mode", o.mode}, {"members", "Sheng,Lucy"}};
  lucy.expect("where", in_group, o.step);
  sheng.expect("where", in_group, o.step);

  // Both talk in the group (straight between the clients when decentralized).
  sheng.send("On se parle en prive");
  lucy.expect("message_received",
              {{"from", "Sheng"}, {"text", "On se parle en prive"}, {"room", "private"},
               {"from_peer", p2p ? "true" : "false"}},
              o.step);
  lucy.send("Oui, en prive");
  sheng.expect("message_received",
               {{"from", "Lucy"}, {"text", "Oui, en prive"}, {"room", "private"},
                {"from_peer", p2p ? "true" : "false"}},
               o.step);

  // Sheng leaves; Lucy is alone, so the server closes the group.
  sheng.send("/leave");
  sheng.expect("group_left", {}, o.step);
  sheng.expect("where", {{"room", "public"}}, o.step);
  lucy.expect("group_closed", {}, o.step);
  lucy.expect("where", {{"room", "public"}}, o.step);

  int sheng_status = sheng.quit();
  INFO("Sheng's events:\n" << sheng.transcript());
  CHECK(sheng_status == 0);
  CHECK(sheng.saw("disconnected"));
  CHECK(lucy.quit() == 0);
  CHECK(lucy.saw("disconnected"));

  // Whatever the network did, every message was shown exactly once.
  CHECK(lucy.count("message_received", {{"text", "Bonjour Lucy"}}) == 1);
  CHECK(sheng.count("message_received", {{"text", "Bonjour Sheng"}}) == 1);
  CHECK(lucy.count("message_received", {{"text", "On se parle en prive"}}) == 1);
  CHECK(sheng.count("message_received", {{"text", "Oui, en prive"}}) == 1);
}

// Type-18 datagrams whose state bits say "private group" (§2 format 2).
std::size_t private_messages_in(const std::vector<CapturedDatagram>& datagrams) {
  std::size_t n = 0;
  for (const auto& d : datagrams) {
    if (d.payload.size() < 4) continue;
    std::uint32_t w = std::uint32_t(d.payload[0]) << 24 | std::uint32_t(d.payload[1]) << 16 |
                      std::uint32_t(d.payload[2]) << 8 | d.payload[3];
    if (((w >> 14) & 0xFF) == 18 && ((w >> 2) & 0x3) == 1) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("section-5 story with a centralized group on loopback") {
  TempDir dir;
  ServerProcess server(dir, {"--record", dir.file("server.pcapng")});
  run_story(dir, server.address(), {"centralized", 15s, {}});
  std::map<std::string, std::uint64_t> counters;
  CHECK(server.stop(&counters) == 0);
  CHECK(counters["clients"] == 0);
  CHECK(counters["groups"] == 0);
  CHECK(counters["give_ups"] == 0);
  // The group's messages went through the server, which recorded them.
  auto recorded = read_capture(dir.file("server.pcapng"));
  CHECK(recorded.size() == counters["datagrams_in"] + counters["datagrams_out"]);
  CHECK(private_messages_in(recorded) == 2);
}

TEST_CASE("section-5 story with a decentralized group where members talk peer to peer") {
  TempDir dir;
  ServerProcess server(dir, {"--record", dir.file("server.pcapng")});
  run_story(dir, server.address(), {"decentralized", 15s, {}});
  std::map<std::string, std::uint64_t> counters;
  CHECK(server.stop(&counters) == 0);
  CHECK(counters["clients"] == 0);
  CHECK(counters["groups"] == 0);
  // The server saw the whole story but none of the group's messages.
  auto recorded = read_capture(dir.file("server.pcapng"));
  CHECK(recorded.size() == counters["datagrams_in"] + counters["datagrams_out"]);
  CHECK(private_messages_in(recorded) == 0);
}

#ifdef IMUP_IMPAIR_BINARY
TEST_CASE("section-5 story with a centralized group through imup-impair dropping and duplicating") {
  TempDir dir;
  ServerProcess server(dir);
  // The project's relay: seeded random drops and duplicates, both directions.
  ChildProcess impair({IMUP_IMPAIR_BINARY, "--listen", "127.0.0.1:0", "--server", server.address(),
                       "--drop", "0.1", "--duplicate", "0.1", "--seed", "7"},
                      dir.file("impair.stderr"));
  std::string relay_address;
  for (int i = 0; i < 200 && relay_address.empty(); ++i) {
    auto log = impair.stderr_text();
    auto at = log.find("listening on ");
    if (at != std::string::npos && log.find(',', at) != std::string::npos)
      relay_address = log.substr(at + 13, log.find(',', at) - at - 13);
    else
      std::this_thread::sleep_for(25ms);
  }
  REQUIRE(!relay_address.empty());
  // Retransmissions take 2-3 s, doubling: give each step room for a few.
  run_story(dir, relay_address, {"centralized", 40s, {"--tries", "8"}});
  std::map<std::string, std::uint64_t> counters;
  CHECK(server.stop(&counters) == 0);
  impair.signal(SIGTERM);
  std::string summary;
  while (auto line = impair.read_line(5s)) summary += *line + "\n";
  INFO("imup-impair said:\n" << summary);
  CHECK(summary.find("drop") != std::string::npos);
  CHECK(summary.find("duplicate") != std::string::npos);
  CHECK(counters["duplicates"] + counters["retransmissions"] > 0);
  CHECK(counters["clients"] == 0);
  CHECK(counters["groups"] == 0);
}
#endif

// Both modes through the in-process relay, which maps addresses like a
// full-cone NAT (see lossy_relay.hpp) and drops and duplicates on a fixed
// schedule, so that the decentralized peers' datagrams are impaired too.
TEST_CASE("section-5 story through a NAT-like relay that drops and duplicates datagrams") {
  auto mode = GENERATE(std::string("centralized"), std::string("decentralized"));
  TempDir dir;
  ServerProcess server(dir);
  LossyRelay relay(imup::Endpoint{0x7F000001, server.port()}, Impairment{});
  run_story(dir, relay.front_address(), {mode, 40s, {"--tries", "8"}});
  std::map<std::string, std::uint64_t> counters;
  CHECK(server.stop(&counters) == 0);
  INFO("relay forwarded " << relay.forwarded() << ", dropped " << relay.dropped()
                          << ", duplicated " << relay.duplicated());
  CHECK(relay.dropped() > 0);
  CHECK(relay.duplicated() > 0);
  // The server saw the impairment and recovered from it.
  CHECK(counters["duplicates"] + counters["retransmissions"] > 0);
  CHECK(counters["clients"] == 0);
  CHECK(counters["groups"] == 0);
}
