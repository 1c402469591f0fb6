// SPDX-License-Identifier: GPL-2.0-or-later
#include "io/udp_socket.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "io/socket_address.hpp"

namespace imup::io {

namespace {
std::string errno_text(const char* what, const Endpoint& e, int err) {
  return std::string(what) + " " + to_string(e) + ": " + std::strerror(err);
}

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

// Until the kernel has room for another datagram on `fd`.
void wait_for_room(int fd) {
  pollfd p{fd, POLLOUT, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
}
}  // namespace

// Kept across calls: no allocation per datagram.
struct UdpSocket::Batches {
  std::vector<std::uint8_t> receive_buffers = std::vector<std::uint8_t>(kBatch * kReceiveBytes);
  std::array<mmsghdr, kBatch> receive_headers{};
  std::array<iovec, kBatch> receive_iov{};
  std::array<sockaddr_in, kBatch> receive_addresses{};
  std::array<ReceivedDatagram, kBatch> received{};
  std::array<mmsghdr, kBatch> send_headers{};
  std::array<iovec, kBatch> send_iov{};
  std::array<sockaddr_in, kBatch> send_addresses{};
  sockaddr_in single_address{};

  Batches() {
    for (std::size_t i = 0; i < kBatch; ++i)
      receive_iov[i] = {receive_buffers.data() + i * kReceiveBytes, kReceiveBytes};
  }
  // Header i of the send side: one datagram, to `to` or (connected) to no address.
  void set_send(std::size_t i, std::span<const std::uint8_t> bytes, const Endpoint* to) {
    send_iov[i] = {const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    auto& h = send_headers[i].msg_hdr;
    h = {};
    if (to) {
      send_addresses[i] = to_sockaddr(*to);
      h.msg_name = &send_addresses[i];
      h.msg_namelen = sizeof(sockaddr_in);
    }
    h.msg_iov = &send_iov[i];
    h.msg_iovlen = 1;
  }
};

UdpSocket::UdpSocket(const Endpoint& local) {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw SocketError(errno_text("cannot open a UDP socket for", local, errno));
  // Bigger kernel buffers absorb bursts (a broadcast to a full room, a replay
  // at top speed) between two wake-ups; the kernel caps them at
  // net.core.[rw]mem_max.
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
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

UdpSocket::Batches& UdpSocket::batches() {
  if (!batches_) batches_ = std::make_unique<Batches>();
  return *batches_;
}

Endpoint UdpSocket::local_endpoint() const {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  return from_sockaddr(sa);
}

void UdpSocket::connect(const Endpoint& peer) {
  auto sa = to_sockaddr(peer);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
    throw SocketError(errno_text("cannot connect to", peer, errno));
}

void UdpSocket::count_receive_error() {
  if (!would_block(errno)) ++receive_errors_;
}

std::span<const ReceivedDatagram> UdpSocket::receive_batch() {
  Batches& b = batches();
  for (std::size_t i = 0; i < kBatch; ++i) {
    auto& h = b.receive_headers[i].msg_hdr;
    h = {};
    h.msg_name = &b.receive_addresses[i];
    h.msg_namelen = sizeof(sockaddr_in);
    h.msg_iov = &b.receive_iov[i];
    h.msg_iovlen = 1;
    b.receive_headers[i].msg_len = 0;
  }
  int n;
  do {
    n = recvmmsg(fd_, b.receive_headers.data(), kBatch, MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    count_receive_error();
    return {};
  }
  for (int i = 0; i < n; ++i) {
    b.received[i] = {from_sockaddr(b.receive_addresses[i]),
                     {b.receive_buffers.data() + i * kReceiveBytes, b.receive_headers[i].msg_len}};
  }
  return {b.received.data(), std::size_t(n)};
}

std::optional<ReceivedDatagram> UdpSocket::receive(std::span<std::uint8_t> buffer) {
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ssize_t n;
  do {
    n = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT,
                   reinterpret_cast<sockaddr*>(&from), &len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    count_receive_error();
    return std::nullopt;
  }
  return ReceivedDatagram{from_sockaddr(from), buffer.first(std::size_t(n))};
}

std::size_t UdpSocket::send_batch(std::span<const OutgoingDatagram> datagrams) {
  Batches& b = batches();
  std::size_t sent = 0;
  while (!datagrams.empty()) {
    std::size_t count = std::min(datagrams.size(), kBatch);
    for (std::size_t i = 0; i < count; ++i) b.set_send(i, datagrams[i].bytes, &datagrams[i].to);
    int n;
    do {
      n = sendmmsg(fd_, b.send_headers.data(), unsigned(count), MSG_DONTWAIT);
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

bool UdpSocket::send_to(const Endpoint& to, std::span<const std::uint8_t> bytes) {
  auto sa = to_sockaddr(to);
  ssize_t n;
  do {
    n = ::sendto(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT,
                 reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  } while (n < 0 && errno == EINTR);
  if (n < 0) ++send_failures_;
  return n >= 0;
}

SendCount UdpSocket::send_connected(std::span<const std::span<const std::uint8_t>> datagrams) {
  Batches& b = batches();
  SendCount done;
  while (!datagrams.empty()) {
    std::size_t count = std::min(datagrams.size(), kBatch);
    for (std::size_t i = 0; i < count; ++i) b.set_send(i, datagrams[i], nullptr);
    int n = sendmmsg(fd_, b.send_headers.data(), unsigned(count), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == ECONNREFUSED) continue;
      if (would_block(errno)) {
        wait_for_room(fd_);
        continue;
      }
      send_failures_ += datagrams.size();
      return done;
    }
    for (int i = 0; i < n; ++i) done.bytes += b.send_headers[std::size_t(i)].msg_len;
    done.datagrams += std::size_t(n);
    datagrams = datagrams.subspan(std::size_t(n));
  }
  return done;
}

bool UdpSocket::send(std::span<const std::uint8_t> bytes) {
  std::span<const std::uint8_t> one[] = {bytes};
  return send_connected(one).datagrams == 1;
}

}  // namespace imup::io
