// SPDX-License-Identifier: GPL-2.0-or-later
// Small helpers for the tools' UDP sockets: imup::Endpoint <-> sockaddr_in,
// bound non-blocking sockets, monotonic time.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <stdexcept>
#include <string>

#include "codec/message.hpp"
#include "codec/text.hpp"

namespace imup::tools {

inline sockaddr_in to_sockaddr(Endpoint e) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(e.ipv4);
  a.sin_port = htons(e.port);
  return a;
}
inline Endpoint from_sockaddr(const sockaddr_in& a) {
  return Endpoint{ntohl(a.sin_addr.s_addr), ntohs(a.sin_port)};
}

// A UDP socket bound to `local` (port 0 = any), non-blocking. Throws
// std::runtime_error with the reason.
inline int bound_udp_socket(Endpoint local, int buffer_bytes = 4 << 20) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  // Bigger buffers: bursts at top speed must not be lost in our own socket.
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
  sockaddr_in a = to_sockaddr(local);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int e = errno;
    ::close(fd);
    throw std::runtime_error("cannot bind " + std::to_string(local.ipv4 >> 24) + "." +
                             std::to_string((local.ipv4 >> 16) & 255) + "." +
                             std::to_string((local.ipv4 >> 8) & 255) + "." +
                             std::to_string(local.ipv4 & 255) + ":" + std::to_string(local.port) +
                             ": " + std::strerror(e));
  }
  return fd;
}

// ADDR:PORT where PORT may be 0 ("any free port"), which the codec's
// parse_endpoint (for wire addresses) refuses.
inline std::optional<Endpoint> parse_bind_endpoint(std::string_view text) {
  if (text.ends_with(":0")) {
    auto e = parse_endpoint(std::string(text.substr(0, text.size() - 2)) + ":1");
    if (e) e->port = 0;
    return e;
  }
  return parse_endpoint(text);
}

inline Endpoint local_endpoint(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return from_sockaddr(a);
}

inline std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace imup::tools
