// SPDX-License-Identifier: GPL-2.0-or-later
// "ADDR:PORT" on command lines and in config files <-> the engine's Endpoint
// <-> the kernel's sockaddr_in. Port 0 is allowed here (bind to any free port),
// unlike the protocol's member lines, which the codec parses.
#pragma once

#include <netinet/in.h>

#include <string>
#include <string_view>
#include <variant>

#include "codec/message.hpp"

namespace imup::io {

// Either the endpoint or a sentence saying what is wrong with the text.
struct AddressError {
  std::string message;
};
std::variant<Endpoint, AddressError> parse_socket_address(std::string_view text);

std::string to_string(const Endpoint& e);
sockaddr_in to_sockaddr(const Endpoint& e);
Endpoint from_sockaddr(const sockaddr_in& sa);

}  // namespace imup::io
