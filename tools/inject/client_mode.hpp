// SPDX-License-Identifier: GPL-2.0-or-later
// imup-inject --client: sends a script's client requests the way a client
// would. It numbers them itself (one counter per client), waits for the
// answer echoing each number, retransmits by the protocol's rules (first
// timeout random in [2, 3] s, doubling, 5 tries by default), answers the
// server's own requests (8, or 5 to an invitation), and reports per request
// what answered it, the round-trip time and the retries.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "codec/limits.hpp"
#include "datagram_source.hpp"

namespace imup::inject {

struct ClientOptions {
  Endpoint server;
  std::uint32_t bind_ipv4 = 0x7F000001;
  std::uint16_t script_server_port = 2017;  // tells the script's client lines
  unsigned tries = kTries;  // the protocol's values (codec/limits.hpp)
  double first_timeout_min_s = std::chrono::duration<double>(kMinRetransmitInterval).count();
  double first_timeout_max_s = std::chrono::duration<double>(kFirstTimeoutMax).count();
  std::uint64_t seed = 1;
  std::uint16_t first_seq = 0;
  bool follow_script_times = true;
  bool refuse_invitations = false;
  double linger_s = 0.3;  // after the last request, keep answering the server
  bool json = false;
};

// Returns the exit status: 0 when every request got the answer the script
// expects (or any answer when it names none), 1 otherwise.
int run_client(const std::vector<Item>& items, const ClientOptions& options, std::FILE* out);

}  // namespace imup::inject
