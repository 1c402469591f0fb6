// SPDX-License-Identifier: GPL-2.0-or-later
// A group's member list over several type-11 parts (PROTOCOL.md §9.3, D19):
// the server splits it between member lines into parts of at most 1024 text
// bytes with M set on all but the last, sends them stop-and-wait, and a
// client applies the list only when the last part completes it.
#include "catch.hpp"

#include <algorithm>
#include <set>

#include "codec/exchange.hpp"
#include "codec/text.hpp"
#include "engine_harness.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;
namespace ev = imup::engine::event;

namespace {

// A name of 20 four-byte UTF-8 characters (80 bytes, the longest §4.2
// allows), distinct for each i < 4096: assigned emoji (U+1F400..U+1F43F,
// U+1F600..U+1F63F), which the server's look-alike rules let through.
std::string long_name(unsigned i) {
  std::string n;
  for (int k = 0; k < 18; ++k) n += "\xF0\x9F\x98\x80";  // U+1F600
  auto four_byte = [](unsigned cp) {
    return std::string{char(0xF0 | (cp >> 18)), char(0x80 | ((cp >> 12) & 0x3F)),
                       char(0x80 | ((cp >> 6) & 0x3F)), char(0x80 | (cp & 0x3F))};
  };
  n += four_byte(0x1F400 + i / 64);
  n += four_byte(0x1F600 + i % 64);
  return n;
}

// Member i's endpoint: 192.168.200.1xx:6xxxx, the longest address text.
Endpoint long_endpoint(unsigned i) { return Endpoint{0xC0A8C864u + i, std::uint16_t(60000 + i)}; }

// Adds client i with a long name at a long address; returns its name.
std::string add_long(Net& net, unsigned i) {
  std::string n = long_name(i);
  net.add(n, 100 + i);
  net.where[n] = long_endpoint(i);
  return n;
}

// The inviter (member 0) opens a decentralized group and brings in members
// 1..count-1, eleven names per invitation (81 bytes a name: 12 would not fit
// one text); every invitee accepts.
void grow_group(Net& net, const std::vector<std::string>& names, std::size_t count) {
  auto& inviter = net[names[0]];
  for (std::size_t first = 1; first < count; first += 11) {
    std::vector<std::string> batch(names.begin() + first,
                                   names.begin() + std::min(count, first + 11));
    REQUIRE(inviter.invite(batch, net.now));
    net.run(Millis(50));
    if (first == 1) {
      REQUIRE(inviter.view().choosing_mode);
      REQUIRE(inviter.choose_mode(Mode::Decentralized, net.now));
      net.run(Millis(50));
    }
    for (auto& n : batch) {
      REQUIRE(net[n].view().invitation);
      REQUIRE(net[n].accept_invitation(net.now));
    }
    net.run(Millis(200));
  }
}

struct Part {
  std::size_t index;  // in net.wire
  Message message;
  std::size_t bytes;
};

// The 11s the server sent to `to`, first copies only (retransmissions skipped).
std::vector<Part> updates_to(const Net& net, const Endpoint& to) {
  std::vector<Part> v;
  std::set<std::uint16_t> seen;
  for (std::size_t i = 0; i < net.wire.size(); ++i) {
    auto& [from, t] = net.wire[i];
    if (from != net.server_ep || t.peer != to) continue;
    auto m = dec(t.bytes);
    if (m.type() != MessageType::GroupUpdate) continue;
    if (!seen.insert(m.seq).second) continue;
    v.push_back(Part{i, m, t.bytes.size()});
  }
  return v;
}

// Stop-and-wait, read off the wire: no new 11 or 13 goes to a client while
// one it was sent is unacknowledged.
void check_one_news_at_a_time(const Net& net, const Endpoint& client) {
  int open = -1;  // the sequence number of the news unacknowledged, or -1
  for (auto& [from, t] : net.wire) {
    auto m = dec(t.bytes);
    if (from == net.server_ep && t.peer == client &&
        (m.type() == MessageType::GroupUpdate || m.type() == MessageType::GroupClosed)) {
      if (open >= 0 && open != m.seq) FAIL("a new 11 or 13 while seq " << open << " is unacknowledged");
      open = m.seq;
    }
    if (from == client && t.peer == net.server_ep && m.type() == MessageType::Ack && open == m.seq)
      open = -1;
  }
}

std::vector<GroupMember> joined(const std::vector<Part>& parts) {
  std::vector<GroupMember> all;
  for (auto& p : parts) {
    auto& u = std::get<GroupUpdate>(p.message.body);
    all.insert(all.end(), u.members.begin(), u.members.end());
  }
  return all;
}

}  // namespace

