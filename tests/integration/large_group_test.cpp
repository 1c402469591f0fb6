// SPDX-License-Identifier: GPL-2.0-or-later
// A decentralized group whose member list does not fit one datagram
// (PROTOCOL.md §9.3, D19), with the real imup-server and imup-client
// processes on loopback: twelve members with 80-byte names take 98-byte
// member lines, so the server sends each list in two type-11 parts, and
// every member applies the whole list and talks to every other directly.
#include "catch.hpp"

#include <thread>

#include "capture_payloads.hpp"
#include "imup_processes.hpp"

using namespace imup::testing;

namespace {

// 20 four-byte UTF-8 characters (the longest name §4.2 allows), distinct for i < 10.
std::string long_name(unsigned i) {
  std::string n;
  for (int k = 0; k < 19; ++k) n += "\xF0\x9D\x93\x9C";  // U+1D4DC
  n += std::string{"\xF0\x9D\x9F"} + char(0x8E + i);     // U+1D7CE + i, a bold digit
  return n;
}

std::string join(const std::vector<std::string>& v, std::size_t from = 0) {
  std::string s;
  for (std::size_t i = from; i < v.size(); ++i) s += (i > from ? "," : "") + v[i];
  return s;
}

}  // namespace

TEST_CASE("a decentralized group of 12 long names gets its list in two parts, end to end") {
  TempDir dir;
  ServerProcess server(dir, {"--record", dir.file("server.pcapng")});
  constexpr unsigned kMembers = 12;
  std::vector<std::string> names;
  for (unsigned i = 0; i < 10; ++i) names.push_back(long_name(i));
  names.push_back("Sheng");
  names.push_back("Lucy");
  std::vector<std::unique_ptr<ScriptedClient>> clients;
  for (unsigned i = 0; i < kMembers; ++i) {
    clients.push_back(std::make_unique<ScriptedClient>(dir, "member" + std::to_string(i), server.address(),
                                                       std::vector<std::string>{"--name", names[i]}));
    clients.back()->expect("connected", {{"name", names[i]}});
  }
  auto& inviter = *clients[0];
  // A client counts once its return path is proved (§14): wait until all show.
  bool all = false;
  for (int attempt = 0; attempt < 20 && !all; ++attempt) {
    if (attempt) std::this_thread::sleep_for(300ms);
    inviter.send("/list");
    auto users = "," + inviter.expect("user_list")["users"] + ",";
    all = true;
    for (auto& n : names) all = all && users.find("," + n + ",") != std::string::npos;
  }
  REQUIRE(all);

  inviter.send("/invite " + join(names, 1));
  inviter.expect("mode_offered");
  inviter.send("/mode decentralized");
  // One at a time, so the joining order is the names' order.
  std::string everyone = join(names);
  for (unsigned i = 1; i < kMembers; ++i) {
    clients[i]->expect("invitation_received", {{"inviter", names[0]}, {"mode", "decentralized"}});
    clients[i]->send("/accept");
    auto joined = clients[i]->expect("group_joined");
    CHECK(joined["members"] == join(std::vector<std::string>(names.begin(), names.begin() + i + 1)));
  }
  // Everyone ends with the whole list, in joining order, from two parts.
  for (unsigned i = 0; i + 1 < kMembers; ++i)
    clients[i]->expect("group_updated", {{"members", everyone}, {"mode", "decentralized"}});

  // A member of the first part and one of the second talk directly.
  inviter.send("bonjour a tous");
  clients.back()->expect("message_received",
                         {{"from", names[0]}, {"text", "bonjour a tous"}, {"from_peer", "true"}});
  clients.back()->send("bonjour " + names[0]);
  inviter.expect("message_received", {{"from", "Lucy"}, {"from_peer", "true"}});

  for (auto& c : clients) CHECK(c->quit() == 0);
  CHECK(server.stop() == 0);

  // On the wire: type-11 parts of at most 1028 bytes, some with M (bit 3) set,
  // and the list's last part (M clear) to every member.
  std::size_t updates = 0, with_more = 0;
  for (const auto& d : read_capture(dir.file("server.pcapng"))) {
    if (d.payload.size() < 4 || d.source_port != server.port()) continue;
    std::uint32_t w = std::uint32_t(d.payload[0]) << 24 | std::uint32_t(d.payload[1]) << 16 |
                      std::uint32_t(d.payload[2]) << 8 | d.payload[3];
    if (((w >> 14) & 0xFF) != 11) continue;
    ++updates;
    CHECK(d.payload.size() <= 1028);
    CHECK((w & 0x7) == 0);
    if (w & 0x8) ++with_more;
  }
  CHECK(with_more > 0);
  CHECK(updates > with_more);
}
