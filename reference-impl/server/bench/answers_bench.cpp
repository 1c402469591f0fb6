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
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "codec/limits.hpp"
#include "io/monotonic_clock.hpp"
#include "io/udp_socket.hpp"

namespace {

using imup::io::UdpSocket;
constexpr std::size_t kBatch = UdpSocket::kBatch;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;

std::unique_ptr<UdpSocket> loopback_socket() {
  try {
    return std::make_unique<UdpSocket>(imup::Endpoint{0x7F000001, 0});
  } catch (const imup::io::SocketError& e) {
    std::fprintf(stderr, "imup-bench-answers: %s\n", e.what());
    std::exit(1);
  }
}

// The anchor: what one socket with batched system calls can do at best
// (the servers' own socket class, each datagram sent back to its sender).
[[noreturn]] void run_echo_loop(UdpSocket& socket) {
  std::array<imup::io::OutgoingDatagram, kBatch> echoes{};
  for (;;) {
    pollfd p{socket.fd(), POLLIN, 0};
    poll(&p, 1, -1);
    for (auto batch = socket.receive_batch(); !batch.empty(); batch = socket.receive_batch()) {
      for (std::size_t i = 0; i < batch.size(); ++i) echoes[i] = {batch[i].from, batch[i].bytes};
      socket.send_batch({echoes.data(), batch.size()});
    }
  }
}


struct Generator {
  std::vector<std::unique_ptr<UdpSocket>> sockets;
  std::vector<std::uint16_t> next_seq;
  std::vector<unsigned> outstanding;
  imup::Endpoint target;
  unsigned window;
  std::uint64_t answers = 0;

  Generator(unsigned clients, unsigned window_, std::uint16_t port)
      : target{0x7F000001, port}, window(window_) {
    for (unsigned i = 0; i < clients; ++i) sockets.push_back(loopback_socket());
    next_seq.assign(clients, 0);
    outstanding.assign(clients, 0);
  }

  void send_one(UdpSocket& socket, const std::vector<std::uint8_t>& bytes) {
    socket.send_to(target, bytes);
  }

  // Connects every socket as a user and answers the server's probe, so that
  // each counts as proved and no amplification budget limits the answers.
  bool connect_all() {
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      imup::Message m{next_seq[i]++, imup::Connect{"bench" + std::to_string(i)}};
      send_one(*sockets[i], imup::encode(m));
    }
    auto deadline = imup::io::monotonic_ns() + 3 * kNsPerSecond;
    std::vector<bool> acked(sockets.size()), probed(sockets.size());
    std::size_t done = 0;
    while (done < sockets.size() && imup::io::monotonic_ns() < deadline) {
      for (std::size_t i = 0; i < sockets.size(); ++i) {
        std::array<std::uint8_t, UdpSocket::kReceiveBytes> buf;
        std::optional<imup::io::ReceivedDatagram> d;
        while ((d = sockets[i]->receive(buf)) && d->bytes.size() >= 4) {
          auto h = imup::unpack(imup::load_be32(d->bytes.data()));
          if (h.type == std::uint8_t(imup::MessageType::Ack)) acked[i] = true;
          if (h.type == std::uint8_t(imup::MessageType::LivenessProbe)) {
            send_one(*sockets[i], imup::encode(imup::Message{h.seq, imup::Ack{}}));
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
    return done == sockets.size();
  }

  // Keeps `window` requests outstanding per socket for `duration` seconds; counts answers.
  std::uint64_t run(double duration, bool reply_to_probes) {
    std::array<imup::io::OutgoingDatagram, kBatch> out{};
    std::vector<std::array<std::uint8_t, imup::kHeaderBytes>> out_bufs(kBatch);
    std::vector<std::int64_t> last_answer(sockets.size(), imup::io::monotonic_ns());
    std::vector<pollfd> polls;
    for (const auto& socket : sockets) polls.push_back({socket->fd(), POLLIN, 0});
    std::uint64_t counted = 0;
    std::int64_t start = imup::io::monotonic_ns();
    std::int64_t end = start + std::int64_t(duration * double(kNsPerSecond));
    // Refill only once half the window came back, so that each sendmmsg
    // carries a batch (as a busy client population would).
    auto refill = [&](std::size_t i) {
      if (outstanding[i] > window / 2) return;
      std::size_t n = 0;
      while (outstanding[i] < window && n < kBatch) {
        // A List request is the bare header: only the sequence number changes.
        imup::store_be32(out_bufs[n].data(), imup::pack(imup::Header{
                                                 next_seq[i], std::uint8_t(imup::MessageType::ListRequest), 0, 0}));
        next_seq[i] = std::uint16_t((next_seq[i] + 1) % imup::kSeqModulo);
        out[n] = {target, out_bufs[n]};
        ++n;
        ++outstanding[i];
      }
      if (n) sockets[i]->send_batch({out.data(), n});
    };
    for (std::size_t i = 0; i < sockets.size(); ++i) refill(i);
    while (imup::io::monotonic_ns() < end) {
      if (poll(polls.data(), polls.size(), 10) < 0) break;
      std::int64_t now = imup::io::monotonic_ns();
      for (std::size_t i = 0; i < sockets.size(); ++i) {
        if (polls[i].revents & POLLIN) {
          for (auto batch = sockets[i]->receive_batch(); !batch.empty();
               batch = sockets[i]->receive_batch()) {
            for (const auto& d : batch) {
              if (d.bytes.size() < 4) continue;
              auto h = imup::unpack(imup::load_be32(d.bytes.data()));
              if (reply_to_probes && h.type == std::uint8_t(imup::MessageType::LivenessProbe)) {
                send_one(*sockets[i], imup::encode(imup::Message{h.seq, imup::Ack{}}));
                continue;
              }
              ++counted;
              if (outstanding[i]) --outstanding[i];
              last_answer[i] = now;
            }
          }
        }
        // A request lost in a full buffer never comes back: free its slot.
        if (now - last_answer[i] > kNsPerSecond / 5) {
          outstanding[i] = 0;
          last_answer[i] = now;
        }
        refill(i);
      }
    }
    double seconds = double(imup::io::monotonic_ns() - start) / double(kNsPerSecond);
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
  auto echo_socket = loopback_socket();
  std::uint16_t echo_port = echo_socket->local_endpoint().port;
  pid_t echo = fork();
  if (echo == 0) run_echo_loop(*echo_socket);
  echo_socket.reset();

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
    to_echo.run(0.3, false);  // warm-up
    to_server.run(0.3, true);
    for (unsigned r = 0; r < rounds; ++r) {
      echo_rate = std::max(echo_rate, to_echo.run(seconds, false));
      server_rate = std::max(server_rate, to_server.run(seconds, true));
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
