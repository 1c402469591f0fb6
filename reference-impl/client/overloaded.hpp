// SPDX-License-Identifier: GPL-2.0-or-later
// A visitor built from lambdas, for std::visit over the engine's event variants.
#pragma once

namespace imup::client {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace imup::client
