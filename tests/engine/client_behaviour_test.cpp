// SPDX-License-Identifier: GPL-2.0-or-later
// Client engines talking to the server engine over a lossless (or filtered)
// in-process network: each test names the behaviour it proves.
#include "catch.hpp"

#include <algorithm>

#include "codec/exchange.hpp"
#include "engine_harness.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;
namespace ev = imup::engine::event;

namespace {

void three_users(Net& net) {
  net.add("Sheng", 1);
  net.add("Lucy", 2);
  net.add("Bob", 3);
  net.connect_all();
}

// Sheng opens a group with Lucy in `mode`; Lucy accepts.
void sheng_and_lucy_group(Net& net, Mode mode) {
  REQUIRE(net["Sheng"].invite({"Lucy"}, net.now));
  net.run(Millis(100));
  REQUIRE(net.got<ev::ModeOffered>("Sheng").size() == 1);
  REQUIRE(net["Sheng"].choose_mode(mode, net.now));
  net.run(Millis(100));
  auto inv = net.got<ev::InvitationReceived>("Lucy");
  REQUIRE(inv.size() == 1);
  CHECK(inv[0].inviter == "Sheng");
  CHECK(inv[0].mode == mode);
  REQUIRE(net["Lucy"].accept_invitation(net.now));
  net.run(Millis(100));
}

}  // namespace

TEST_CASE("clients connect, list every user and exchange public messages") {
  Net net;
  three_users(net);
  for (auto n : {"Sheng", "Lucy", "Bob"}) {
    CHECK(net.got<ev::Connected>(n).size() == 1);
    CHECK(net[n].view().connection == ConnectionState::Connected);
  }
  net.run(Millis(100));
  REQUIRE(net["Bob"].request_list(net.now));
  net.run(Millis(100));
  auto lists = net.got<ev::UserList>("Bob");
  REQUIRE(lists.size() == 1);
  CHECK(lists[0].users.size() == 3);
  auto sent = net["Sheng"].send_to_room("Bonjour", net.now);
  REQUIRE(sent);
  net.run(Millis(100));
  for (auto n : {"Lucy", "Bob"}) {
    auto got = net.got<ev::MessageReceived>(n);
    REQUIRE(got.size() == 1);
    CHECK(got[0].sender == "Sheng");
    CHECK(got[0].text == "Bonjour");
    CHECK(got[0].room == Room::Public);
  }
  CHECK(net.got<ev::MessageReceived>("Sheng").empty());
  auto delivered = net.got<ev::MessageDelivered>("Sheng");
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].command == sent.id);
}

TEST_CASE("a second client with the same name is refused") {
  Net net;
  net.add("Sheng", 1);
  auto& other = net.add("x", 2);
  net["Sheng"].connect("Sheng", net.now);
  net.run(Millis(100));
  other.connect("Sheng", net.now);
  net.run(Millis(100));
  auto refused = net.got<ev::ConnectRefused>("x");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].reason == "nom de client deja utilise");
  CHECK(other.view().connection == ConnectionState::Disconnected);
}

TEST_CASE("a direct message to an unknown name reports 14 to its sender") {
  Net net;
  three_users(net);
  auto r = net["Sheng"].send_direct("Bobby", "a message to Bob", net.now);
  REQUIRE(r);
  net.run(Millis(100));
  auto errors = net.got<ev::ErrorReceived>("Sheng");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].command == r.id);
  CHECK(errors[0].error == MessageType::UnknownRecipient);
  REQUIRE(net["Sheng"].send_direct("Bob", "a message to Bob", net.now));
  net.run(Millis(100));
  auto got = net.got<ev::MessageReceived>("Bob");
  REQUIRE(got.size() == 1);
  CHECK(got[0].direct);
  CHECK(net.got<ev::MessageReceived>("Lucy").empty());
}

