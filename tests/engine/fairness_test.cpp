// SPDX-License-Identifier: GPL-2.0-or-later
// Fairness under load (issue 13): receivers that keep up are never removed
// because of what others send. The server alone, on a virtual clock, with
// senders that post at just under the per-client rate and never acknowledge,
// and bystanders that acknowledge every request the moment it arrives.
#include "catch.hpp"

#include <algorithm>
#include <deque>
#include <set>

#include "codec/exchange.hpp"
#include "engine_harness.hpp"
#include "slow_room.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;

namespace {

// The server, with everything it sends to a bystander answered at once (the
// ACKs' own output, new relays let into the window, answered in turn).
struct FloodedRoom {
  ServerBench bench;
  std::set<Endpoint> bystanders;
  std::map<Endpoint, std::size_t> relayed;  // relayed messages each bystander got
  std::set<std::string> removed;            // names the server gave up on

  void deliver(std::vector<Transmit> out, Time now) {
    std::deque<Transmit> queue(out.begin(), out.end());
    while (!queue.empty()) {
      Transmit t = std::move(queue.front());
      queue.pop_front();
      if (!bystanders.count(t.peer)) continue;  // the senders never answer
      auto m = dec(t.bytes);
      if (!is_request(m.type())) continue;
      if (m.type() == MessageType::Relayed) ++relayed[t.peer];
      for (auto& next : bench.feed(t.peer, enc(m.seq, Ack{}), now)) queue.push_back(std::move(next));
    }
    for (auto& e : bench.events())
      if (e.kind == ServerEvent::Kind::ClientGaveUp) removed.insert(e.name);
  }
};

}  // namespace

TEST_CASE("bystanders that acknowledge everything stay while three senders flood the room") {
  FloodedRoom room;
  std::vector<Endpoint> senders{ep(1, 1001), ep(1, 1002), ep(1, 1003)};
  std::vector<Endpoint> bystanders{ep(2, 2001), ep(2, 2002), ep(2, 2003), ep(2, 2004), ep(2, 2005)};
  Time now = at_ms(0);
  for (std::size_t i = 0; i < bystanders.size(); ++i) {
    room.bystanders.insert(bystanders[i]);
    room.bench.connect(bystanders[i], "bystander" + std::to_string(i), 0, now);
  }
  for (std::size_t i = 0; i < senders.size(); ++i)
    room.bench.connect(senders[i], "sender" + std::to_string(i), 0, now);
  room.deliver(room.bench.drain(), now);
  room.bench.events();

  // 190 public messages a second from each sender (the per-client limit is
  // 200), for 10 s: each bystander is sent 570 relays a second, and must
  // acknowledge all of them, well over its own 200 a second.
  const std::int64_t step_us = 1'000'000 / 190;
  std::uint16_t seq = 1;
  std::size_t posted = 0;
  for (std::int64_t us = 0; us < 10'000'000; us += step_us, seq = std::uint16_t((seq + 1) & 0x3FF)) {
    now = Time(std::chrono::duration_cast<Millis>(std::chrono::microseconds(us + 1'000'000)));
    for (auto& s : senders) {
      room.deliver(room.bench.feed(s, enc(seq, ChatMessage{imup::Room::Public, Mode::Centralized,
                                                           "flood", std::nullopt}),
                                   now),
                   now);
      ++posted;
    }
    room.deliver(room.bench.tick(now), now);
  }
  INFO("posted " << posted << " messages; removed: " << room.removed.size());
  WARN("posted " << posted << " messages in 10 s; removed " << room.removed.size()
                 << " clients; bystander 0 was relayed " << room.relayed[bystanders[0]]);
  for (std::size_t i = 0; i < bystanders.size(); ++i) {
    CHECK(room.removed.count("bystander" + std::to_string(i)) == 0);
    // Every message posted while the sender was still there reached them.
    CHECK(room.relayed[bystanders[i]] >= posted * 9 / 10);
  }
}

TEST_CASE("receivers that keep up behind a slow link are never removed: the senders wait") {
  // Four senders at up to 200 a second each (one message every 5 ms while
  // fewer than 8 are unanswered): 800 relays a second to each receiver, which
  // drains 320. Without back-pressure each receiver's queue passed 4,096 and
  // it was removed within ~10 s.
  SlowRoom room(ServerConfig{}, 4, 5, 8, Millis(100));
  room.run(Millis(20'000));
  auto held = room.bench.server.counters().dropped(DropReason::Backpressure);
  WARN("20 s of 4 senders into 5 receivers 100 ms away: " << room.acked_to_senders
       << " messages accepted (" << room.acked_to_senders / 20 << "/s), " << held
       << " held for their senders to resend, receiver 0 relayed " << room.relayed[room.receivers[0]]
       << ", removed " << room.removed.size());
  CHECK(room.removed.empty());
  CHECK(held > 0);  // the senders were the ones who waited
  for (auto& r : room.receivers)
    CHECK(room.relayed[r] == room.acked_to_senders);  // each accepted message reached everyone
  // The room still moved: at least a third of what a receiver drains (320 a
  // second); the senders' 2-3 s retransmission timer sets the pace of a held one.
  CHECK(room.acked_to_senders >= 20 * 100);
}
