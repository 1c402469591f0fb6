// SPDX-License-Identifier: GPL-2.0-or-later
#include "io/socket_address.hpp"

#include "codec/text.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <charconv>
#include <optional>
#include <cstring>

namespace imup::io {
namespace {

bool digits_and_dots(std::string_view host) {
  return host.find_first_not_of("0123456789.") == std::string_view::npos;
}

// The first IPv4 address the system resolver gives for a name, or why none.
std::variant<std::uint32_t, AddressError> resolve_ipv4(std::string_view host) {
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;  // IMUP runs over IPv4: an IPv6-only name is an error
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  std::string name(host);
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr)
    return AddressError{"'" + name + "' is not a dotted IPv4 address, and the resolver found no IPv4 " +
                        "address for it (" + gai_strerror(rc) + ")"};
  auto ipv4 = ntohl(reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(found);
  return ipv4;
}

}  // namespace

std::variant<Endpoint, AddressError> parse_socket_address(std::string_view text,
                                                          const AddressRules& rules) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return AddressError{"'" + std::string(text) + "' is not ADDR:PORT (no ':' before the port)"};
  auto host = text.substr(0, colon);
  auto port_text = text.substr(colon + 1);
  std::optional<std::uint32_t> ipv4;
  if (digits_and_dots(host) || !rules.host_names) {
    ipv4 = parse_ipv4(host);
  } else if (host == "localhost") {
    ipv4 = 0x7F000001;
  } else {
    auto resolved = resolve_ipv4(host);
    if (auto* error = std::get_if<AddressError>(&resolved)) return *error;
    ipv4 = std::get<std::uint32_t>(resolved);
  }
  if (!ipv4)
    return AddressError{"'" + std::string(host) + "' is not a dotted IPv4 address" +
                        (rules.host_names ? " or a host name" : "") + " (IMUP runs over IPv4)"};
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
