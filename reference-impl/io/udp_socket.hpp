// SPDX-License-Identifier: GPL-2.0-or-later
// One non-blocking IPv4 UDP socket moved in batches: recvmmsg drains up to
// kBatch datagrams per system call and sendmmsg flushes as many. The programs
// (imup-server, imup-client) and the benchmark's echo loop share it.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/message.hpp"

namespace imup::io {

// A socket that could not be opened or bound; what() names the address and errno.
class SocketError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReceivedDatagram {
  Endpoint from;
  std::span<const std::uint8_t> bytes;  // valid until the next receive_batch
};

struct OutgoingDatagram {
  Endpoint to;
  std::span<const std::uint8_t> bytes;  // must stay valid during send_batch
};

class UdpSocket {
 public:
  static constexpr std::size_t kBatch = 64;
  // Larger than the protocol's 1028 bytes so that an oversized datagram reaches
  // the engine as oversized (and is counted) rather than silently cut to fit.
  static constexpr std::size_t kReceiveBytes = 2048;

  // Binds to `local` (port 0: any free port). Throws SocketError.
  explicit UdpSocket(const Endpoint& local);
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_; }
  // The address the kernel bound (the real port when bound to port 0).
  Endpoint local_endpoint() const;

  // One recvmmsg without blocking: the datagrams waiting, at most kBatch.
  // Empty when none wait. Errors other than "would block" are counted in
  // receive_errors() and yield an empty batch.
  std::span<const ReceivedDatagram> receive_batch();

  // sendmmsg until every datagram has been handed to the kernel or refused.
  // A datagram the kernel refuses (full buffer, unreachable) is dropped and
  // counted: the protocol's retransmission timers own recovery.
  // Returns how many were sent.
  std::size_t send_batch(std::span<const OutgoingDatagram> datagrams);

  std::uint64_t receive_errors() const { return receive_errors_; }
  std::uint64_t send_failures() const { return send_failures_; }

 private:
  int fd_ = -1;
  std::uint64_t receive_errors_ = 0;
  std::uint64_t send_failures_ = 0;
  // Receive side: buffers and headers kept across calls (no allocation per datagram).
  std::vector<std::uint8_t> receive_buffers_;
  std::array<mmsghdr, kBatch> receive_headers_{};
  std::array<iovec, kBatch> receive_iov_{};
  std::array<sockaddr_in, kBatch> receive_addresses_{};
  std::array<ReceivedDatagram, kBatch> received_{};
  // Send side.
  std::array<mmsghdr, kBatch> send_headers_{};
  std::array<iovec, kBatch> send_iov_{};
  std::array<sockaddr_in, kBatch> send_addresses_{};
};

}  // namespace imup::io
