// SPDX-License-Identifier: GPL-2.0-or-later
// The contract between the sans-I/O engines (server.hpp, client.hpp) and the
// programs that wrap them with sockets, a clock and a terminal. In the manner of
// quinn-proto: feed datagrams and time in, poll datagrams and a deadline out.
// Nothing here touches a socket or reads a clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "codec/message.hpp"

namespace imup::engine {

// Engine time: milliseconds on a monotonic clock whose origin the caller picks
// (steady_clock in the programs, a virtual clock in the simulation).
using Millis = std::chrono::milliseconds;
using Time = std::chrono::time_point<std::chrono::steady_clock, Millis>;

// One datagram to send, or one received.
struct Transmit {
  Endpoint peer;
  std::vector<std::uint8_t> bytes;
};

// Every engine exposes the same driving surface:
//   void handle_datagram(const Endpoint& from, std::span<const std::uint8_t>, Time now);
//   void handle_timeout(Time now);           // call when now >= poll_timeout()
//   std::optional<Time> poll_timeout() const; // the next deadline, if any
//   bool poll_transmit(Transmit& out);        // drain until false after every call above
// The drivers call poll_transmit until it returns false after each handle_*.
// poll_transmit may swap buffers with `out` (the server does): whatever `out`
// held before is the engine's to reuse, so a driver that keeps its Transmits
// from one drain to the next lets the engine send without allocating.

}  // namespace imup::engine