TEST_CASE("a decentralized group of 100 long names gets its list in parts, one at a time") {
  ServerConfig sc;
  Net net(sc);
  std::vector<std::string> names;
  for (unsigned i = 0; i < 101; ++i) names.push_back(add_long(net, i));
  net.connect_all();
  grow_group(net, names, 100);

  auto groups = net.server.groups();
  REQUIRE(groups.size() == 1);
  REQUIRE(groups[0].members.size() == 100);
  REQUIRE(groups[0].mode == Mode::Decentralized);

  // The last update each member got, read off the wire: parts of at most
  // 1028 bytes, M on all but the last, joined into the server's list.
  std::size_t parts_of_full_list = 0;
  for (unsigned i = 0; i < 100; ++i) {
    Endpoint where = long_endpoint(i);
    auto updates = updates_to(net, where);
    REQUIRE_FALSE(updates.empty());
    std::size_t last_start = updates.size() - 1;
    while (last_start > 0 && std::get<GroupUpdate>(updates[last_start - 1].message.body).more)
      --last_start;
    std::vector<Part> last(updates.begin() + std::ptrdiff_t(last_start), updates.end());
    for (std::size_t k = 0; k < last.size(); ++k) {
      CHECK(last[k].bytes <= 1028);
      CHECK(std::get<GroupUpdate>(last[k].message.body).more == (k + 1 < last.size()));
    }
    auto list = joined(last);
    REQUIRE(list.size() == 100);
    for (unsigned k = 0; k < 100; ++k) {
      CHECK(list[k].name == groups[0].members[k]);
      CHECK(list[k].endpoint == long_endpoint(k));
    }
    if (i == 0) parts_of_full_list = last.size();
    // Every part of every update was ≤ 1028 bytes, and sent one at a time.
    for (auto& p : updates) CHECK(p.bytes <= 1028);
    check_one_news_at_a_time(net, where);

    // The member applied exactly what the server holds, peers included.
    auto v = net[names[i]].view();
    CHECK(v.room == Room::Private);
    CHECK(v.members == list);
    // Each GroupJoined / GroupUpdated event carried a whole list.
    for (auto& e : net.events[names[i]]) {
      const std::vector<GroupMember>* m = nullptr;
      if (auto* j = std::get_if<ev::GroupJoined>(&e)) m = &j->members;
      if (auto* u = std::get_if<ev::GroupUpdated>(&e)) m = &u->members;
      if (m) CHECK(std::any_of(m->begin(), m->end(), [&](auto& g) { return g.name == names[0]; }));
    }
  }
  // 104 bytes a line (80-byte name, 21-byte address, SP, CRLF): 9 a part.
  CHECK(parts_of_full_list == 12);
  WARN("100 members with 80-byte names at 21-character addresses: " << parts_of_full_list
                                                                    << " parts per update");

  // Peers exchange directly with the last member listed.
  REQUIRE(net[names[0]].send_to_room("bonjour a tous", net.now));
  net.run(Millis(500));
  auto got = net.got<ev::MessageReceived>(names[99]);
  REQUIRE(got.size() == 1);
  CHECK(got[0].from_peer);
  CHECK(got[0].sender == names[0]);

  // The 101st member is refused with 17, like any list over 100.
  REQUIRE(net[names[0]].invite({names[100]}, net.now));
  net.run(Millis(100));
  auto errors = net.got<ev::ErrorReceived>(names[0]);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].error == MessageType::LimitReached);
  CHECK_FALSE(net[names[100]].view().invitation);
  CHECK(net.server.groups()[0].members.size() == 100);
}

