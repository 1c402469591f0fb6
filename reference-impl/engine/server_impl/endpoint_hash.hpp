// SPDX-License-Identifier: GPL-2.0-or-later
// A hash of an IPv4 endpoint, for the server's tables keyed by endpoint.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "engine/io_contract.hpp"

namespace imup::engine {

struct EndpointHash {
  std::size_t operator()(const Endpoint& e) const {
    return std::hash<std::uint64_t>()((std::uint64_t(e.ipv4) << 16) | e.port);
  }
};

}  // namespace imup::engine
