// SPDX-License-Identifier: GPL-2.0-or-later
// The IMUP server as a sans-I/O state machine (docs/PROTOCOL.md). It is fed
// datagrams and time and returns datagrams and a deadline (io_contract.hpp);
// it never touches a socket or a clock, and holds no global state.
//
//   Server s(config);
//   s.handle_datagram(from, bytes, now);   while (s.poll_transmit(t)) send(t);
//   if (auto d = s.poll_timeout(); d && now >= *d) s.handle_timeout(now);
//   while (s.poll_event(e)) log(e);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec/message.hpp"
#include "engine/config.hpp"
#include "engine/counters.hpp"
#include "engine/io_contract.hpp"
#include "engine/server_events.hpp"

namespace imup::engine {

// Read-only views for the program's status output and for tests.
struct ServerUserView {
  std::string name;
  Endpoint endpoint;
  std::uint16_t id = 0;          // the slot number of the user list
  bool proved = false;           // return path proved (§14)
  std::optional<std::uint32_t> group;  // the private group it is in
};
struct ServerGroupView {
  std::uint32_t id = 0;
  Mode mode = Mode::Centralized;
  std::vector<std::string> members;   // in the order they joined
  std::vector<std::string> invitees;  // invited, not yet answered
};

class Server {
 public:
  // Throws std::invalid_argument when check_config(config) finds a problem.
  explicit Server(const ServerConfig& config);
  ~Server();
  Server(Server&&) noexcept;
  Server& operator=(Server&&) noexcept;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The driving surface (io_contract.hpp).
  void handle_datagram(const Endpoint& from, std::span<const std::uint8_t> datagram, Time now);
  void handle_timeout(Time now);
  std::optional<Time> poll_timeout() const;
  bool poll_transmit(Transmit& out);

  // Log-worthy happenings, oldest first (bounded by config.max_events).
  bool poll_event(ServerEvent& out);

  // SIGHUP: new limits, rates and timers for what happens next. The RNG seed
  // is kept. Returns the problem and changes nothing when the config is bad.
  std::optional<std::string> reconfigure(const ServerConfig& config);
  const ServerConfig& config() const;

  const ServerCounters& counters() const;
  std::vector<ServerUserView> users() const;    // by user id
  std::vector<ServerGroupView> groups() const;  // by group id
  // Bytes the engine holds for its clients and groups (an estimate from
  // container capacities), for the memory-per-client benchmark.
  std::size_t memory_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imup::engine
