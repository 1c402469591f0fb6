// SPDX-License-Identifier: GPL-2.0-or-later
#include "io/udp_socket.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/socket_address.hpp"

namespace imup::io {

namespace {
std::string errno_text(const char* what, const Endpoint& e, int err) {
  return std::string(what) + " " + to_string(e) + ": " + std::strerror(err);
}
}  // namespace

UdpSocket::UdpSocket(const Endpoint& local) : receive_buffers_(kBatch * kReceiveBytes) {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw SocketError(errno_text("cannot open a UDP socket for", local, errno));
  // Bigger kernel buffers absorb bursts (a broadcast to a full room) between
  // two wake-ups; the kernel caps them at net.core.[rw]mem_max.
  int size = 4 << 20;
  setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  auto sa = to_sockaddr(local);
  if (bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    int err = errno;
    close(fd_);
    fd_ = -1;
    throw SocketError(errno_text("cannot bind", local, err));
  }
  for (std::size_t i = 0; i < kBatch; ++i) {
    receive_iov_[i] = {receive_buffers_.data() + i * kReceiveBytes, kReceiveBytes};
  }
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

Endpoint UdpSocket::local_endpoint() const {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  return from_sockaddr(sa);
}

std::span<const ReceivedDatagram> UdpSocket::receive_batch() {
  for (std::size_t i = 0; i < kBatch; ++i) {
    auto& h = receive_headers_[i].msg_hdr;
    h = {};
    h.msg_name = &receive_addresses_[i];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &receive_iov_[i];
    h.msg_iovlen = 1;
    receive_headers_[i].msg_len = 0;
  }
  int n;
  do {
    n = recvmmsg(fd_, receive_headers_.data(), kBatch, MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) ++receive_errors_;
    return {};
  }
  for (int i = 0; i < n; ++i) {
    received_[i] = {from_sockaddr(receive_addresses_[i]),
                    {receive_buffers_.data() + i * kReceiveBytes, receive_headers_[i].msg_len}};
  }
  return {received_.data(), std::size_t(n)};
}

std::size_t UdpSocket::send_batch(std::span<const OutgoingDatagram> datagrams) {
  std::size_t sent = 0;
  while (!datagrams.empty()) {
    std::size_t count = std::min(datagrams.size(), kBatch);
    for (std::size_t i = 0; i < count; ++i) {
      send_addresses_[i] = to_sockaddr(datagrams[i].to);
      send_iov_[i] = {const_cast<std::uint8_t*>(datagrams[i].bytes.data()),
                      datagrams[i].bytes.size()};
      auto& h = send_headers_[i].msg_hdr;
      h = {};
      h.msg_name = &send_addresses_[i];
      h.msg_namelen = sizeof(sockaddr_in);
      h.msg_iov = &send_iov_[i];
      h.msg_iovlen = 1;
    }
    int n;
    do {
      n = sendmmsg(fd_, send_headers_.data(), unsigned(count), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      // The first datagram was refused: drop it and go on with the rest.
      ++send_failures_;
      datagrams = datagrams.subspan(1);
      continue;
    }
    sent += std::size_t(n);
    datagrams = datagrams.subspan(std::size_t(n));
  }
  return sent;
}

}  // namespace imup::io
