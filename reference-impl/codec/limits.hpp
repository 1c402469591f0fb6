// SPDX-License-Identifier: GPL-2.0-or-later
// The protocol's limits and timer values, in one place (docs/PROTOCOL.md §6-§8):
// the engine's defaults (engine/config.hpp), the verifier's checks and the
// messages that name these numbers all read them from here.
#pragma once

#include <chrono>
#include <cstddef>

namespace imup {

// §8, draft Table 1.
inline constexpr std::size_t kMaxClients = 1024;       // connected clients (10-bit user ids)
inline constexpr std::size_t kMaxNameChars = 20;       // characters of a name
inline constexpr std::size_t kMaxTextBytes = 1024;     // text bytes of one datagram
inline constexpr std::size_t kMaxGroups = 100;         // simultaneous private groups
inline constexpr std::size_t kMaxGroupMembers = 100;   // members + pending invitees of a group

// §6.4: the window, a span of sequence numbers per peer from the oldest
// unanswered request (so also the most requests unanswered at once).
inline constexpr std::size_t kWindow = 32;
// §6.3: answers a receiver keeps per peer, for the peer's last requests.
inline constexpr std::size_t kAnswerCacheEntries = 64;
static_assert(kWindow < kAnswerCacheEntries, "§6.4: the window is smaller than the answer cache");

// §7: timers and reliability.
inline constexpr std::chrono::milliseconds kMinRetransmitInterval{2000};  // floor between tries
inline constexpr std::chrono::milliseconds kFirstTimeoutMax{3000};  // first timeout: [2 s, 3 s]
inline constexpr unsigned kTries = 5;  // the first sending + 4 retransmissions
// Not the protocol's: the most tries the toolkit accepts (the engine's
// check_config, imup-server's timers.tries, imup-inject --tries). Sixteen
// sendings with doubling timeouts already span more than a day.
inline constexpr unsigned kMaxTries = 16;
inline constexpr std::chrono::milliseconds kAnswerCacheLifetime{120000};
inline constexpr std::chrono::milliseconds kProbeInterval{30000};  // §9.4 liveness probes

}  // namespace imup
