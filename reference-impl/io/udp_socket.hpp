// SPDX-License-Identifier: GPL-2.0-or-later
// One non-blocking IPv4 UDP socket, for every program that moves datagrams:
// imup-server and imup-client (batches to and from many peers), the tools
// (imup-inject's connected sockets, imup-impair's relay) and the answers
// benchmark. recvmmsg drains up to kBatch datagrams per system call and
// sendmmsg flushes as many; the single-datagram calls are for callers that
// bring their own buffer or send one answer at a time.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

#include "codec/message.hpp"

namespace imup::io {

// A socket that could not be opened, bound or connected; what() names the
// address and errno.
class SocketError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReceivedDatagram {
  Endpoint from;
  std::span<const std::uint8_t> bytes;  // valid until the next receive (batch or single)
};

struct OutgoingDatagram {
  Endpoint to;
  std::span<const std::uint8_t> bytes;  // must stay valid during send_batch
};

// What send_connected handed to the kernel.
struct SendCount {
  std::size_t datagrams = 0;
  std::size_t bytes = 0;
};

class UdpSocket {
 public:
  static constexpr std::size_t kBatch = 64;
  // Larger than the protocol's 1028 bytes so that an oversized datagram reaches
  // the engine as oversized (and is counted) rather than silently cut to fit.
  static constexpr std::size_t kReceiveBytes = 2048;

  // Binds to `local` (port 0: any free port). Throws SocketError. The batch
  // buffers are allocated on the first batch call, so that a socket used
  // only datagram by datagram (a tool's thousand sources) costs its fd alone.
  explicit UdpSocket(const Endpoint& local);
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_; }
  // The address the kernel bound (the real port when bound to port 0).
  Endpoint local_endpoint() const;

  // Sends go to `peer` without an address (send, send_connected) and only
  // its datagrams are received. Throws SocketError.
  void connect(const Endpoint& peer);

  // One recvmmsg without blocking: the datagrams waiting, at most kBatch.
  // Empty when none wait. Errors other than "would block" are counted in
  // receive_errors() and yield an empty batch.
  std::span<const ReceivedDatagram> receive_batch();

  // One datagram into `buffer` without blocking (a longer one is cut to
  // the buffer's size); nothing when none waits. Errors as receive_batch.
  std::optional<ReceivedDatagram> receive(std::span<std::uint8_t> buffer);

  // sendmmsg until every datagram has been handed to the kernel or refused.
  // A datagram the kernel refuses (full buffer, unreachable) is dropped and
  // counted: the protocol's retransmission timers own recovery.
  // Returns how many were sent.
  std::size_t send_batch(std::span<const OutgoingDatagram> datagrams);

  // One datagram to `to`, dropped and counted as send_batch's when refused.
  bool send_to(const Endpoint& to, std::span<const std::uint8_t> bytes);

  // On a connected socket: sendmmsg in order, waiting for room in the kernel's
  // buffer rather than dropping (a replay at top speed must not lose its own
  // datagrams). An ICMP "port unreachable" for an earlier datagram, reported
  // on a later send, does not stop it (that datagram is sent again). Another
  // error stops it: the rest is not sent, and counted in send_failures().
  SendCount send_connected(std::span<const std::span<const std::uint8_t>> datagrams);
  bool send(std::span<const std::uint8_t> bytes);

  std::uint64_t receive_errors() const { return receive_errors_; }
  std::uint64_t send_failures() const { return send_failures_; }

 private:
  struct Batches;  // the mmsghdr arrays and receive buffers
  Batches& batches();
  void count_receive_error();

  int fd_ = -1;
  std::uint64_t receive_errors_ = 0;
  std::uint64_t send_failures_ = 0;
  std::unique_ptr<Batches> batches_;
};

}  // namespace imup::io
