// SPDX-License-Identifier: GPL-2.0-or-later
// The anchors the tools' benchmark measures against, in one small program:
//   bench-helper pcap-loop FILE          a bare pcap_next_ex loop: prints frames and seconds
//   bench-helper sendmmsg-loop PORT N B  N datagrams of B bytes to 127.0.0.1:PORT in
//                                        sendmmsg batches of 64: prints datagrams/s
//   bench-helper sink PORTFILE           a bound UDP socket nobody reads (the kernel drops)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

int pcap_loop_bench(const char* file) {
  char err[PCAP_ERRBUF_SIZE];
  double start = now_s();
  pcap_t* p = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!p) {
    std::fprintf(stderr, "%s\n", err);
    return 2;
  }
  pcap_pkthdr* h;
  const u_char* d;
  unsigned long long frames = 0, bytes = 0;
  while (pcap_next_ex(p, &h, &d) == 1) {
    ++frames;
    bytes += h->caplen;  // touch the header so the loop is not optimised away
  }
  pcap_close(p);
  std::printf("%llu frames %llu bytes %.6f s\n", frames, bytes, now_s() - start);
  return 0;
}

int sendmmsg_bench(int port, long n, int size) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(std::uint16_t(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return 2;
  std::vector<unsigned char> payload(std::size_t(size), 0x41);
  constexpr int kBatch = 64;
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  for (int i = 0; i < kBatch; ++i) {
    iov[i] = {payload.data(), payload.size()};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  double start = now_s();
  long sent = 0;
  while (sent < n) {
    int want = int(std::min<long>(kBatch, n - sent));
    int s = sendmmsg(fd, msgs, unsigned(want), 0);
    if (s > 0) sent += s;
  }
  double secs = now_s() - start;
  std::printf("%ld datagrams %.6f s %.0f datagrams/s\n", sent, secs, double(sent) / secs);
  return 0;
}

int sink(const char* portfile) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  FILE* f = std::fopen(portfile, "w");
  if (!f) return 2;
  std::fprintf(f, "%d\n", ntohs(a.sin_port));
  std::fclose(f);
  pause();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "pcap-loop" && argc == 3) return pcap_loop_bench(argv[2]);
  if (cmd == "sendmmsg-loop" && argc == 5)
    return sendmmsg_bench(std::atoi(argv[2]), std::atol(argv[3]), std::atoi(argv[4]));
  if (cmd == "sink" && argc == 3) return sink(argv[2]);
  std::fprintf(stderr, "usage: bench-helper pcap-loop FILE | sendmmsg-loop PORT N BYTES | sink PORTFILE\n");
  return 2;
}
