// SPDX-License-Identifier: GPL-2.0-or-later
// Sending loaded datagrams at a controlled rate: original timing (scaled),
// --pps on absolute times (no drift: datagram k is due at start + k/pps), or
// top speed. UDP sockets send in sendmmsg batches, one socket per original
// source so the server sees as many clients as the input had; --raw sends
// whole Ethernet frames with pcap_inject instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datagram_source.hpp"

namespace imup::inject {

struct ReplayOptions {
  Endpoint server;           // destination of every datagram (socket mode)
  std::uint32_t bind_ipv4 = 0x7F000001;
  double pps = 0;            // > 0: fixed rate
  bool topspeed = false;
  double speed = 1.0;        // original timing divided by this
  std::uint64_t count = 0;   // stop after this many (0 = all, times loops)
  std::uint64_t loops = 1;   // 0 = until count is reached (or forever)
  bool progress = false;
  double wait_answers_s = 0.2;  // after the last send, keep counting answers this long
  std::string raw_interface;    // non-empty: pcap_inject frames here
};

struct ReplayResult {
  std::uint64_t sent = 0, failed = 0, bytes = 0, answers = 0;
  double seconds = 0;
  double requested_pps = 0;  // 0 when top speed
};

// Throws std::runtime_error on setup failures (socket, interface).
ReplayResult replay(const std::vector<Item>& items, const ReplayOptions& options);

}  // namespace imup::inject
