// SPDX-License-Identifier: GPL-2.0-or-later
// A tiny IMUP responder for the tools' tests (not a server): answers each
// request with an answer type that closes it (ACK, or a user-list page for a
// list request), echoing the sequence number, and keeps an answer cache so a
// resent request gets the same bytes. It can stay silent on the first N
// copies of every request, to make a client retransmit.
//   test-responder PORTFILE [IGNORE_FIRST_COPIES [SEND_TO_PORT...]]
// Binds 127.0.0.1:0, writes the port to PORTFILE, serves until killed.
// With ports after the count it first sends one request to each of
// 127.0.0.1:PORT in turn, 50 ms apart (sequence numbers 0, 1, ...), so a
// relay learns it as a client and a peer can be reached through it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <tuple>
#include <vector>

#include "codec/codec.hpp"
#include "codec/exchange.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: test-responder PORTFILE [IGNORE_FIRST_COPIES]\n");
    return 2;
  }
  int ignore_first = argc > 2 ? std::atoi(argv[2]) : 0;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 2;
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (FILE* f = std::fopen(argv[1], "w")) {
    std::fprintf(f, "%d\n", ntohs(a.sin_port));
    std::fclose(f);
  }
  for (int i = 3; i < argc; ++i) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(std::uint16_t(std::atoi(argv[i])));
    imup::Message request;
    request.seq = std::uint16_t(i - 3);
    request.body = imup::ListRequest{};
    auto bytes = imup::encode(request);
    sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    timespec pause{0, 50'000'000};
    nanosleep(&pause, nullptr);
  }
  std::map<std::tuple<std::uint32_t, std::uint16_t, std::uint16_t>, int> copies;
  std::uint8_t buf[2048];
  for (;;) {
    sockaddr_in from{};
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
    if (n < 4) continue;
    auto h = imup::unpack(imup::load_be32(buf));
    if (!imup::is_known_type(h.type) || !imup::is_request(imup::MessageType(h.type))) continue;
    auto key = std::make_tuple(from.sin_addr.s_addr, from.sin_port, h.seq);
    if (copies[key]++ < ignore_first) continue;
    imup::Message answer;
    answer.seq = h.seq;
    if (h.type == std::uint8_t(imup::MessageType::ListRequest)) {
      imup::UserListPage page;
      page.entries.push_back({imup::Room::Public, 0, "Sheng"});
      answer.body = page;
    } else {
      answer.body = imup::Ack{};
    }
    auto bytes = imup::encode(answer);
    sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
  }
}
