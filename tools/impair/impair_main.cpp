// SPDX-License-Identifier: GPL-2.0-or-later
// imup-impair: a UDP relay between clients and a server that drops,
// duplicates, reorders and delays datagrams with seeded probabilities, and
// says what it did. This kernel has no netem; the project's own tests and
// the demo reproduce faults with it.
//
// Each client gets its own upstream socket (as a NAT would), so the server
// still sees one endpoint per client.
#include <glib.h>
#include <poll.h>
#include <signal.h>

#include <cinttypes>
#include <cstdio>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "codec/text.hpp"
#include "codec/wire.hpp"
#include "option_strings.hpp"
#include "seeded_random.hpp"
#include "udp_socket.hpp"

namespace {

using imup::Endpoint;
using imup::tools::SeededRandom;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

enum Direction { kUp = 0, kDown = 1 };  // up: client -> server
const char* kDirName[] = {"up", "down"};

struct Session {
  Endpoint client;
  int upstream = -1;
};

struct Pending {
  std::int64_t due_ns;
  std::uint64_t order;  // FIFO among equal due times
  Direction dir;
  Endpoint client;
  std::uint64_t number;
  std::vector<std::uint8_t> bytes;
  bool operator>(const Pending& o) const {
    return due_ns != o.due_ns ? due_ns > o.due_ns : order > o.order;
  }
};

struct Counters {
  std::uint64_t received = 0, forwarded = 0, dropped = 0, duplicated = 0, reordered = 0,
                delayed = 0;
};

struct Options {
  gchar* listen = nullptr;
  gchar* server = nullptr;
  gdouble drop = 0, duplicate = 0, reorder = 0;
  gdouble delay_ms = 0, jitter_ms = 0, reorder_wait_ms = 50;
  gint64 seed = 1;
  gchar** drop_nth = nullptr;
  gchar* direction = nullptr;
  gboolean log_all = FALSE;
  gdouble duration = 0;
};

class Relay {
 public:
  Relay(const Options& o, Endpoint listen, Endpoint server, std::set<std::uint64_t> drop_up,
        std::set<std::uint64_t> drop_down, bool impair_up, bool impair_down)
      : o_(o), server_(server), random_(std::uint64_t(o.seed)),
        drop_nth_{std::move(drop_up), std::move(drop_down)}, impair_{impair_up, impair_down} {
    listen_fd_ = imup::tools::bound_udp_socket(listen);
    start_ns_ = imup::tools::monotonic_ns();
  }

  Endpoint listening() const { return imup::tools::local_endpoint(listen_fd_); }

