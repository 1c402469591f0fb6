// SPDX-License-Identifier: GPL-2.0-or-later
// Client events and the user's whereabouts as text for people (the terminal).
#pragma once

#include <string>

#include "engine/client.hpp"

namespace imup::client {

std::string describe_for_people(const engine::ClientEvent& e);
// "Sheng@public> ", "Sheng@group[centralized: Sheng,Lucy]> ", "(not connected)> " ...
std::string prompt_for(const engine::ClientView& v);
// A longer sentence for /where.
std::string where_for(const engine::ClientView& v);

}  // namespace imup::client
