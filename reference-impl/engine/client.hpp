// SPDX-License-Identifier: GPL-2.0-or-later
// The IMUP client as a sans-I/O state machine (docs/PROTOCOL.md). Commands and
// datagrams go in; datagrams (to the server, and straight to decentralized
// peers: Transmit::peer tells which), a deadline and typed events come out.
//
//   Client c(config);
//   c.connect("Sheng", now);                 while (c.poll_transmit(t)) send(t);
//   c.handle_datagram(from, bytes, now);     while (c.poll_event(e)) show(e);
//   if (auto d = c.poll_timeout(); d && now >= *d) c.handle_timeout(now);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/message.hpp"
#include "engine/client_events.hpp"
#include "engine/config.hpp"
#include "engine/counters.hpp"
#include "engine/io_contract.hpp"

namespace imup::engine {

// A command either starts (ok, with an id that later events carry) or is
// refused on the spot with a reason for the user (not connected, name
// invalid, text over 1024 bytes, no invitation to accept, ...): the client
// refuses locally to build a datagram that breaks a limit (§8).
struct CommandResult {
  bool ok = false;
  CommandId id = 0;
  std::string error;
  explicit operator bool() const { return ok; }
};

enum class ConnectionState : std::uint8_t { Disconnected, Connecting, Connected, Disconnecting };

struct PendingInvitation {
  std::string inviter;
  std::vector<std::string> members;
  Mode mode = Mode::Centralized;
  std::string note;
};

// Where the user is: what a front end shows in its prompt or status line.
struct ClientView {
  ConnectionState connection = ConnectionState::Disconnected;
  std::string name;
  Room room = Room::Public;
  Mode mode = Mode::Centralized;          // of the group, when room is Private
  std::vector<GroupMember> members;       // of the group, ourselves included
  bool choosing_mode = false;             // the server offered modes (10): call choose_mode
  bool joining = false;                   // accepted an invitation, waiting for the 11
  // The server was lost and ClientConfig::reconnect is on: an attempt to
  // connect again is scheduled or under way (connection Disconnected or Connecting).
  bool reconnecting = false;
  std::optional<PendingInvitation> invitation;  // received, to accept or refuse
};

class Client {
 public:
  // Throws std::invalid_argument when check_config(config) finds a problem.
  explicit Client(const ClientConfig& config);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Commands (each may queue datagrams: drain poll_transmit after it).
  CommandResult connect(std::string_view name, Time now);
  CommandResult disconnect(Time now);
  CommandResult request_list(Time now);                      // all pages, one UserList event
  CommandResult send_to_room(std::string_view text, Time now);  // public room or our group
  CommandResult send_direct(std::string_view recipient, std::string_view text, Time now);
  CommandResult invite(const std::vector<std::string>& names, Time now);
  CommandResult choose_mode(Mode mode, Time now);            // after a ModeOffered event
  CommandResult accept_invitation(Time now);
  CommandResult refuse_invitation(Time now);
  CommandResult leave_group(Time now);

  // The driving surface (io_contract.hpp).
  void handle_datagram(const Endpoint& from, std::span<const std::uint8_t> datagram, Time now);
  void handle_timeout(Time now);
  std::optional<Time> poll_timeout() const;
  bool poll_transmit(Transmit& out);
  bool poll_event(ClientEvent& out);

  ClientView view() const;
  // Requests sent and not yet answered, or queued behind them, to the server
  // and to peers: 0 when every command's fate is known (a front end waits for
  // it before leaving at the end of its input).
  std::size_t pending_requests() const;
  const ClientCounters& counters() const;
  const ClientConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imup::engine