TEST_CASE("pending invitees count toward the 100 members") {
  Net net;
  std::vector<std::string> names;
  for (unsigned i = 0; i < 101; ++i) names.push_back(add_long(net, i));
  net.connect_all();
  grow_group(net, names, 90);
  // Ten invited, not yet answered: the group is full for the 101st.
  std::vector<std::string> ten(names.begin() + 90, names.begin() + 100);
  REQUIRE(net[names[0]].invite(ten, net.now));
  net.run(Millis(100));
  REQUIRE(net[names[0]].invite({names[100]}, net.now));
  net.run(Millis(100));
  auto errors = net.got<ev::ErrorReceived>(names[0]);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].error == MessageType::LimitReached);
  // The relayed invitation names the inviter first, then as many members as
  // fit one text: the whole list comes with the 11.
  auto inv = net.got<ev::InvitationReceived>(names[95]);
  REQUIRE(inv.size() == 1);
  CHECK(inv[0].members.front() == names[0]);
  CHECK(inv[0].members.size() == 12);  // 12 x 80 bytes + 11 commas + CRLF <= 1024
}

TEST_CASE("a client applies a list in parts only on the last part") {
  ClientConfig cc;
  cc.server = ep(1, 2017);
  Client c(cc);
  auto now = at_ms(0);
  REQUIRE(c.connect("Zoé", now));
  Transmit t;
  REQUIRE(c.poll_transmit(t));
  auto connect_seq = dec(t.bytes).seq;
  c.handle_datagram(cc.server, enc(connect_seq, Ack{}), now);
  std::vector<ClientEvent> events;
  auto drain = [&] {
    std::vector<Message> acks;
    while (c.poll_transmit(t)) acks.push_back(dec(t.bytes));
    ClientEvent e;
    while (c.poll_event(e)) events.push_back(std::move(e));
    return acks;
  };
  drain();
  auto member = [](const char* n, unsigned i) { return GroupMember{n, long_endpoint(i)}; };
  auto part = [&](std::uint16_t seq, std::vector<GroupMember> m, bool more) {
    GroupUpdate u;
    u.members = std::move(m);
    u.more = more;
    return enc(seq, u);
  };

  // Two parts: nothing applied after the first, the whole list after the second.
  c.handle_datagram(cc.server, part(0, {member("Sheng", 0), member("Lucy", 1)}, true), now);
  auto acks = drain();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0] == Message{0, Ack{}});
  CHECK(events.size() == 1);  // Connected only
  CHECK(c.view().room == Room::Public);
  // A duplicate of the first part is acknowledged again, not added twice.
  c.handle_datagram(cc.server, part(0, {member("Sheng", 0), member("Lucy", 1)}, true), now);
  CHECK(drain().size() == 1);
  c.handle_datagram(cc.server, part(1, {member("Zoé", 2), member("Bob", 3)}, false), now);
  drain();
  REQUIRE(events.size() == 2);
  auto* j = std::get_if<ev::GroupJoined>(&events[1]);
  REQUIRE(j);
  CHECK(j->mode == Mode::Decentralized);
  REQUIRE(j->members.size() == 4);
  CHECK(j->members[0].name == "Sheng");
  CHECK(j->members[3].name == "Bob");
  CHECK(c.view().members == j->members);

  // A later update in three parts: one GroupUpdated, with the whole list.
  c.handle_datagram(cc.server, part(2, {member("Sheng", 0)}, true), now);
  c.handle_datagram(cc.server, part(3, {member("Zoé", 2)}, true), now);
  drain();
  CHECK(events.size() == 2);
  CHECK(c.view().members.size() == 4);
  c.handle_datagram(cc.server, part(4, {member("Bob", 3)}, false), now);
  drain();
  REQUIRE(events.size() == 3);
  auto* u = std::get_if<ev::GroupUpdated>(&events[2]);
  REQUIRE(u);
  REQUIRE(u->members.size() == 3);
  CHECK(u->members[1].name == "Zoé");

  // An 11 with M clear and no part before it is a whole list, as always.
  c.handle_datagram(cc.server, part(5, {member("Zoé", 2), member("Lucy", 1)}, false), now);
  drain();
  REQUIRE(events.size() == 4);
  CHECK(std::get<ev::GroupUpdated>(events[3]).members.size() == 2);
}

