// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/request_channel.hpp"

#include <algorithm>

#include "codec/exchange.hpp"

namespace imup::engine {

std::vector<std::uint8_t> with_seq(const std::vector<std::uint8_t>& bytes, std::uint16_t seq) {
  std::vector<std::uint8_t> out(bytes);
  if (out.size() >= kHeaderBytes) {
    Header h = unpack(load_be32(out.data()));
    h.seq = seq;
    store_be32(out.data(), pack(h));
  }
  return out;
}

bool RequestChannel::submit(MessageType type, SharedBytes bytes, std::uint64_t tag,
                            std::size_t max_waiting, unsigned max_tries, bool awaits_person) {
  if (waiting_.size() >= max_waiting) return false;
  waiting_.push_back(Waiting{type, std::move(bytes), tag, max_tries, awaits_person});
  return true;
}

bool RequestChannel::person_span_full(const ReliabilityConfig& cfg) const {
  return std::any_of(window_.begin(), window_.end(), [&](const OutstandingRequest& r) {
    return r.awaits_person && distance(r.seq) >= person_span(cfg);
  });
}

std::optional<OutstandingRequest> RequestChannel::take_left_behind(const ReliabilityConfig& cfg) {
  if (waiting_.empty()) return std::nullopt;  // nothing needs the numbers
  auto it = std::find_if(window_.begin(), window_.end(), [&](const OutstandingRequest& r) {
    return r.awaits_person && distance(r.seq) >= person_span(cfg);
  });
  if (it == window_.end()) return std::nullopt;
  OutstandingRequest r = std::move(*it);
  window_.erase(it);
  return r;
}

std::optional<OutstandingRequest> RequestChannel::take_answer(std::uint16_t seq, MessageType answer,
                                                              bool requests_from_server) {
  auto it = std::find_if(window_.begin(), window_.end(), [&](const OutstandingRequest& r) {
    return r.seq == seq && answers(r.type, answer, requests_from_server);
  });
  if (it == window_.end()) return std::nullopt;
  OutstandingRequest r = std::move(*it);
  window_.erase(it);
  return r;
}

bool RequestChannel::awaits_answer(std::uint16_t seq, MessageType answer,
                                   bool requests_from_server) const {
  return std::any_of(window_.begin(), window_.end(), [&](const OutstandingRequest& r) {
    return r.seq == seq && answers(r.type, answer, requests_from_server);
  });
}

RequestChannel::TimerVerdict RequestChannel::on_timer(std::uint16_t seq, Time deadline, Time now,
                                                      const ReliabilityConfig& cfg,
                                                      OutstandingRequest*& request,
                                                      OutstandingRequest& given_up) {
  auto it = std::find_if(window_.begin(), window_.end(),
                         [&](const OutstandingRequest& r) { return r.seq == seq; });
  if (it == window_.end() || it->deadline != deadline) return TimerVerdict::Stale;
  if (it->tries >= (it->max_tries ? it->max_tries : cfg.tries)) {
    given_up = std::move(*it);
    window_.erase(it);
    return TimerVerdict::GiveUp;
  }
  // Backoff: each wait doubles, so the next sending is never sooner than the
  // first timeout (>= 2 s) after this one.
  it->tries += 1;
  it->timeout *= 2;
  it->deadline = now + it->timeout;
  request = &*it;
  return TimerVerdict::Resend;
}

std::vector<OutstandingRequest> RequestChannel::drain() {
  std::vector<OutstandingRequest> all(std::make_move_iterator(window_.begin()),
                                      std::make_move_iterator(window_.end()));
  for (auto& w : waiting_) {
    OutstandingRequest r;
    r.type = w.type;
    r.bytes = std::move(w.bytes);
    r.tag = w.tag;
    all.push_back(std::move(r));
  }
  window_.clear();
  waiting_.clear();
  return all;
}

bool RequestChannel::has_pending(std::initializer_list<MessageType> types) const {
  auto wanted = [&](MessageType t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  return std::any_of(window_.begin(), window_.end(), [&](auto& r) { return wanted(r.type); }) ||
         std::any_of(waiting_.begin(), waiting_.end(), [&](auto& w) { return wanted(w.type); });
}

std::size_t RequestChannel::memory_bytes() const {
  // The deques' blocks are shared with nobody; the request bytes may be (a
  // broadcast's copies share one buffer), so they are not counted here.
  return sizeof(*this) + window_.size() * sizeof(OutstandingRequest) +
         waiting_.size() * sizeof(Waiting);
}

}  // namespace imup::engine
