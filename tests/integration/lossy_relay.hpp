// SPDX-License-Identifier: GPL-2.0-or-later
// A user-space relay between IMUP clients and the server that drops and
// duplicates datagrams (this kernel has no netem), run on a thread of the test.
//
// It behaves like a full-cone NAT, so that decentralized groups work through
// it too: clients talk to the relay's front address as if it were the server;
// each client C gets its own relay socket N(C), from which the relay talks to
// the server, so the server sees C at N(C) and tells the other members that
// address. A datagram reaching N(X) from the server goes to X (from the front
// address); one reaching N(X) from client Y (a peer) goes to X from N(Y),
// which is where X believes Y lives.
//
// Impairment is a fixed pattern per flow (in socket, source), not a random
// draw, so every run is impaired the same way: the datagrams numbered
// drop_offset, drop_offset + drop_every, ... of each flow are dropped, and
// every duplicate_every-th is sent twice.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "codec/message.hpp"

namespace imup::testing {

struct Impairment {
  unsigned drop_every = 5;
  unsigned drop_offset = 2;
  unsigned duplicate_every = 7;
};

class LossyRelay {
 public:
  LossyRelay(const Endpoint& server, Impairment impairment);
  ~LossyRelay();
  LossyRelay(const LossyRelay&) = delete;
  LossyRelay& operator=(const LossyRelay&) = delete;

  std::string front_address() const;
  std::uint64_t forwarded() const { return forwarded_; }
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t duplicated() const { return duplicated_; }

 private:
  struct Client {
    Endpoint real;
    int fd;
    Endpoint mapped;  // N(C), as the server sees it
  };
  void run();
  void forward(int out_fd, const Endpoint& to, const std::uint8_t* data, std::size_t size,
               std::pair<int, Endpoint> flow);
  Client& client_for(const Endpoint& real);

  Endpoint server_;
  Impairment impairment_;
  int front_fd_ = -1;
  Endpoint front_;
  std::vector<Client> clients_;
  std::map<std::pair<int, Endpoint>, std::uint64_t> flow_counts_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> forwarded_{0}, dropped_{0}, duplicated_{0};
  std::thread thread_;
};

}  // namespace imup::testing