TEST_CASE("an update waits behind a multi-part update in flight, and a newer one replaces it") {
  Net net;
  std::vector<std::string> names;
  for (unsigned i = 0; i < 24; ++i) names.push_back(add_long(net, i));
  net.connect_all();
  grow_group(net, names, 24);  // 24 lines of 104 bytes: 3 parts
  REQUIRE(net.server.groups().at(0).members.size() == 24);
  const std::string& slow = names[5];
  Endpoint slow_ep = long_endpoint(5);

  // The slow member's ACKs are lost for a while; two members leave meanwhile.
  bool blocked = true;
  net.pass = [&](const Endpoint& from, const Endpoint& to, const Bytes& b) {
    return !(blocked && from == slow_ep && to == net.server_ep && dec(b).type() == MessageType::Ack);
  };
  std::size_t wire_before = net.wire.size();
  REQUIRE(net[names[23]].leave_group(net.now));
  net.run(Millis(100));
  // Its first part is out and unacknowledged: the slow member's 7 now waits.
  REQUIRE(net[slow].leave_group(net.now));
  net.run(Millis(100));
  CHECK(net.server.counters().dropped(DropReason::Deferred) >= 1);
  REQUIRE(net[names[22]].leave_group(net.now));
  net.run(Millis(100));
  REQUIRE(net[names[21]].leave_group(net.now));
  net.run(Millis(1500));  // before the first retransmission
  std::set<std::uint16_t> sent_to_slow;
  for (std::size_t i = wire_before; i < net.wire.size(); ++i)
    if (net.wire[i].first == net.server_ep && net.wire[i].second.peer == slow_ep &&
        dec(net.wire[i].second.bytes).type() == MessageType::GroupUpdate)
      sent_to_slow.insert(dec(net.wire[i].second.bytes).seq);
  CHECK(sent_to_slow.size() == 1);  // the first part of the first update, nothing after it

  blocked = false;
  net.run(Millis(30000));
  check_one_news_at_a_time(net, slow_ep);
  // What reached the slow member after it was unblocked: the rest of the
  // update in flight, then the newest list (the one in between was replaced).
  auto updates = updates_to(net, slow_ep);
  std::vector<Part> after;
  for (auto& p : updates)
    if (p.index >= wire_before) after.push_back(p);
  std::vector<std::size_t> lists;  // members of each complete update
  std::size_t so_far = 0;
  for (auto& p : after) {
    so_far += std::get<GroupUpdate>(p.message.body).members.size();
    if (!std::get<GroupUpdate>(p.message.body).more) {
      lists.push_back(so_far);
      so_far = 0;
    }
  }
  // 23 after the first leave; the slow member's own 7 went through once its
  // news was acknowledged, so the newest list is without it and the others.
  REQUIRE(lists.size() >= 2);
  CHECK(lists.front() == 23);
  CHECK(lists.size() <= 3);
  auto g = net.server.groups().at(0);
  CHECK(g.members.size() == 20);
  CHECK(net[slow].view().room == Room::Public);
  auto left = net.got<ev::GroupLeft>(slow);
  CHECK(left.size() == 1);
  // Everyone still in the group sees the server's list.
  for (auto& n : g.members) {
    std::vector<std::string> seen;
    for (auto& m : net[n].view().members) seen.push_back(m.name);
    CHECK(seen == g.members);
  }
}
