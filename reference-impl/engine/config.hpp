// SPDX-License-Identifier: GPL-2.0-or-later
// Every limit and timer of the reference server and client (docs/PROTOCOL.md
// §6-§8, §14). Plain values so that a key file, a command line or a test can
// fill them; check_config() says what is wrong before an engine takes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "codec/limits.hpp"
#include "codec/wire.hpp"
#include "engine/io_contract.hpp"

namespace imup::engine {

// The largest values check_config() accepts where the protocol sets no
// bound: imup-server's settings read their ranges here, so a refusal states
// the same range whether the key file's parser or check_config() finds it.
inline constexpr std::size_t kMaxAnswerCache = 256;  // answers kept per peer
inline constexpr std::size_t kMaxGroupsSetting = 100000;  // private groups open at once
inline constexpr unsigned kMaxReconnectAttempts = 1000;   // a client's attempts after a loss

// §6.3, §6.4, §7: the same rules on every channel (client <-> server, peer <-> peer).
// The defaults are the protocol's values (codec/limits.hpp).
struct ReliabilityConfig {
  Millis first_timeout_min{kMinRetransmitInterval};  // the draft's floor: never below 2 s
  Millis first_timeout_max{kFirstTimeoutMax};
  unsigned tries = kTries;                    // the first sending + 4 retransmissions
  std::size_t window = kWindow;               // unanswered requests per peer, 1..kWindow
  std::size_t answer_cache = kAnswerCacheEntries;  // answers kept per peer, > window
  Millis answer_cache_lifetime{kAnswerCacheLifetime};
};

// A token bucket: `per_second` tokens added continuously up to `burst`; each
// datagram takes one. per_second == 0 turns the limit off.
struct RateLimit {
  double per_second = 0;
  double burst = 0;
  bool enabled() const { return per_second > 0; }
};

struct ServerConfig {
  // Table 1 limits (§8). Lowering one at run time never evicts anybody: it
  // applies to the next request that would cross it.
  std::size_t max_clients = kMaxClients;             // <= 1024 (10-bit user ids)
  std::size_t max_name_chars = kMaxNameChars;        // <= 20
  std::size_t max_groups = kMaxGroups;
  std::size_t max_group_members = kMaxGroupMembers;  // members + pending invitees

  ReliabilityConfig reliability;
  Millis probe_interval{kProbeInterval};  // §9.4
  // §9.4: sendings of a liveness probe before its client is removed; 0: the
  // reliability's tries. A vanished client's slot and name are free at most
  // probe_interval + first_timeout_max x (2^probe_tries - 1) after it was
  // last heard (30 s + 93 s by default). Fewer tries free it sooner, and
  // remove a client whose link loses that many probes (or ACKs) in a row.
  unsigned probe_tries = 0;

  // §14: abuse limits.
  RateLimit per_client{200, 400};    // datagrams from one endpoint
  RateLimit per_ip{5000, 10000};     // datagrams from one IPv4 address, all ports
  std::size_t max_registrations_per_ip = 256;  // connected names per IPv4 address
  unsigned amplification_factor = 3;  // bytes sent to an unproved endpoint <= factor x received
  bool prove_return_path = true;      // probe (12) every new client before it counts
  // §14: an endpoint that has not proved its return path within this time is
  // removed (its slot and name freed); while unproved it holds at most
  // max_unproved_per_ip of its address's registrations, and its messages and
  // invitations wait (at most max_held_unproved of them) for the proof.
  Millis proof_timeout{5000};
  std::size_t max_unproved_per_ip = 8;
  std::size_t max_held_unproved = 4;

  // Bounds on the engine's own memory.
  std::size_t max_queued_per_client = 4096;  // requests waiting for window room; beyond: client dropped
  // Back-pressure (PROTOCOL.md §6.5): while a recipient that keeps up (its
  // oldest unanswered request younger than the first retransmission) has
  // this many requests waiting, messages to it are left unanswered for their
  // senders' timers to resend. Below max_queued_per_client; 0: none (every
  // message relayed at once, and a receiver whose queue fills is removed).
  std::size_t backlog_per_client = 256;
  std::size_t max_tracked_ips = 65536;       // per-IP buckets kept at once
  std::size_t max_events = 4096;             // poll_event() queue; beyond: counted, not kept

  bool strict_decoding = false;  // false: accept the draft's deviations (warnings)
  std::uint64_t rng_seed = 1;    // retransmission jitter; same seed, same run
};

// After the server was lost (§7: it stopped answering, or fell silent), a
// client may connect again under the same name: attempt k waits
// min(first_delay x 2^(k-1), max_delay) after the loss or the failure of
// attempt k-1; each attempt is one Connexion with its own tries (§7), failed
// when they run out or when it is refused (a name taken: the old session's
// slot may not be free yet, §9.4). attempts == 0: never.
struct ReconnectConfig {
  unsigned attempts = 0;
  Millis first_delay{1000};
  Millis max_delay{30000};
  bool enabled() const { return attempts > 0; }
};

struct ClientConfig {
  Endpoint server;
  ReliabilityConfig reliability;
  // §9.4: the server probes (12) a client silent for this long. A connected
  // client that hears nothing from it for server_silence_limit() takes it
  // for gone (ServerGone). Zero: never (a server that does not probe).
  Millis server_probe_interval{kProbeInterval};
  ReconnectConfig reconnect;
  bool strict_decoding = false;
  std::size_t max_queued_per_peer = 4096;  // commands waiting for window room
  std::uint64_t rng_seed = 1;
};

// §7, §9.4: two probe intervals (one probe may be missed whole, or come a
// whole interval late after our own last datagram) plus the first
// retransmission's upper bound (the second probe may be lost once and sent
// again): 2 x 30 s + 3 s = 63 s with the defaults. Zero when the silence
// deadline is off.
inline Millis server_silence_limit(const ClientConfig& c) {
  if (c.server_probe_interval == Millis(0)) return Millis(0);
  return 2 * c.server_probe_interval + c.reliability.first_timeout_max;
}

// What is wrong with a configuration, or nullopt when the engines accept it.
std::optional<std::string> check_config(const ReliabilityConfig& c);
std::optional<std::string> check_config(const ServerConfig& c);
std::optional<std::string> check_config(const ClientConfig& c);

}  // namespace imup::engine
