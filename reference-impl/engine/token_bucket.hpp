// SPDX-License-Identifier: GPL-2.0-or-later
// A token bucket refilled from the caller's clock (§14 rate limits).
#pragma once

#include <algorithm>

#include "engine/config.hpp"
#include "engine/io_contract.hpp"

namespace imup::engine {

class TokenBucket {
 public:
  // Takes one token if there is one. A fresh bucket starts full.
  bool take(const RateLimit& limit, Time now) {
    if (!limit.enabled()) return true;
    refill(limit, now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  // Whether the bucket has refilled completely (it can then be forgotten).
  bool full(const RateLimit& limit, Time now) {
    if (!limit.enabled()) return true;
    refill(limit, now);
    return tokens_ >= limit.burst;
  }

 private:
  void refill(const RateLimit& limit, Time now) {
    if (!started_) {
      started_ = true;
      tokens_ = limit.burst;
      last_ = now;
      return;
    }
    if (now > last_) {
      double seconds = double((now - last_).count()) / 1000.0;
      tokens_ = std::min(limit.burst, tokens_ + seconds * limit.per_second);
      last_ = now;
    }
  }
  bool started_ = false;
  double tokens_ = 0;
  Time last_{};
};

}  // namespace imup::engine