TEST_CASE("a centralized group: the server relays its messages, and the last member is closed out") {
  Net net;
  three_users(net);
  sheng_and_lucy_group(net, Mode::Centralized);
  auto v = net["Lucy"].view();
  CHECK(v.room == Room::Private);
  CHECK(v.mode == Mode::Centralized);
  REQUIRE(v.members.size() == 2);
  CHECK(v.members[0].name == "Sheng");
  CHECK(net["Sheng"].view().members.size() == 2);
  REQUIRE(net["Sheng"].send_to_room("entre nous", net.now));
  net.run(Millis(100));
  CHECK(net.got<ev::MessageReceived>("Lucy").size() == 1);
  CHECK(net.got<ev::MessageReceived>("Bob").empty());
  REQUIRE(net["Lucy"].leave_group(net.now));
  net.run(Millis(100));
  CHECK(net.got<ev::GroupLeft>("Lucy").size() == 1);
  CHECK(net.got<ev::GroupClosed>("Sheng").size() == 1);
  CHECK(net["Sheng"].view().room == Room::Public);
  CHECK(net.server.groups().empty());
}

TEST_CASE("a decentralized group: members exchange messages directly, with ACKs, without the server") {
  Net net;
  three_users(net);
  sheng_and_lucy_group(net, Mode::Decentralized);
  auto v = net["Sheng"].view();
  REQUIRE(v.members.size() == 2);
  CHECK(v.mode == Mode::Decentralized);
  CHECK(v.members[1].endpoint == net.where["Lucy"]);
  auto before = net.wire.size();
  auto r = net["Sheng"].send_to_room("direct", net.now);
  REQUIRE(r);
  net.run(Millis(100));
  auto got = net.got<ev::MessageReceived>("Lucy");
  REQUIRE(got.size() == 1);
  CHECK(got[0].from_peer);
  CHECK(got[0].sender == "Sheng");
  auto delivered = net.got<ev::MessageDelivered>("Sheng");
  REQUIRE_FALSE(delivered.empty());
  CHECK(delivered.back().peer == std::optional<std::string>("Lucy"));
  for (std::size_t i = before; i < net.wire.size(); ++i) {
    CHECK(net.wire[i].second.peer != net.server_ep);
    CHECK(net.wire[i].first != net.server_ep);
  }
}

TEST_CASE("a peer's lost ACK makes the message resent, and it is delivered once") {
  Net net;
  three_users(net);
  sheng_and_lucy_group(net, Mode::Decentralized);
  int dropped = 0;
  net.pass = [&](const Endpoint& from, const Endpoint&, const Bytes& b) {
    if (from == net.where["Lucy"] && dec(b).type() == MessageType::Ack && dropped == 0) {
      ++dropped;
      return false;
    }
    return true;
  };
  REQUIRE(net["Sheng"].send_to_room("once", net.now));
  net.run(Millis(10000));
  CHECK(dropped == 1);
  CHECK(net.got<ev::MessageReceived>("Lucy").size() == 1);
  CHECK(net["Sheng"].counters().retransmissions >= 1);
  CHECK(net["Lucy"].counters().duplicates >= 1);
}

TEST_CASE("an unreachable peer is reported gone to its sender only") {
  Net net;
  three_users(net);
  sheng_and_lucy_group(net, Mode::Decentralized);
  net.pass = [&](const Endpoint& from, const Endpoint& to, const Bytes&) {
    return !(from == net.where["Sheng"] && to == net.where["Lucy"]);
  };
  auto r = net["Sheng"].send_to_room("lost", net.now);
  REQUIRE(r);
  net.run(Millis(120000));
  auto failed = net.got<ev::DeliveryFailed>("Sheng");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].command == r.id);
  CHECK(failed[0].peer == std::optional<std::string>("Lucy"));
  CHECK(net.got<ev::PeerGone>("Sheng").size() == 1);
  // The server still holds the group: only its probes decide membership.
  CHECK(net.server.groups().size() == 1);
}

TEST_CASE("an invitee already in a group refuses by itself") {
  Net net;
  three_users(net);
  sheng_and_lucy_group(net, Mode::Centralized);
  REQUIRE(net["Bob"].invite({"Lucy"}, net.now));
  net.run(Millis(100));
  REQUIRE(net["Bob"].choose_mode(Mode::Centralized, net.now));
  net.run(Millis(100));
  CHECK(net.got<ev::InvitationAutoRefused>("Lucy").size() == 1);
  CHECK(net.got<ev::GroupClosed>("Bob").size() == 1);  // left alone
  CHECK(net["Lucy"].view().members.size() == 2);
}

