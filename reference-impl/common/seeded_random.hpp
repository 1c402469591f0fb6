// SPDX-License-Identifier: GPL-2.0-or-later
// SplitMix64: a tiny generator that gives the same numbers everywhere for a
// seed (std:: distributions differ between libraries), so a simulation seed,
// or a seed given to imup-craft --fuzz or imup-impair --seed, replays exactly.
#pragma once

#include <cstdint>

namespace imup {

class SeededRandom {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }
  // Uniform in [lo, hi] (inclusive); the modulo bias is negligible for timer jitter.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    return lo + std::int64_t(next() % std::uint64_t(hi - lo + 1));
  }
  double unit() { return double(next() >> 11) / double(1ull << 53); }  // [0, 1)
  bool chance(double p) { return p > 0 && unit() < p; }

 private:
  std::uint64_t state_;
};

}  // namespace imup
