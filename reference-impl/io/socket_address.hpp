// SPDX-License-Identifier: GPL-2.0-or-later
// "ADDR:PORT" on command lines and in key files <-> the engine's Endpoint
// <-> the kernel's sockaddr_in. The one parser every program uses (the
// server, the client and the tools); each caller says what it allows. The
// protocol's member lines are the codec's parse_endpoint, stricter; both
// share the codec's dotted-quad grammar (parse_ipv4).
#pragma once

#include <netinet/in.h>

#include <string>
#include <string_view>
#include <variant>

#include "codec/message.hpp"

namespace imup::io {

// What a caller accepts besides a dotted IPv4 address and a port 1..65535.
struct AddressRules {
  bool port_zero = false;   // port 0: "any free port", for an address to bind
  // A host that is not all digits and dots is a name: "localhost" is
  // 127.0.0.1 without asking anyone (a chroot may lack /etc/hosts); any other
  // name goes to the system resolver (getaddrinfo: /etc/hosts, then DNS) and
  // its first IPv4 address is taken. Digits and dots stay the strict dotted
  // quad: "127.1" or "010.0.0.1" would mean what inet_aton makes of them,
  // which no user means.
  bool host_names = true;
};
// Where a program binds (--listen, --bind): port 0 allowed.
inline constexpr AddressRules kBindAddress{.port_zero = true, .host_names = true};
// Where a program sends (--server): a real port.
inline constexpr AddressRules kPeerAddress{.port_zero = false, .host_names = true};

// Either the endpoint or a sentence saying what is wrong with the text,
// quoting the culprit (the whole text, the host or the port). Without rules:
// kBindAddress, the key files' and --listen's.
struct AddressError {
  std::string message;
};
std::variant<Endpoint, AddressError> parse_socket_address(std::string_view text,
                                                          const AddressRules& rules = kBindAddress);

std::string to_string(const Endpoint& e);
sockaddr_in to_sockaddr(const Endpoint& e);
Endpoint from_sockaddr(const sockaddr_in& sa);

}  // namespace imup::io
