// SPDX-License-Identifier: GPL-2.0-or-later
#include "codec/message.hpp"

#include <array>
#include <utility>

namespace imup {
namespace {

template <std::size_t... I>
constexpr auto make_table(std::index_sequence<I...>) {
  return std::array<Body (*)(), sizeof...(I)>{
      +[]() -> Body { return Body(std::in_place_index<I>); }...};
}
constexpr auto kMakers = make_table(std::make_index_sequence<std::variant_size_v<Body>>{});

}  // namespace

Body make_body(MessageType t) { return kMakers[std::size_t(t) - 1](); }

}  // namespace imup
