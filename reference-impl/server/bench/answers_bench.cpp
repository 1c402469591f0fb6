// SPDX-License-Identifier: GPL-2.0-or-later
// Answers per second for small requests: the real imup-server against a bare
// recvmmsg/sendmmsg echo loop, measured in the same run with the same load
// generator, so that the ratio says what the protocol costs over the kernel.
//
// The load: N client sockets, each keeping W requests outstanding (a List
// request, 4 bytes, answered by one user-list page). Each answer frees a slot
// that is refilled at once. The echo loop answers each datagram with itself.
//
//   imup-bench-answers --server-binary PATH [--clients N] [--window W] [--seconds S] [--rounds R]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "codec/limits.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr unsigned kBatch = 64;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(port);
  return sa;
}

int udp_socket(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  auto sa = loopback(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    std::perror("bind");
    std::exit(1);
  }
  return fd;
}

std::uint16_t port_of(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

// The anchor: what one socket with batched system calls can do at best.
[[noreturn]] void run_echo_loop(int fd) {
  std::array<mmsghdr, kBatch> msgs{};
  std::array<iovec, kBatch> iov{};
  std::array<sockaddr_in, kBatch> addr{};
  std::vector<std::uint8_t> buf(kBatch * 2048);
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, -1);
    for (;;) {
      for (unsigned i = 0; i < kBatch; ++i) {
        iov[i] = {buf.data() + i * 2048, 2048};
        msgs[i].msg_hdr = {};
        msgs[i].msg_hdr.msg_name = &addr[i];
        msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int n = recvmmsg(fd, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) break;
      for (int i = 0; i < n; ++i) iov[i].iov_len = msgs[i].msg_len;
      sendmmsg(fd, msgs.data(), unsigned(n), 0);
    }
  }
}


struct Generator {
  std::vector<int> fds;
  std::vector<std::uint16_t> next_seq;
  std::vector<unsigned> outstanding;
  sockaddr_in target;
  unsigned window;
  std::uint64_t answers = 0;

  Generator(unsigned clients, unsigned window_, std::uint16_t port)
      : target(loopback(port)), window(window_) {
    for (unsigned i = 0; i < clients; ++i) fds.push_back(udp_socket(0));
    next_seq.assign(clients, 0);
    outstanding.assign(clients, 0);
  }
  ~Generator() {
    for (int fd : fds) close(fd);
  }

