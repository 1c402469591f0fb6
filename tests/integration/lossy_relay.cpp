// SPDX-License-Identifier: GPL-2.0-or-later
#include "lossy_relay.hpp"

#include "io/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace imup::testing {

namespace {

int bind_loopback(Endpoint& bound) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto sa = io::to_sockaddr(Endpoint{0x7F000001, 0});
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    throw std::runtime_error("relay: cannot bind a loopback socket");
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  bound = Endpoint{ntohl(sa.sin_addr.s_addr), ntohs(sa.sin_port)};
  return fd;
}
}  // namespace

LossyRelay::LossyRelay(const Endpoint& server, Impairment impairment)
    : server_(server), impairment_(impairment) {
  front_fd_ = bind_loopback(front_);
  clients_.reserve(64);
  thread_ = std::thread([this] { run(); });
}

LossyRelay::~LossyRelay() {
  stop_ = true;
  thread_.join();
  close(front_fd_);
  for (auto& c : clients_) close(c.fd);
}

std::string LossyRelay::front_address() const {
  return "127.0.0.1:" + std::to_string(front_.port);
}

LossyRelay::Client& LossyRelay::client_for(const Endpoint& real) {
  for (auto& c : clients_)
    if (c.real == real) return c;
  Client c{real, -1, {}};
  c.fd = bind_loopback(c.mapped);
  clients_.push_back(c);
  return clients_.back();
}

void LossyRelay::forward(int out_fd, const Endpoint& to, const std::uint8_t* data,
                         std::size_t size, std::pair<int, Endpoint> flow) {
  std::uint64_t n = flow_counts_[flow]++;
  if (impairment_.drop_every && n % impairment_.drop_every == impairment_.drop_offset) {
    ++dropped_;
    return;
  }
  int copies = impairment_.duplicate_every && n % impairment_.duplicate_every ==
                                                  impairment_.duplicate_every - 1
                   ? 2
                   : 1;
  if (copies == 2) ++duplicated_;
  auto sa = io::to_sockaddr(to);
  for (int i = 0; i < copies; ++i)
    sendto(out_fd, data, size, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  ++forwarded_;
}

void LossyRelay::run() {
  std::uint8_t buffer[2048];
  while (!stop_) {
    std::vector<pollfd> fds{{front_fd_, POLLIN, 0}};
    for (auto& c : clients_) fds.push_back({c.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      for (;;) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(fds[i].fd, buffer, sizeof buffer, 0,
                             reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        Endpoint source = io::from_sockaddr(from);
        if (i == 0) {
          // A client talking to "the server".
          Client& c = client_for(source);
          forward(c.fd, server_, buffer, std::size_t(n), {front_fd_, source});
          continue;
        }
        Client& x = clients_[i - 1];
        if (source == server_) {
          forward(front_fd_, x.real, buffer, std::size_t(n), {x.fd, source});
        } else {
          // A peer Y writing to X's mapped address: deliver from N(Y).
          for (auto& y : clients_) {
            if (y.real == source) {
              forward(y.fd, x.real, buffer, std::size_t(n), {x.fd, source});
              break;
            }
          }
        }
      }
    }
  }
}

}  // namespace imup::testing