TEST_CASE("a member invites more users into its own group without a mode offer") {
  Net net;
  three_users(net);
  sheng_and_lucy_group(net, Mode::Centralized);
  REQUIRE(net["Lucy"].invite({"Bob"}, net.now));
  net.run(Millis(100));
  CHECK(net.got<ev::InvitationsSent>("Lucy").size() == 1);
  auto inv = net.got<ev::InvitationReceived>("Bob");
  REQUIRE(inv.size() == 1);
  CHECK(inv[0].members == std::vector<std::string>{"Lucy", "Sheng"});
  REQUIRE(net["Bob"].accept_invitation(net.now));
  net.run(Millis(100));
  for (auto n : {"Sheng", "Lucy", "Bob"}) CHECK(net[n].view().members.size() == 3);
}

TEST_CASE("the client refuses locally what would break a limit") {
  Net net;
  auto& c = net.add("Sheng", 1);
  CHECK_FALSE(c.connect(std::string(21, 'x'), net.now));
  CHECK_FALSE(c.connect("two words", net.now));
  CHECK_FALSE(c.send_to_room("not connected", net.now));
  REQUIRE(c.connect("Sheng", net.now));
  net.run(Millis(100));
  CHECK_FALSE(c.send_to_room(std::string(1020, 'x'), net.now));  // its 9 would exceed 1024 bytes
  CHECK(c.send_to_room(std::string(1010, 'x'), net.now));
  CHECK_FALSE(c.send_to_room("line one\r\nline two", net.now));
  CHECK_FALSE(c.accept_invitation(net.now));
  CHECK_FALSE(c.choose_mode(Mode::Centralized, net.now));
  CHECK_FALSE(c.leave_group(net.now));
}

TEST_CASE("a client whose server stops answering reports it gone") {
  Net net;
  net.add("Sheng", 1);
  net.connect_all();
  net.pass = [&](const Endpoint&, const Endpoint& to, const Bytes&) { return to != net.server_ep; };
  auto r = net["Sheng"].send_to_room("anyone?", net.now);
  REQUIRE(r);
  net.run(Millis(200000));
  auto failed = net.got<ev::DeliveryFailed>("Sheng");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].command == r.id);
  CHECK(net.got<ev::ServerGone>("Sheng").size() == 1);
  CHECK(net["Sheng"].view().connection == ConnectionState::Disconnected);
}

TEST_CASE("a long user list arrives as one event, its pages joined") {
  Net net;
  for (std::uint32_t i = 0; i < 80; ++i) net.add("a-rather-long-name" + std::to_string(i), i + 1);
  net.connect_all();
  net.run(Millis(100));
  auto& c = *net.clients.begin()->second;
  REQUIRE(c.request_list(net.now));
  net.run(Millis(100));
  auto lists = net.got<ev::UserList>(net.clients.begin()->first);
  REQUIRE(lists.size() == 1);
  CHECK(lists[0].users.size() == 80);
  auto pages = std::count_if(net.wire.begin(), net.wire.end(), [&](auto& w) {
    return w.first == net.server_ep && dec(w.second.bytes).type() == MessageType::UserList;
  });
  CHECK(pages >= 2);
}

TEST_CASE("disconnecting frees the name for somebody else") {
  Net net;
  net.add("Sheng", 1);
  net.connect_all();
  auto& other = net.add("y", 2);
  other.connect("Sheng", net.now);
  net.run(Millis(100));
  CHECK(net.got<ev::ConnectRefused>("y").size() == 1);
  REQUIRE(net["Sheng"].disconnect(net.now));
  net.run(Millis(100));
  CHECK(net.got<ev::Disconnected>("Sheng").size() == 1);
  REQUIRE(other.connect("Sheng", net.now));
  net.run(Millis(100));
  CHECK(other.view().connection == ConnectionState::Connected);
}