  void run() {
    std::vector<std::uint8_t> buf(65536);
    while (!g_stop) {
      std::int64_t now = imup::tools::monotonic_ns();
      if (o_.duration > 0 && now - start_ns_ > std::int64_t(o_.duration * 1e9)) break;
      flush_due(now);
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      std::vector<Endpoint> owners{Endpoint{}};
      for (auto& [k, s] : sessions_) {
        fds.push_back({s.upstream, POLLIN, 0});
        owners.push_back(s.client);
      }
      int timeout = 200;
      if (!queue_.empty())
        timeout = int(std::max<std::int64_t>(0, (queue_.top().due_ns - now + 999'999) / 1'000'000));
      for (auto& h : held_)
        if (h) timeout = std::min(timeout, int(std::max<std::int64_t>(0, (h->due_ns - now) / 1'000'000 + 1)));
      int n = ::poll(fds.data(), fds.size(), timeout);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::perror("imup-impair: poll");
        break;
      }
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        for (;;) {
          sockaddr_in from{};
          socklen_t len = sizeof from;
          ssize_t got = ::recvfrom(fds[i].fd, buf.data(), buf.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &len);
          if (got < 0) break;
          std::vector<std::uint8_t> bytes(buf.begin(), buf.begin() + got);
          if (i == 0) {
            Endpoint client = imup::tools::from_sockaddr(from);
            session(client);
            arrive(kUp, client, std::move(bytes));
          } else {
            arrive(kDown, owners[i], std::move(bytes));
          }
        }
      }
    }
    // Whatever is still delayed or held goes out before the summary.
    for (auto& h : held_)
      if (h) queue_.push(std::move(*h)), h.reset();
    while (!queue_.empty()) {
      send(queue_.top());
      queue_.pop();
    }
    summary();
  }

 private:
  Session& session(Endpoint client) {
    auto key = std::uint64_t(client.ipv4) << 16 | client.port;
    auto it = sessions_.find(key);
    if (it != sessions_.end()) return it->second;
    Session s{client, imup::tools::bound_udp_socket(Endpoint{0, 0})};
    sockaddr_in to = imup::tools::to_sockaddr(server_);
    ::connect(s.upstream, reinterpret_cast<sockaddr*>(&to), sizeof to);
    return sessions_.emplace(key, s).first->second;
  }

  std::string describe(Direction d, Endpoint client, std::uint64_t number,
                       const std::vector<std::uint8_t>& b) const {
    std::string who = d == kUp ? imup::format_endpoint(client) + " -> " + imup::format_endpoint(server_)
                               : imup::format_endpoint(server_) + " -> " + imup::format_endpoint(client);
    std::string s = std::string(kDirName[d]) + " #" + std::to_string(number) + " " + who + " " +
                    std::to_string(b.size()) + " bytes";
    if (b.size() >= imup::kHeaderBytes) {
      auto h = imup::unpack(imup::load_be32(b.data()));
      s += " type=" + std::to_string(h.type) + " seq=" + std::to_string(h.seq);
    }
    return s;
  }

  void log(const std::string& what, const std::string& action) {
    double t = double(imup::tools::monotonic_ns() - start_ns_) / 1e9;
    std::printf("%.6f %s: %s\n", t, what.c_str(), action.c_str());
    std::fflush(stdout);
  }

  void arrive(Direction d, Endpoint client, std::vector<std::uint8_t> bytes) {
    auto& c = counters_[d];
    std::uint64_t number = ++c.received;
    std::string what = describe(d, client, number, bytes);
    if (drop_nth_[d].contains(number)) {
      ++c.dropped;
      log(what, "drop (--drop-nth)");
      return;
    }
    std::int64_t now = imup::tools::monotonic_ns();
    if (!impair_[d]) {
      if (o_.log_all) log(what, "pass");
      queue_.push(Pending{now, order_++, d, client, number, std::move(bytes)});
      flush_due(now);
      return;
    }
    // Draw every decision in a fixed order so a seed replays exactly.
    bool drop = random_.chance(o_.drop);
    bool dup = random_.chance(o_.duplicate);
    bool reorder = random_.chance(o_.reorder);
    std::int64_t delay_ns = std::int64_t(o_.delay_ms * 1e6);
    if (o_.jitter_ms > 0) delay_ns += std::int64_t(random_.unit() * o_.jitter_ms * 1e6);
    if (drop) {
      ++c.dropped;
      log(what, "drop");
      return;
    }
    std::string actions;
    if (delay_ns > 0) {
      ++c.delayed;
      char buf[64];
      std::snprintf(buf, sizeof buf, "delay %.3f ms", double(delay_ns) / 1e6);
      actions = buf;
    }
    Pending p{now + delay_ns, order_++, d, client, number, std::move(bytes)};
    if (dup) {
      ++c.duplicated;
      actions += std::string(actions.empty() ? "" : ", ") + "duplicate";
      Pending copy = p;
      copy.order = order_++;
      queue_.push(std::move(copy));
    }
    if (reorder && !held_[d]) {
      ++c.reordered;
      actions += std::string(actions.empty() ? "" : ", ") + "reorder (held until the next one)";
      p.due_ns = now + delay_ns + std::int64_t(o_.reorder_wait_ms * 1e6);
      held_[d] = std::move(p);
    } else {
      queue_.push(std::move(p));
    }
    if (!actions.empty() || o_.log_all) log(what, actions.empty() ? "pass" : actions);
    flush_due(now);
  }

  void flush_due(std::int64_t now) {
    while (!queue_.empty() && queue_.top().due_ns <= now) {
      Pending p = queue_.top();
      queue_.pop();
      send(p);
      // A held datagram goes out right after the next one of its direction.
      auto& h = held_[p.dir];
      if (h && h->number != p.number) {
        send(*h);
        h.reset();
      }
    }
    for (auto& h : held_) {
      if (h && h->due_ns <= now) {
        send(*h);
        h.reset();
      }
    }
  }

  void send(const Pending& p) {
    ssize_t n;
    if (p.dir == kUp) {
      n = ::send(session(p.client).upstream, p.bytes.data(), p.bytes.size(), 0);
    } else {
      sockaddr_in to = imup::tools::to_sockaddr(p.client);
      n = ::sendto(listen_fd_, p.bytes.data(), p.bytes.size(), 0, reinterpret_cast<sockaddr*>(&to),
                   sizeof to);
    }
    if (n >= 0) ++counters_[p.dir].forwarded;
  }

  void summary() {
    for (int d : {kUp, kDown}) {
      const auto& c = counters_[d];
      std::printf("summary %s: %" PRIu64 " received, %" PRIu64 " forwarded, %" PRIu64
                  " dropped, %" PRIu64 " duplicated, %" PRIu64 " reordered, %" PRIu64 " delayed\n",
                  kDirName[d], c.received, c.forwarded, c.dropped, c.duplicated, c.reordered,
                  c.delayed);
    }
    std::fflush(stdout);
  }

  const Options& o_;
  Endpoint server_;
  SeededRandom random_;
  std::set<std::uint64_t> drop_nth_[2];
  bool impair_[2];
  int listen_fd_ = -1;
  std::int64_t start_ns_ = 0;
  std::uint64_t order_ = 0;
  std::map<std::uint64_t, Session> sessions_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::optional<Pending> held_[2];
  Counters counters_[2];
};

int run(int argc, char** argv) {
  Options o;
  GOptionEntry entries[] = {
      {"listen", 'l', 0, G_OPTION_ARG_STRING, &o.listen, "Where clients send (port 0 = any; the port is printed on stderr)", "ADDR:PORT"},
      {"server", 's', 0, G_OPTION_ARG_STRING, &o.server, "The real server", "ADDR:PORT"},
      {"drop", 0, 0, G_OPTION_ARG_DOUBLE, &o.drop, "Probability of dropping a datagram (0..1)", "P"},
      {"duplicate", 0, 0, G_OPTION_ARG_DOUBLE, &o.duplicate, "Probability of sending a datagram twice", "P"},
      {"reorder", 0, 0, G_OPTION_ARG_DOUBLE, &o.reorder, "Probability of holding a datagram back until after the next one", "P"},
      {"reorder-wait", 0, 0, G_OPTION_ARG_DOUBLE, &o.reorder_wait_ms, "Longest hold of a reordered datagram (default 50 ms)", "MS"},
      {"delay", 0, 0, G_OPTION_ARG_DOUBLE, &o.delay_ms, "Delay every datagram by this much", "MS"},
      {"jitter", 0, 0, G_OPTION_ARG_DOUBLE, &o.jitter_ms, "Plus a random delay up to this much", "MS"},
      {"seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Seed of the random decisions (default 1)", "N"},
      {"drop-nth", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.drop_nth, "Drop exactly the Nth datagram of a direction, e.g. up:3 or down:1 (repeatable)", "DIR:N"},
      {"direction", 0, 0, G_OPTION_ARG_STRING, &o.direction, "Impair up (client->server), down, or both (default)", "DIR"},
      {"log-all", 'v', 0, G_OPTION_ARG_NONE, &o.log_all, "Also print the datagrams passed untouched", nullptr},
      {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &o.duration, "Stop after this long (default: until SIGINT/SIGTERM)", "SECONDS"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("");
  g_option_context_set_summary(ctx,
      "A UDP relay between IMUP clients and a server that drops, duplicates,\n"
      "reorders and delays datagrams with seeded probabilities. Prints one line per\n"
      "action (time, direction, datagram number, endpoints, IMUP type and seq) and\n"
      "a summary per direction when stopped (SIGINT, SIGTERM or --duration).\n\n"
      "  imup-impair --listen 127.0.0.1:3017 --server 127.0.0.1:2017 --drop 0.1 --seed 7\n"
      "  imup-impair -l 127.0.0.1:3017 -s 127.0.0.1:2017 --drop-nth up:3\n\n"
      "Exit status: 0 after a clean stop, 1 bad options or socket error.");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  GError* err = nullptr;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &err);
  g_option_context_free(ctx);
  if (!ok) {
    std::fprintf(stderr, "imup-impair: %s (try --help)\n", err->message);
    g_error_free(err);
    return 1;
  }
  // Options are copied out of GLib's memory at once (see option_strings.hpp).
  auto listen_opt = imup::tools::take_string(o.listen), server_opt = imup::tools::take_string(o.server),
       direction_opt = imup::tools::take_string(o.direction);
  auto drop_nth = imup::tools::take_strings(o.drop_nth);
  if (!listen_opt || !server_opt) {
    std::fprintf(stderr, "imup-impair: --listen and --server are required (try --help)\n");
    return 1;
  }
  auto listen = imup::tools::parse_bind_endpoint(*listen_opt);
  auto server = imup::parse_endpoint(*server_opt);
  if (!listen || !server || server->port == 0) {
    std::fprintf(stderr, "imup-impair: '%s' is not ADDR:PORT\n", !listen ? listen_opt->c_str() : server_opt->c_str());
    return 1;
  }
  for (double p : {o.drop, o.duplicate, o.reorder}) {
    if (p < 0 || p > 1) {
      std::fprintf(stderr, "imup-impair: probabilities are between 0 and 1\n");
      return 1;
    }
  }
  if (o.delay_ms < 0 || o.jitter_ms < 0 || o.reorder_wait_ms < 0) {
    std::fprintf(stderr, "imup-impair: delays cannot be negative\n");
    return 1;
  }
  std::set<std::uint64_t> nth[2];
  for (const auto& v : drop_nth) {
    auto colon = v.find(':');
    std::string dir = colon == std::string::npos ? "" : v.substr(0, colon);
    char* end = nullptr;
    unsigned long long n = colon == std::string::npos ? 0 : std::strtoull(v.c_str() + colon + 1, &end, 10);
    if ((dir != "up" && dir != "down") || n == 0 || !end || *end) {
      std::fprintf(stderr, "imup-impair: --drop-nth expects up:N or down:N (N >= 1), not '%s'\n", v.c_str());
      return 1;
    }
    nth[dir == "up" ? kUp : kDown].insert(n);
  }
  std::string direction = direction_opt.value_or("both");
  if (direction != "up" && direction != "down" && direction != "both") {
    std::fprintf(stderr, "imup-impair: --direction is up, down or both\n");
    return 1;
  }
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  try {
    Relay relay(o, *listen, *server, nth[kUp], nth[kDown], direction != "down", direction != "up");
    std::fprintf(stderr, "imup-impair: listening on %s, server %s\n",
                 imup::format_endpoint(relay.listening()).c_str(), imup::format_endpoint(*server).c_str());
    std::fflush(stderr);
    relay.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imup-impair: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
