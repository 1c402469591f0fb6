// SPDX-License-Identifier: GPL-2.0-or-later
#include "io/socket_address.hpp"

#include "codec/text.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <optional>
#include <cstring>

namespace imup::io {

std::variant<Endpoint, AddressError> parse_socket_address(std::string_view text,
                                                          const AddressRules& rules) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return AddressError{"'" + std::string(text) + "' is not ADDR:PORT (no ':' before the port)"};
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  auto ipv4 = rules.localhost && host == "localhost" ? std::optional<std::uint32_t>(0x7F000001)
                                                      : parse_ipv4(host);
  if (!ipv4)
    return AddressError{"'" + std::string(host) + "' is not a dotted IPv4 address" +
                        (rules.localhost ? " or localhost" : "") + " (IMUP runs over IPv4)"};
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  bool number = !port_text.empty() && ec == std::errc() &&
                end == port_text.data() + port_text.size() && port <= 65535;
  if (!number)
    return AddressError{"'" + std::string(port_text) + "' is not a port number (" +
                        (rules.port_zero ? "0" : "1") + "..65535)"};
  if (port == 0 && !rules.port_zero)
    return AddressError{"'" + std::string(port_text) +
                        "' is not a port to send to (port 0, any free port, is only for binding)"};
  return Endpoint{*ipv4, std::uint16_t(port)};
}

std::string to_string(const Endpoint& e) { return format_endpoint(e); }

sockaddr_in to_sockaddr(const Endpoint& e) {
  sockaddr_in sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(e.ipv4);
  sa.sin_port = htons(e.port);
  return sa;
}

Endpoint from_sockaddr(const sockaddr_in& sa) {
  return Endpoint{ntohl(sa.sin_addr.s_addr), ntohs(sa.sin_port)};
}

}  // namespace imup::io
