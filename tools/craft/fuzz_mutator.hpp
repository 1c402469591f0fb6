// SPDX-License-Identifier: GPL-2.0-or-later
// Reproducible mutations of IMUP datagrams for `imup-craft --fuzz SEED`: the
// same seed and script always give the same bytes, so a failure found by a
// fuzzed capture can be replayed exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/seeded_random.hpp"

namespace imup::craft {

using imup::SeededRandom;

class FuzzMutator {
 public:
  FuzzMutator(std::uint64_t seed, double rate) : random_(seed), rate_(rate) {}
  // Mutates `datagram` in place (with probability `rate`); returns what was
  // done ("" when untouched). `duplicate` is set when the datagram should be
  // written twice.
  std::string mutate(std::vector<std::uint8_t>& datagram, bool& duplicate);

 private:
  SeededRandom random_;
  double rate_;
};

}  // namespace imup::craft
