// SPDX-License-Identifier: GPL-2.0-or-later
// A public room on a virtual clock, for the back-pressure test and the
// fan-out benchmark (PROTOCOL.md §6.5): receivers a round trip away, each
// acknowledging what it was sent one round trip later (so at most a window,
// 32 requests, drains to it per round trip), and senders, well behaved too,
// that keep a bounded number of messages unanswered, resend one 2.5 s after
// it was sent (the first retransmission) and acknowledge at once what the
// server sends them.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "codec/exchange.hpp"
#include "engine_harness.hpp"

namespace imup::test {

struct SlowRoom {
  ServerBench bench;
  std::vector<Endpoint> senders, receivers;
  std::size_t in_flight;  // messages a sender keeps unanswered at most
  Millis round_trip;
  struct Unacked {
    std::uint16_t seq;
    Bytes bytes;
    Time sent;
  };
  std::map<Endpoint, std::vector<Unacked>> sender_out;
  std::map<Endpoint, std::uint16_t> next_seq;
  std::map<Endpoint, std::vector<std::pair<Time, std::uint16_t>>> to_ack;  // receiver: when, seq
  std::map<Endpoint, std::size_t> relayed;
  std::set<std::string> removed;
  std::size_t acked_to_senders = 0;
  Time now{};

  SlowRoom(engine::ServerConfig cfg, std::size_t n_senders, std::size_t n_receivers,
           std::size_t in_flight_per_sender, Millis rtt)
      : bench(cfg), in_flight(in_flight_per_sender), round_trip(rtt) {
    // One IPv4 address each, so that no per-address limit is what slows them.
    for (std::size_t i = 0; i < n_senders; ++i) senders.push_back(ep(std::uint32_t(0x1000 + i), 4000));
    for (std::size_t i = 0; i < n_receivers; ++i) receivers.push_back(ep(std::uint32_t(0x2000 + i), 5000));
    for (std::size_t i = 0; i < receivers.size(); ++i)
      bench.connect(receivers[i], "receiver" + std::to_string(i), 0, now);
    for (std::size_t i = 0; i < senders.size(); ++i) {
      bench.connect(senders[i], "sender" + std::to_string(i), 0, now);
      next_seq[senders[i]] = 1;
    }
    take(bench.drain());
  }

  // `span` of posting in 5 ms steps, then as long again for the receivers to
  // catch up with nothing new posted.
  void run(Millis span) {
    Time start = now;
    while (now < start + span) {
      now += Millis(5);
      step(true);
    }
    while (now < start + 2 * span) {
      now += Millis(5);
      step(false);
    }
  }

 private:
  bool is_receiver(const Endpoint& e) const {
    return std::find(receivers.begin(), receivers.end(), e) != receivers.end();
  }
  void take(std::vector<Transmit> out) {
    std::deque<Transmit> queue(out.begin(), out.end());
    while (!queue.empty()) {
      Transmit t = std::move(queue.front());
      queue.pop_front();
      auto m = dec(t.bytes);
      if (!is_request(m.type())) {  // an answer to a sender's message
        auto& v = sender_out[t.peer];
        auto it = std::find_if(v.begin(), v.end(), [&](const Unacked& u) { return u.seq == m.seq; });
        if (it != v.end()) {
          v.erase(it);
          ++acked_to_senders;
        }
        continue;
      }
      if (is_receiver(t.peer)) {
        if (m.type() == MessageType::Relayed) ++relayed[t.peer];
        to_ack[t.peer].emplace_back(now + round_trip, m.seq);
      } else {
        for (auto& next : bench.feed(t.peer, enc(m.seq, Ack{}), now)) queue.push_back(std::move(next));
      }
    }
    for (auto& e : bench.events())
      if (e.kind == engine::ServerEvent::Kind::ClientGaveUp) removed.insert(e.name);
  }
  void step(bool post) {
    for (auto& r : receivers) {
      auto& v = to_ack[r];
      std::vector<std::pair<Time, std::uint16_t>> due;
      std::erase_if(v, [&](const auto& p) {
        if (p.first > now) return false;
        due.push_back(p);
        return true;
      });
      for (auto& [when, seq] : due) take(bench.feed(r, enc(seq, Ack{}), now));
    }
    for (auto& s : senders) {
      // The resends first (what the server answers changes the list).
      std::vector<Bytes> resend;
      for (auto& u : sender_out[s])
        if (now - u.sent >= Millis(2500)) {
          u.sent = now;
          resend.push_back(u.bytes);
        }
      for (auto& b : resend) take(bench.feed(s, b, now));
      auto& v = sender_out[s];
      if (post && v.size() < in_flight) {
        std::uint16_t seq = next_seq[s];
        next_seq[s] = std::uint16_t((seq + 1) & 0x3FF);
        Bytes b = enc(seq, ChatMessage{imup::Room::Public, Mode::Centralized, "busy", std::nullopt});
        v.push_back(Unacked{seq, b, now});
        take(bench.feed(s, b, now));
      }
    }
    take(bench.tick(now));
  }
};

}  // namespace imup::test
