// SPDX-License-Identifier: GPL-2.0-or-later
// The engines' only source of randomness: SplitMix64 from the configured seed,
// so that a simulation seed replays the same run on any platform (the standard
// library's distributions differ between implementations).
#pragma once

#include <cstdint>

namespace imup::engine {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (inclusive); the modulo bias is negligible for timer jitter.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    return lo + std::int64_t(next() % std::uint64_t(hi - lo + 1));
  }

 private:
  std::uint64_t state_;
};

}  // namespace imup::engine
