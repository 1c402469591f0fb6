// SPDX-License-Identifier: GPL-2.0-or-later
// What a request the server sent is for, kept in its RequestChannel tag: the
// purpose, and for an invitation the group it invites to.
#pragma once

#include <cstdint>

namespace imup::engine {

enum class Purpose : std::uint64_t { Relay = 1, Update = 2, Probe = 3, Close = 4, Invite = 5 };

inline std::uint64_t make_tag(Purpose p, std::uint32_t group = 0) {
  return (std::uint64_t(p) << 32) | group;
}
inline Purpose purpose_of(std::uint64_t tag) { return Purpose(tag >> 32); }
inline std::uint32_t group_of(std::uint64_t tag) { return std::uint32_t(tag); }

}  // namespace imup::engine
