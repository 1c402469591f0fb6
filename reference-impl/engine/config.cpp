// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/config.hpp"

namespace imup::engine {
namespace {

std::optional<std::string> check_rate(const RateLimit& r, const char* what) {
  if (r.per_second < 0 || r.burst < 0)
    return std::string(what) + ": rates cannot be negative";
  if (r.enabled() && r.burst < 1)
    return std::string(what) + ": a burst below 1 would refuse every datagram";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_config(const ReliabilityConfig& c) {
  if (c.first_timeout_min < kMinRetransmitInterval)
    return "first retransmission timeout below the protocol's 2 s floor";
  if (c.first_timeout_max < c.first_timeout_min)
    return "first retransmission timeout: the maximum is below the minimum";
  if (c.first_timeout_max > Millis(60000)) return "first retransmission timeout above 60 s";
  if (c.tries < 1 || c.tries > kMaxTries) return "tries must be 1.." + std::to_string(kMaxTries);
  if (c.window < 1 || c.window > kWindow) return "window must be 1.." + std::to_string(kWindow);
  if (c.answer_cache <= c.window || c.answer_cache > kMaxAnswerCache)
    return "answer cache must hold more answers than the window (and at most " +
           std::to_string(kMaxAnswerCache) + ")";
  if (c.answer_cache_lifetime < Millis(1000)) return "answer cache lifetime below 1 s";
  return std::nullopt;
}

std::optional<std::string> check_config(const ServerConfig& c) {
  if (auto p = check_config(c.reliability)) return p;
  if (c.max_clients < 1 || c.max_clients > kMaxClients)
    return "max clients must be 1.." + std::to_string(kMaxClients) + " (user ids are 10 bits)";
  if (c.max_name_chars < 1 || c.max_name_chars > kMaxNameChars)
    return "max name characters must be 1.." + std::to_string(kMaxNameChars);
  if (c.max_groups > kMaxGroupsSetting)
    return "max groups above " + std::to_string(kMaxGroupsSetting);
  if (c.max_group_members < 2 || c.max_group_members > kMaxClients)
    return "max group members must be 2.." + std::to_string(kMaxClients);
  if (c.probe_interval < Millis(1000)) return "probe interval below 1 s";
  if (c.probe_tries > kMaxTries) return "probe tries must be 0 (the tries) or 1.." + std::to_string(kMaxTries);
  if (auto p = check_rate(c.per_client, "per-client rate")) return p;
  if (auto p = check_rate(c.per_ip, "per-address rate")) return p;
  if (c.max_registrations_per_ip < 1) return "registrations per address must be at least 1";
  if (c.amplification_factor < 1) return "amplification factor must be at least 1";
  if (c.proof_timeout <= c.reliability.first_timeout_max)
    return "proof timeout must be longer than the first retransmission's upper bound (" +
           std::to_string(c.reliability.first_timeout_max.count()) +
           " ms), so that the probe is sent at least twice";
  if (c.max_unproved_per_ip < 1) return "unproved registrations per address must be at least 1";
  if (c.max_queued_per_client < 1) return "queued requests per client must be at least 1";
  if (c.backlog_per_client >= c.max_queued_per_client)
    return "the backlog per client must be below the queued requests per client (0: no back-pressure)";
  if (c.max_tracked_ips < 1) return "tracked addresses must be at least 1";
  return std::nullopt;
}

std::optional<std::string> check_config(const ClientConfig& c) {
  if (auto p = check_config(c.reliability)) return p;
  if (c.server.port == 0) return "the server's port is 0";
  if (c.max_queued_per_peer < 1) return "queued requests per peer must be at least 1";
  if (c.server_probe_interval != Millis(0) && c.server_probe_interval < Millis(1000))
    return "the server's probe interval must be 0 (no silence deadline) or at least 1 s";
  if (c.server_probe_interval > Millis(24LL * 3600 * 1000)) return "the server's probe interval above a day";
  if (c.reconnect.attempts > kMaxReconnectAttempts)
    return "reconnection attempts must be 0.." + std::to_string(kMaxReconnectAttempts);
  if (c.reconnect.first_delay < Millis(1) || c.reconnect.max_delay < c.reconnect.first_delay)
    return "reconnection delays: the first must be at least 1 ms and at most the longest";
  if (c.reconnect.max_delay > Millis(3600 * 1000)) return "reconnection delay above an hour";
  return std::nullopt;
}

}  // namespace imup::engine
