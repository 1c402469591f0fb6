// SPDX-License-Identifier: GPL-2.0-or-later
// The engines' only source of randomness, seeded from their configuration, so
// that a simulation seed replays the same run on any platform.
#pragma once

#include "common/seeded_random.hpp"

namespace imup::engine {

using Rng = imup::SeededRandom;

}  // namespace imup::engine
