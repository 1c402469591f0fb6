// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/server_impl/lingering_answers.hpp"

#include "codec/wire.hpp"

namespace imup::engine {

Lingering* LingeringAnswers::live(const Endpoint& ep, Time now) {
  auto it = by_endpoint_.find(ep);
  return it == by_endpoint_.end() || it->second.until < now ? nullptr : &it->second;
}

const std::vector<std::uint8_t>* LingeringAnswers::answer_to(const Endpoint& ep, std::uint16_t seq,
                                                             std::uint64_t hash, Time now) {
  const Lingering* l = live(ep, now);
  if (!l || l->answer.empty() || l->seq != seq || l->hash != hash) return nullptr;
  return &l->answer;
}

Lingering& LingeringAnswers::keep(const Endpoint& ep, std::uint16_t seq, std::uint64_t hash,
                                  std::vector<std::uint8_t> answer, Time now, Millis lifetime) {
  while (!order_.empty() && (order_.front().first < now || order_.size() >= 4 * kMaxClients)) {
    auto it = by_endpoint_.find(order_.front().second);
    if (it != by_endpoint_.end() && it->second.until == order_.front().first) by_endpoint_.erase(it);
    order_.pop_front();
  }
  Time until = now + lifetime;
  Lingering l{seq, hash, std::move(answer), until, std::nullopt, std::nullopt};
  if (Lingering* old = live(ep, now)) {
    l.next_seq = old->next_seq;
    l.cache = std::move(old->cache);
  }
  Lingering& kept = by_endpoint_[ep] = std::move(l);
  order_.emplace_back(until, ep);
  return kept;
}

std::size_t LingeringAnswers::memory_bytes() const {
  constexpr std::size_t kNode = 64;  // a hash node, estimated
  std::size_t n = 0;
  for (const auto& [ep, l] : by_endpoint_)
    n += sizeof(Lingering) + kNode + 8 + l.answer.capacity() + (l.cache ? l.cache->memory_bytes() : 0);
  return n;
}

}  // namespace imup::engine
