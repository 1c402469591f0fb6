// SPDX-License-Identifier: GPL-2.0-or-later
// Random valid messages of every type, for property tests and benchmarks.
#pragma once

#include <random>

#include "codec/message.hpp"

namespace imup::testing {

// A valid message of a random type (or of `type`), small enough to always
// encode; deterministic for a given generator state.
Message random_message(std::mt19937_64& rng);
Message random_message(std::mt19937_64& rng, MessageType type);
std::string random_name(std::mt19937_64& rng);

}  // namespace imup::testing
