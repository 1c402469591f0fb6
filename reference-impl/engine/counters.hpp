// SPDX-License-Identifier: GPL-2.0-or-later
// What the server engine counts. The engine only counts and queues events;
// printing (SIGUSR1, exit, rate-limited log lines) is the program's job.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace imup::engine {

// Why a received datagram was dropped, or an outgoing one withheld. The names
// (drop_reason_name) are stable words for logs and tests.
enum class DropReason : std::uint8_t {
  Truncated,         // fewer than 4 bytes
  TooLong,           // more than 1028 bytes (limit_exceeded)
  UnknownType,       // type 0 or 22..255
  Malformed,         // any other decoding error
  WrongDirection,    // a type this side never receives (or not valid between peers)
  UnknownEndpoint,   // a request other than Connexion from an endpoint with no name
  UnexpectedAnswer,  // an answer matching no outstanding request
  StaleRequest,      // a request older than the answer cache can tell apart
  ClientRateLimit,   // the endpoint's token bucket is empty
  IpRateLimit,       // the IPv4 address's token bucket is empty
  Amplification,     // outgoing: would exceed the unproved endpoint's byte budget
  NotPeer,           // client: a datagram from an endpoint that is neither server nor member
  QueueFull,         // outgoing request refused: too many waiting for the window
  Deferred,          // a request left unanswered until the sender has our group news (11, 13)
  Unproved,          // a message or invitation from an unproved endpoint, beyond those held
  Backpressure,      // a message left unanswered while a recipient that keeps up has a backlog
};
inline constexpr std::size_t kDropReasonCount = 16;

constexpr std::string_view drop_reason_name(DropReason r) {
  constexpr std::array<std::string_view, kDropReasonCount> names{
      "truncated",      "too_long",          "unknown_type",       "malformed",
      "wrong_direction", "unknown_endpoint", "unexpected_answer",  "stale_request",
      "client_rate_limit", "ip_rate_limit",  "amplification",      "not_peer",
      "queue_full",     "deferred",          "unproved",           "backpressure"};
  return names[std::size_t(r)];
}

struct ServerCounters {
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t retransmissions = 0;   // timer-driven resends
  std::uint64_t duplicates = 0;        // requests answered again from the cache
  std::uint64_t give_ups = 0;          // requests whose tries ran out
  std::uint64_t clients_removed = 0;   // given up on (not by their own Deconnexion)
  std::uint64_t events_lost = 0;       // poll_event() queue full
  std::array<std::uint64_t, kDropReasonCount> drops{};
  std::size_t clients = 0;             // connected now (proved or not)
  std::size_t groups = 0;              // private groups open now

  std::uint64_t dropped(DropReason r) const { return drops[std::size_t(r)]; }
  std::uint64_t total_drops() const {
    std::uint64_t n = 0;
    for (auto d : drops) n += d;
    return n;
  }
};

struct ClientCounters {
  std::uint64_t datagrams_in = 0;
  std::uint64_t datagrams_out = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t give_ups = 0;
  std::array<std::uint64_t, kDropReasonCount> drops{};
};

}  // namespace imup::engine
