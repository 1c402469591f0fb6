// SPDX-License-Identifier: GPL-2.0-or-later
// What the server keeps for an endpoint after its session ended (a resent
// Deconnexion) or was refused (a resent Connexion): §6.3 outlives the client.
// An entry lives answer_cache_lifetime; the table holds at most 4 x
// kMaxClients of them, the oldest given up first.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/answer_cache.hpp"
#include "engine/io_contract.hpp"
#include "engine/server_impl/endpoint_hash.hpp"

namespace imup::engine {

struct Lingering {
  std::uint16_t seq = 0;
  std::uint64_t hash = 0;
  std::vector<std::uint8_t> answer;  // empty: none to repeat
  Time until{};
  std::optional<std::uint16_t> next_seq;  // where the ended session's numbering stood
  // The ended session's answer cache: the program there keeps numbering on,
  // so its late resends are still recognised, now or in its next session.
  std::optional<AnswerCache> cache;
};

class LingeringAnswers {
 public:
  // The endpoint's entry if it has not expired at `now`, else nullptr.
  Lingering* live(const Endpoint& ep, Time now);
  // The answer to repeat when request (seq, hash) from `ep` is the one the
  // entry answered last, else nullptr.
  const std::vector<std::uint8_t>* answer_to(const Endpoint& ep, std::uint16_t seq,
                                             std::uint64_t hash, Time now);

  // Keeps `answer` to request (seq, hash) for `ep` until now + lifetime. A
  // live entry there passes on its numbering and its answer cache.
  Lingering& keep(const Endpoint& ep, std::uint16_t seq, std::uint64_t hash,
                  std::vector<std::uint8_t> answer, Time now, Millis lifetime);
  void forget(const Endpoint& ep) { by_endpoint_.erase(ep); }

  std::size_t memory_bytes() const;

 private:
  std::unordered_map<Endpoint, Lingering, EndpointHash> by_endpoint_;
  std::deque<std::pair<Time, Endpoint>> order_;  // by expiry, stale pairs skipped
};

}  // namespace imup::engine
