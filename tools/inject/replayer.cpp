// SPDX-License-Identifier: GPL-2.0-or-later
#include "replayer.hpp"

#include <pcap/pcap.h>
#include <poll.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>

#include "io/monotonic_clock.hpp"
#include "io/udp_socket.hpp"
#include "packet/udp_frame.hpp"
#include "stop_signals.hpp"

namespace imup::inject {
namespace {

constexpr std::size_t kBatch = io::UdpSocket::kBatch;
using io::monotonic_ns;

// Returns early when SIGINT or SIGTERM asks the run to stop.
void sleep_until(std::int64_t due_ns) {
  timespec ts{time_t(due_ns / 1'000'000'000), long(due_ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR && !tools::stop_signal) {
  }
}

// Where each datagram goes out: an index into the sockets (socket mode).
struct Plan {
  std::vector<std::unique_ptr<io::UdpSocket>> sockets;
  std::vector<std::size_t> socket_of_item;
};

Plan plan_sockets(const std::vector<Item>& items, const ReplayOptions& o) {
  Plan p;
  std::map<Endpoint, std::size_t> by_source;
  for (const auto& it : items) {
    auto [pos, fresh] = by_source.try_emplace(it.src, p.sockets.size());
    if (fresh) {
      // Connected: send_connected waits when the socket buffer is full
      // rather than failing.
      auto socket = std::make_unique<io::UdpSocket>(Endpoint{o.bind_ipv4, 0});
      socket->connect(o.server);
      p.sockets.push_back(std::move(socket));
    }
    p.socket_of_item.push_back(pos->second);
  }
  return p;
}

std::uint64_t drain(const Plan& plan) {
  std::uint64_t n = 0;
  for (const auto& socket : plan.sockets)
    for (auto batch = socket->receive_batch(); !batch.empty(); batch = socket->receive_batch())
      n += batch.size();
  return n;
}

}  // namespace

ReplayResult replay(const std::vector<Item>& items, const ReplayOptions& o) {
  ReplayResult r;
  if (items.empty()) return r;
  std::uint64_t total = o.count ? o.count : (o.loops ? items.size() * o.loops : UINT64_MAX);
  std::int64_t span = items.back().offset_ns + 1'000'000;  // one round of original timing

  Plan plan;
  pcap_t* raw = nullptr;
  std::vector<std::vector<std::uint8_t>> frames;
  if (!o.raw_interface.empty()) {
    char err[PCAP_ERRBUF_SIZE] = {};
    raw = pcap_open_live(o.raw_interface.c_str(), 65535, 0, 0, err);
    if (!raw) throw std::runtime_error("--raw " + o.raw_interface + ": " + err);
    if (pcap_datalink(raw) != DLT_EN10MB) {
      pcap_close(raw);
      throw std::runtime_error("--raw " + o.raw_interface + ": not an Ethernet interface");
    }
    packet::FrameOptions fo;
    for (std::size_t i = 0; i < items.size(); ++i) {
      frames.emplace_back();
      Endpoint dst = o.server.port ? o.server : items[i].dst;
      packet::build_udp_frame(packet::LinkType::Ethernet, fo, std::uint16_t(i), items[i].src, dst,
                            items[i].bytes, frames.back());
    }
  } else {
    plan = plan_sockets(items, o);
  }

  std::vector<std::span<const std::uint8_t>> batch(kBatch);
  std::vector<std::vector<std::size_t>> groups(plan.sockets.size());
  // Sends batch[0..n) on the socket; what the kernel refused is counted failed.
  auto send_batch = [&](io::UdpSocket& socket, std::size_t n, ReplayResult& res) {
    auto done = socket.send_connected({batch.data(), n});
    res.sent += done.datagrams;
    res.bytes += done.bytes;
    res.failed += n - done.datagrams;
  };
  r.requested_pps = o.topspeed ? 0 : o.pps;
  std::int64_t start = monotonic_ns();
  std::int64_t next_progress = start + 1'000'000'000;
  bool tty_progress = o.progress;
  std::uint64_t k = 0;
  while (k < total && !tools::stop_signal) {
    std::size_t i = std::size_t(k % items.size());
    std::uint64_t round = k / items.size();
    std::int64_t due = start;
    if (o.topspeed) due = start;
    else if (o.pps > 0) due = start + std::int64_t(double(k) * 1e9 / o.pps);
    else due = start + std::int64_t(double(std::int64_t(round) * span + items[i].offset_ns) / o.speed);
    std::int64_t now = o.topspeed ? due : monotonic_ns();
    if (due > now) sleep_until(due);
    if (tools::stop_signal) break;

    if (raw) {
      const auto& f = frames[i];
      if (pcap_inject(raw, f.data(), f.size()) == int(f.size())) {
        ++r.sent;
        r.bytes += items[i].bytes.size();
      } else {
        ++r.failed;
      }
      ++k;
    } else if (o.topspeed && plan.sockets.size() > 1) {
      // Top speed from several sources: the next window of datagrams, each
      // socket's share in one sendmmsg (order kept per source, which is all
      // a server can see).
      std::size_t window = std::min<std::uint64_t>(kBatch * plan.sockets.size(), total - k);
      for (auto& g : groups) g.clear();
      for (std::size_t w = 0; w < window; ++w) {
        std::size_t ii = std::size_t((k + w) % items.size());
        groups[plan.socket_of_item[ii]].push_back(ii);
      }
      for (std::size_t f = 0; f < plan.sockets.size(); ++f) {
        for (std::size_t from = 0; from < groups[f].size(); from += kBatch) {
          std::size_t n = std::min(kBatch, groups[f].size() - from);
          for (std::size_t j = 0; j < n; ++j) batch[j] = items[groups[f][from + j]].bytes;
          send_batch(*plan.sockets[f], n, r);
        }
      }
      k += window;
    } else {
      // Everything due by now on the same socket goes in one sendmmsg.
      std::size_t n = 0;
      std::size_t socket_index = plan.socket_of_item[i];
      std::int64_t horizon = o.topspeed ? INT64_MAX : monotonic_ns();
      while (n < kBatch && k + n < total) {
        std::uint64_t kk = k + n;
        std::size_t ii = std::size_t(kk % items.size());
        if (plan.socket_of_item[ii] != socket_index) break;
        if (!o.topspeed && n > 0) {
          std::int64_t d = o.pps > 0 ? start + std::int64_t(double(kk) * 1e9 / o.pps)
                                     : start + std::int64_t(double(std::int64_t(kk / items.size()) * span +
                                                                   items[ii].offset_ns) / o.speed);
          if (d > horizon) break;
        }
        batch[n] = items[ii].bytes;
        ++n;
      }
      send_batch(*plan.sockets[socket_index], n, r);
      k += n;
    }
    if (tty_progress) {
      std::int64_t t = monotonic_ns();
      if (t >= next_progress) {
        next_progress = t + 1'000'000'000;
        r.answers += drain(plan);
        double secs = double(t - start) / 1e9;
        std::fprintf(stderr, "\rimup-inject: sent %" PRIu64 "%s, %.0f datagrams/s, %" PRIu64 " answers   ",
                     r.sent, total == UINT64_MAX ? "" : (" of " + std::to_string(total)).c_str(),
                     double(r.sent) / secs, r.answers);
      }
    }
  }
  // At a fixed rate the last datagram's slot belongs to the run: N datagrams
  // at RATE take N/RATE seconds. Stopping the clock at the last send instead
  // measured N datagrams over N-1 intervals, and a short run reported well
  // over the requested rate (10 at --pps 1000: 111%).
  if (o.pps > 0 && !o.topspeed && !tools::stop_signal)
    sleep_until(start + std::int64_t(double(k) * 1e9 / o.pps));
  r.seconds = double(monotonic_ns() - start) / 1e9;
  if (tty_progress)  // the final state, then the line is done
    std::fprintf(stderr, "\rimup-inject: sent %" PRIu64 ", %.0f datagrams/s   \n", r.sent,
                 r.seconds > 0 ? double(r.sent) / r.seconds : 0.0);
  if (raw) {
    pcap_close(raw);
    return r;
  }
  // Answers still on their way; none awaited after a stop by signal, only
  // those already received counted.
  std::int64_t until = monotonic_ns() + (tools::stop_signal ? 0 : std::int64_t(o.wait_answers_s * 1e9));
  std::vector<pollfd> fds;
  for (const auto& socket : plan.sockets) fds.push_back({socket->fd(), POLLIN, 0});
  for (;;) {
    r.answers += drain(plan);
    std::int64_t left = until - monotonic_ns();
    if (left <= 0) break;
    ::poll(fds.data(), fds.size(), int(left / 1'000'000) + 1);
    if (tools::stop_signal) until = 0;
  }
  return r;
}

}  // namespace imup::inject