  void send_one(int fd, const std::vector<std::uint8_t>& bytes) {
    sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&target),
           sizeof target);
  }

  // Connects every socket as a user and answers the server's probe, so that
  // each counts as proved and no amplification budget limits the answers.
  bool connect_all() {
    for (std::size_t i = 0; i < fds.size(); ++i) {
      imup::Message m{next_seq[i]++, imup::Connect{"bench" + std::to_string(i)}};
      send_one(fds[i], imup::encode(m));
    }
    auto deadline = Clock::now() + std::chrono::seconds(3);
    std::vector<bool> acked(fds.size()), probed(fds.size());
    std::size_t done = 0;
    while (done < fds.size() && Clock::now() < deadline) {
      for (std::size_t i = 0; i < fds.size(); ++i) {
        std::uint8_t buf[2048];
        ssize_t n;
        while ((n = recv(fds[i], buf, sizeof buf, 0)) >= 4) {
          auto h = imup::unpack(imup::load_be32(buf));
          if (h.type == std::uint8_t(imup::MessageType::Ack)) acked[i] = true;
          if (h.type == std::uint8_t(imup::MessageType::LivenessProbe)) {
            send_one(fds[i], imup::encode(imup::Message{h.seq, imup::Ack{}}));
            probed[i] = true;
          }
          if (acked[i] && probed[i]) {
            ++done;
            probed[i] = false;  // count once
            acked[i] = false;
          }
        }
      }
      usleep(1000);
    }
    return done == fds.size();
  }

  // Keeps `window` requests outstanding per socket for `duration`; counts answers.
  std::uint64_t run(std::chrono::duration<double> duration, bool reply_to_probes) {
    std::array<mmsghdr, kBatch> out{}, in{};
    std::array<iovec, kBatch> out_iov{}, in_iov{};
    std::vector<std::vector<std::uint8_t>> out_bufs(kBatch, std::vector<std::uint8_t>(8));
    std::vector<std::uint8_t> in_buf(kBatch * 2048);
    std::vector<Clock::time_point> last_answer(fds.size(), Clock::now());
    std::vector<pollfd> polls;
    for (int fd : fds) polls.push_back({fd, POLLIN, 0});
    std::uint64_t counted = 0;
    auto start = Clock::now();
    auto end = start + std::chrono::duration_cast<Clock::duration>(duration);
    // Refill only once half the window came back, so that each sendmmsg
    // carries a batch (as a busy client population would).
    auto refill = [&](std::size_t i) {
      if (outstanding[i] > window / 2) return;
      unsigned n = 0;
      while (outstanding[i] < window && n < kBatch) {
        // A List request is the bare header: only the sequence number changes.
        imup::store_be32(out_bufs[n].data(), imup::pack(imup::Header{
                                                 next_seq[i], std::uint8_t(imup::MessageType::ListRequest), 0, 0}));
        out_bufs[n].resize(imup::kHeaderBytes);
        next_seq[i] = std::uint16_t((next_seq[i] + 1) % imup::kSeqModulo);
        out_iov[n] = {out_bufs[n].data(), out_bufs[n].size()};
        out[n].msg_hdr = {};
        out[n].msg_hdr.msg_name = &target;
        out[n].msg_hdr.msg_namelen = sizeof target;
        out[n].msg_hdr.msg_iov = &out_iov[n];
        out[n].msg_hdr.msg_iovlen = 1;
        ++n;
        ++outstanding[i];
      }
      if (n) sendmmsg(fds[i], out.data(), n, 0);
    };
    for (std::size_t i = 0; i < fds.size(); ++i) refill(i);
    while (Clock::now() < end) {
      if (poll(polls.data(), polls.size(), 10) < 0) break;
      auto now = Clock::now();
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (polls[i].revents & POLLIN) {
          for (;;) {
            for (unsigned k = 0; k < kBatch; ++k) {
              in_iov[k] = {in_buf.data() + k * 2048, 2048};
              in[k].msg_hdr = {};
              in[k].msg_hdr.msg_iov = &in_iov[k];
              in[k].msg_hdr.msg_iovlen = 1;
            }
            int n = recvmmsg(fds[i], in.data(), kBatch, MSG_DONTWAIT, nullptr);
            if (n <= 0) break;
            for (int k = 0; k < n; ++k) {
              if (in[k].msg_len < 4) continue;
              auto h = imup::unpack(imup::load_be32(in_buf.data() + k * 2048));
              if (reply_to_probes && h.type == std::uint8_t(imup::MessageType::LivenessProbe)) {
                send_one(fds[i], imup::encode(imup::Message{h.seq, imup::Ack{}}));
                continue;
              }
              ++counted;
              if (outstanding[i]) --outstanding[i];
              last_answer[i] = now;
            }
          }
        }
        // A request lost in a full buffer never comes back: free its slot.
        if (now - last_answer[i] > std::chrono::milliseconds(200)) {
          outstanding[i] = 0;
          last_answer[i] = now;
        }
        refill(i);
      }
    }
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return std::uint64_t(double(counted) / seconds);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string server_binary;
  unsigned clients = 16, window = unsigned(imup::kWindow);
  double seconds = 2;
  unsigned rounds = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "imup-bench-answers: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--server-binary") server_binary = value();
    else if (a == "--clients") clients = unsigned(std::atoi(value().c_str()));
    else if (a == "--window") window = unsigned(std::atoi(value().c_str()));
    else if (a == "--seconds") seconds = std::atof(value().c_str());
    else if (a == "--rounds") rounds = unsigned(std::atoi(value().c_str()));
    else if (a == "--help") {
      std::printf("usage: imup-bench-answers --server-binary PATH [--clients N] [--window W] "
                  "[--seconds S] [--rounds R]\n");
      return 0;
    } else {
      std::fprintf(stderr, "imup-bench-answers: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (server_binary.empty() || clients < 1 || clients > 1000 || window < 1 ||
      window > imup::kWindow || seconds <= 0 || rounds < 1 || rounds > 100) {
    std::fprintf(stderr, "imup-bench-answers: need --server-binary; clients 1..1000, window "
                         "1..%zu, seconds > 0, rounds 1..100\n", imup::kWindow);
    return 2;
  }

  // The anchor, in its own process like the server.
  int echo_fd = udp_socket(0);
  std::uint16_t echo_port = port_of(echo_fd);
  pid_t echo = fork();
  if (echo == 0) run_echo_loop(echo_fd);
  close(echo_fd);

  // The server, as deployed, with the abuse limits that would throttle one
  // address sending this fast turned off.
  int out_pipe[2];
  if (pipe(out_pipe) != 0) return 1;
  pid_t server = fork();
  if (server == 0) {
    dup2(out_pipe[1], 1);
    close(out_pipe[0]);
    execl(server_binary.c_str(), server_binary.c_str(), "--listen", "127.0.0.1:0", "-q",
          "--set", "abuse.client-rate=0", "--set", "abuse.ip-rate=0", "--set",
          "limits.max-registrations-per-ip=1024", static_cast<char*>(nullptr));
    std::perror("exec imup-server");
    _exit(127);
  }
  close(out_pipe[1]);
  char line[256] = {};
  FILE* out = fdopen(out_pipe[0], "r");
  unsigned port = 0;
  auto stop_children = [&] {
    kill(echo, SIGKILL);
    waitpid(echo, nullptr, 0);
    kill(server, SIGTERM);
    waitpid(server, nullptr, 0);
  };
  if (!std::fgets(line, sizeof line, out) ||
      std::sscanf(line, "imup-server listening on 127.0.0.1:%u", &port) != 1) {
    std::fprintf(stderr, "imup-bench-answers: imup-server did not start\n");
    stop_children();
    return 1;
  }

  // Rounds alternate between the two so that a busy spell on a shared machine
  // hits both alike; each side's best round is reported.
  std::uint64_t echo_rate = 0, server_rate = 0;
  {
    Generator to_echo(clients, window, echo_port);
    Generator to_server(clients, window, std::uint16_t(port));
    if (!to_server.connect_all()) {
      std::fprintf(stderr, "imup-bench-answers: not every bench client got connected\n");
      stop_children();
      return 1;
    }
    to_echo.run(std::chrono::duration<double>(0.3), false);  // warm-up
    to_server.run(std::chrono::duration<double>(0.3), true);
    for (unsigned r = 0; r < rounds; ++r) {
      echo_rate = std::max(echo_rate, to_echo.run(std::chrono::duration<double>(seconds), false));
      server_rate =
          std::max(server_rate, to_server.run(std::chrono::duration<double>(seconds), true));
    }
  }
  stop_children();
  fclose(out);

  double ratio = echo_rate ? double(server_rate) / double(echo_rate) : 0;
  std::printf("answers per second, small requests (%u clients x %u outstanding, best of %u "
              "rounds of %.1f s):\n",
              clients, window, rounds, seconds);
  std::printf("  bare recvmmsg/sendmmsg echo loop   %10llu /s\n",
              static_cast<unsigned long long>(echo_rate));
  std::printf("  imup-server (List -> user list)    %10llu /s\n",
              static_cast<unsigned long long>(server_rate));
  std::printf("  ratio                              %10.2f   (aim >= 0.70)\n", ratio);
  return 0;
}
