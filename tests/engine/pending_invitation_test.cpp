// SPDX-License-Identifier: GPL-2.0-or-later
// No human decision holds the transport (issue 13, finding 2; PROTOCOL.md
// §6.4): an invitation waiting for its invitee's person leaves the window to
// the other requests to that invitee, stays recognised however far behind
// the numbering it falls, and is given up as a refusal before the numbering
// leaves it half the sequence space behind.
#include "catch.hpp"

#include "engine_harness.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;
namespace ev = imup::engine::event;

namespace {

// Mallory opens a centralized group and invites Vic, who has not decided yet.
void mallory_invites_vic(Net& net) {
  net.add("Mallory", 1);
  net.add("Vic", 2);
  net.add("Sender", 3);
  net.connect_all();
  REQUIRE(net["Mallory"].invite({"Vic"}, net.now));
  net.run(Millis(100));
  REQUIRE(net["Mallory"].choose_mode(Mode::Centralized, net.now));
  net.run(Millis(100));
  REQUIRE(net.got<ev::InvitationReceived>("Vic").size() == 1);
}

// Sender sends Vic `n` direct messages, one every `gap`; returns how many
// reached Vic by the time the last was sent.
std::size_t send_direct(Net& net, int n, Millis gap) {
  for (int i = 0; i < n; ++i) {
    REQUIRE(net["Sender"].send_direct("Vic", "m" + std::to_string(i), net.now));
    net.run(gap);
  }
  return net.got<ev::MessageReceived>("Vic").size();
}

// Vic accepts; after `span` Vic is in Mallory's group of two.
void vic_accepts_and_joins(Net& net, Millis span) {
  REQUIRE(net["Vic"].accept_invitation(net.now));
  net.run(span);
  auto joined = net.got<ev::GroupJoined>("Vic");
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].members.size() == 2);
}

}  // namespace

TEST_CASE("an invitation waiting for a decision does not hold back the invitee's messages") {
  Net net;
  mallory_invites_vic(net);
  // The figures: 60 messages at 20/s. Before, 31 arrived and the rest
  // waited ~72 s for the invitation's tries to run out.
  CHECK(send_direct(net, 60, Millis(50)) == 60);
  CHECK(net.got<ev::MessageDelivered>("Sender").size() == 60);
  // The invitation is still Vic's to answer, and answering it still works.
  vic_accepts_and_joins(net, Millis(200));
}

TEST_CASE("an invitation far behind the numbering is still recognised when resent") {
  Net net;
  mallory_invites_vic(net);
  // 100 requests after the invitation: it is out of Vic's 64-entry cache.
  CHECK(send_direct(net, 100, Millis(20)) == 100);
  // Vic's acceptance is lost once; the server resends its invitation, and
  // Vic answers the resend with the same acceptance rather than dropping it
  // as stale.
  int lost = 0;
  net.pass = [&](const Endpoint& from, const Endpoint&, const Bytes& b) {
    if (from == net.where["Vic"] && dec(b).type() == MessageType::AcceptInvitation && lost == 0) {
      ++lost;
      return false;
    }
    return true;
  };
  vic_accepts_and_joins(net, Millis(10000));
  CHECK(lost == 1);
}

TEST_CASE("an undecided invitation is given up before the numbering leaves it half the space behind") {
  Net net;
  mallory_invites_vic(net);
  // 490 requests in under 10 s, well within the invitation's tries (~77 s):
  // the numbering reaches 480 past the invitation first.
  CHECK(send_direct(net, 490, Millis(20)) == 490);
  CHECK(net.got<ev::MessageDelivered>("Sender").size() == 490);
  // Given up as a refusal: Mallory's group, left with Mallory alone, closes
  // (§9.2), and Vic's late acceptance joins nothing.
  auto closed = net.got<ev::GroupClosed>("Mallory");
  REQUIRE(closed.size() == 1);
  // Vic's client knows it too: the numbering went 480 past the invitation.
  CHECK_FALSE(net["Vic"].accept_invitation(net.now));
  net.run(Millis(2000));
  CHECK(net.got<ev::GroupJoined>("Vic").empty());
}
