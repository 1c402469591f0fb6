// SPDX-License-Identifier: GPL-2.0-or-later
// imup-impair: a UDP relay between clients and a server that drops,
// duplicates, reorders and delays datagrams with seeded probabilities, and
// says what it did. This kernel has no netem; the project's own tests and
// the demo reproduce faults with it.
//
// Each client gets its own upstream socket (as a NAT would), so the server
// still sees one endpoint per client. Those sockets are not connect()ed: the
// addresses the server sees are the ones it lists in a decentralized group's
// member lines, so peers send each other datagrams there. The relay behaves
// as a full-cone NAT with hairpinning: a datagram reaching client B's socket
// from client A (not from the server) is passed to B from A's own socket, so
// B sees it come from the address the server listed for A. That is the
// "peer" direction, impaired like the other two.
//
// Standard output starts with "imup-impair listening on ADDR:PORT" (for
// scripts, as imup-server's); the action lines and the summary follow it,
// or go to standard error with --log-stderr. Standard error also says
// "imup-impair: listening on ADDR:PORT, server ADDR:PORT", which older
// scripts and tests parse.
#include <glib.h>
#include <poll.h>
#include <signal.h>

#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "codec/text.hpp"
#include "codec/wire.hpp"
#include "common/seeded_random.hpp"
#include "io/monotonic_clock.hpp"
#include "io/socket_address.hpp"
#include "io/udp_socket.hpp"
#include "option_strings.hpp"
#include "stop_signals.hpp"
#include "cli/options.hpp"
#include "cli/usage.hpp"
#include "cli/utf8_output.hpp"

namespace {

using imup::Endpoint;
using imup::SeededRandom;
using imup::io::monotonic_ns;
using imup::io::UdpSocket;

constexpr const char* kProgram = "imup-impair";

// Datagrams taken from one socket before the loop looks again at the clock
// and the signals: a socket that never runs dry (a flood, a loop back to the
// relay) cannot keep --duration, SIGINT or SIGTERM waiting.
constexpr int kReceiveBurst = 64;

// up: client -> server; down: server -> client; peer: client -> client.
enum Direction { kUp = 0, kDown = 1, kPeer = 2 };
constexpr int kDirections = 3;
const char* kDirName[] = {"up", "down", "peer"};

struct Session {
  Endpoint client;
  std::unique_ptr<UdpSocket> upstream;
};

struct Pending {
  std::int64_t due_ns;
  std::uint64_t order;  // FIFO among equal due times
  Direction dir;
  Endpoint client;  // the client it goes to or comes from
  Endpoint peer;    // kPeer: the client that sent it (client is the receiver)
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
  gboolean log_stderr = FALSE;
  gdouble duration = 0;
  gint max_clients = 1024;  // the protocol's most clients (codec/limits.hpp kMaxClients)
};

class Relay {
 public:
  Relay(const Options& o, Endpoint listen, Endpoint server,
        const std::set<std::uint64_t> (&drop_nth)[kDirections], const bool (&impair)[kDirections])
      : o_(o), server_(server), random_(std::uint64_t(o.seed)),
        drop_nth_{drop_nth[0], drop_nth[1], drop_nth[2]}, impair_{impair[0], impair[1], impair[2]} {
    log_ = o.log_stderr ? stderr : stdout;
    listen_ = std::make_unique<UdpSocket>(listen);
    start_ns_ = monotonic_ns();
  }

  Endpoint listening() const { return listen_->local_endpoint(); }

  void run() {
    std::vector<std::uint8_t> buf(65536);
    const std::int64_t end_ns = o_.duration > 0 ? start_ns_ + std::int64_t(o_.duration * 1e9) : INT64_MAX;
    while (!imup::tools::stop_signal) {
      std::int64_t now = monotonic_ns();
      if (now >= end_ns) break;
      flush_due(now);
      std::vector<pollfd> fds{{listen_->fd(), POLLIN, 0}};
      std::vector<UdpSocket*> sockets{listen_.get()};
      std::vector<Endpoint> owners{Endpoint{}};
      for (auto& [k, s] : sessions_) {
        fds.push_back({s.upstream->fd(), POLLIN, 0});
        sockets.push_back(s.upstream.get());
        owners.push_back(s.client);
      }
      int timeout = 200;
      if (!queue_.empty())
        timeout = int(std::max<std::int64_t>(0, (queue_.top().due_ns - now + 999'999) / 1'000'000));
      for (auto& h : held_)
        if (h) timeout = std::min(timeout, int(std::max<std::int64_t>(0, (h->due_ns - now) / 1'000'000 + 1)));
      if (end_ns != INT64_MAX)
        timeout = std::min(timeout, int(std::max<std::int64_t>(0, (end_ns - now + 999'999) / 1'000'000)));
      int n = ::poll(fds.data(), fds.size(), timeout);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::perror("imup-impair: poll");
        break;
      }
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        for (int burst = 0; burst < kReceiveBurst; ++burst) {
          auto datagram = sockets[i]->receive(buf);
          if (!datagram) break;
          std::size_t got = datagram->bytes.size();
          std::vector<std::uint8_t> bytes(datagram->bytes.begin(), datagram->bytes.end());
          if (i == 0) {
            Endpoint client = datagram->from;
            if (is_own_upstream(client)) {
              // The server address leads back to this relay (e.g. --listen
              // 0.0.0.0:P, --server on a local address, port P): relaying it
              // would open a socket per datagram, for ever.
              auto& c = counters_[kUp];
              ++c.received;
              ++c.dropped;
              log("up #" + std::to_string(c.received) + " " + imup::format_endpoint(client) + " " +
                      std::to_string(got) + " bytes",
                  "drop (sent by this relay's own socket: --server leads back to the relay)");
              continue;
            }
            if (!session_for(client)) {
              auto& c = counters_[kUp];
              ++c.received;
              ++c.dropped;
              log("up #" + std::to_string(c.received) + " " + imup::format_endpoint(client) + " " +
                      std::to_string(got) + " bytes",
                  "drop (--max-clients " + std::to_string(o_.max_clients) + " reached: no socket for a new client)");
              continue;
            }
            arrive(kUp, client, std::move(bytes));
          } else {
            Endpoint source = datagram->from;
            if (source == server_) {
              arrive(kDown, owners[i], std::move(bytes));
            } else if (sessions_.contains(key_of(source))) {
              arrive(kPeer, owners[i], std::move(bytes), source);
            } else {
              // Neither the server nor a client of this relay: a NAT drops it too.
              auto& c = counters_[kPeer];
              ++c.received;
              ++c.dropped;
              log("peer #" + std::to_string(c.received) + " " + imup::format_endpoint(source) +
                      " -> " + imup::format_endpoint(owners[i]) + " " + std::to_string(got) + " bytes",
                  "drop (sender is neither the server nor a client of this relay)");
            }
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
  static std::uint64_t key_of(Endpoint e) { return std::uint64_t(e.ipv4) << 16 | e.port; }

  // Whether FROM is one of the upstream sockets (bound to the listening
  // address, or to every address when that is 0.0.0.0: then any loopback
  // source with the socket's port is the relay itself).
  bool is_own_upstream(Endpoint from) const {
    auto it = upstream_.find(from.port);
    if (it == upstream_.end()) return false;
    return it->second == from.ipv4 || (it->second == 0 && (from.ipv4 >> 24) == 127);
  }

  // The client's session, made when new unless --max-clients sessions exist.
  Session* session_for(Endpoint client) {
    auto it = sessions_.find(key_of(client));
    if (it != sessions_.end()) return &it->second;
    if (sessions_.size() >= std::size_t(o_.max_clients)) {
      if (!warned_full_) {
        std::fprintf(stderr, "%s: --max-clients %d reached: datagrams from new clients are dropped\n",
                     kProgram, o_.max_clients);
        warned_full_ = true;
      }
      return nullptr;
    }
    return &session(client);
  }

  Session& session(Endpoint client) {
    auto key = key_of(client);
    auto it = sessions_.find(key);
    if (it != sessions_.end()) return it->second;
    // Bound to the listening address (port chosen by the kernel), so peers
    // and the server reach it where they reach the relay.
    Endpoint bind_to{listen_->local_endpoint().ipv4, 0};
    Session s{client, std::make_unique<UdpSocket>(bind_to)};
    Endpoint local = s.upstream->local_endpoint();
    upstream_[local.port] = local.ipv4;
    // Peers reach this client at that address: say it, for people and scripts.
    log("client " + imup::format_endpoint(client),
        "seen by the server and its peers as " + imup::format_endpoint(s.upstream->local_endpoint()));
    return sessions_.emplace(key, std::move(s)).first->second;
  }

  std::string describe(Direction d, Endpoint client, Endpoint peer, std::uint64_t number,
                       const std::vector<std::uint8_t>& b) const {
    std::string who = d == kUp     ? imup::format_endpoint(client) + " -> " + imup::format_endpoint(server_)
                      : d == kDown ? imup::format_endpoint(server_) + " -> " + imup::format_endpoint(client)
                                   : imup::format_endpoint(peer) + " -> " + imup::format_endpoint(client);
    std::string s = std::string(kDirName[d]) + " #" + std::to_string(number) + " " + who + " " +
                    std::to_string(b.size()) + " bytes";
    if (b.size() >= imup::kHeaderBytes) {
      auto h = imup::unpack(imup::load_be32(b.data()));
      s += " type=" + std::to_string(h.type) + " seq=" + std::to_string(h.seq);
    }
    return s;
  }

  void log(const std::string& what, const std::string& action) {
    double t = double(monotonic_ns() - start_ns_) / 1e9;
    std::fprintf(log_, "%.6f %s: %s\n", t, what.c_str(), action.c_str());
    std::fflush(log_);
  }

  void arrive(Direction d, Endpoint client, std::vector<std::uint8_t> bytes, Endpoint peer = {}) {
    auto& c = counters_[d];
    std::uint64_t number = ++c.received;
    std::string what = describe(d, client, peer, number, bytes);
    if (drop_nth_[d].contains(number)) {
      ++c.dropped;
      log(what, "drop (--drop-nth)");
      return;
    }
    std::int64_t now = monotonic_ns();
    if (!impair_[d]) {
      if (o_.log_all) log(what, "pass");
      queue_.push(Pending{now, order_++, d, client, peer, number, std::move(bytes)});
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
    Pending p{now + delay_ns, order_++, d, client, peer, number, std::move(bytes)};
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
    // up: from the client's socket to the server; down: from the listening
    // socket to the client; peer: from the sender's socket to the receiver.
    UdpSocket& from = p.dir == kUp     ? *session(p.client).upstream
                      : p.dir == kDown ? *listen_
                                       : *session(p.peer).upstream;
    if (from.send_to(p.dir == kUp ? server_ : p.client, p.bytes)) ++counters_[p.dir].forwarded;
  }

  void summary() {
    for (int d : {kUp, kDown, kPeer}) {
      const auto& c = counters_[d];
      std::fprintf(log_, "summary %s: %" PRIu64 " received, %" PRIu64 " forwarded, %" PRIu64
                  " dropped, %" PRIu64 " duplicated, %" PRIu64 " reordered, %" PRIu64 " delayed\n",
                  kDirName[d], c.received, c.forwarded, c.dropped, c.duplicated, c.reordered,
                  c.delayed);
    }
    std::fflush(log_);
  }

  const Options& o_;
  Endpoint server_;
  SeededRandom random_;
  std::set<std::uint64_t> drop_nth_[kDirections];
  bool impair_[kDirections];
  std::FILE* log_ = stdout;
  std::unique_ptr<UdpSocket> listen_;
  std::int64_t start_ns_ = 0;
  std::uint64_t order_ = 0;
  std::map<std::uint64_t, Session> sessions_;
  std::map<std::uint16_t, std::uint32_t> upstream_;  // the upstream sockets' ports -> bound address
  bool warned_full_ = false;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::optional<Pending> held_[kDirections];
  Counters counters_[kDirections];
};

// Whether sending to SERVER reaches the relay's own listening socket: the
// same port and the same address, or either address being 0.0.0.0 (every
// local address; sending to 0.0.0.0 reaches this host).
bool loops_back(Endpoint listening, Endpoint server) {
  if (listening.port != server.port) return false;
  return listening.ipv4 == server.ipv4 || listening.ipv4 == 0 || server.ipv4 == 0;
}

int run(int argc, char** argv) {
  Options o;
  GOptionEntry entries[] = {
      {"listen", 'l', 0, G_OPTION_ARG_STRING, &o.listen, "Where clients send (port 0 = any; the address is the first line of standard output)", "ADDR:PORT"},
      {"server", 's', 0, G_OPTION_ARG_STRING, &o.server, "The real server", "ADDR:PORT"},
      {"drop", 0, 0, G_OPTION_ARG_DOUBLE, &o.drop, "Probability of dropping a datagram (0..1)", "P"},
      {"duplicate", 0, 0, G_OPTION_ARG_DOUBLE, &o.duplicate, "Probability of sending a datagram twice", "P"},
      {"reorder", 0, 0, G_OPTION_ARG_DOUBLE, &o.reorder, "Probability of holding a datagram back until after the next one", "P"},
      {"reorder-wait", 0, 0, G_OPTION_ARG_DOUBLE, &o.reorder_wait_ms, "Longest hold of a reordered datagram (default 50 ms)", "MS"},
      {"delay", 0, 0, G_OPTION_ARG_DOUBLE, &o.delay_ms, "Delay every datagram by this much", "MS"},
      {"jitter", 0, 0, G_OPTION_ARG_DOUBLE, &o.jitter_ms, "Plus a random delay up to this much", "MS"},
      {"seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Seed of the random decisions (default 1)", "N"},
      {"drop-nth", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.drop_nth, "Drop exactly the Nth datagram of a direction, e.g. up:3, down:1 or peer:2 (repeatable)", "DIR:N"},
      {"direction", 0, 0, G_OPTION_ARG_STRING, &o.direction, "Impair only up (client->server), down (server->client) or peer (client->client); default: all", "DIR"},
      {"log-all", 'v', 0, G_OPTION_ARG_NONE, &o.log_all, "Also print the datagrams passed untouched", nullptr},
      {"log-stderr", 0, 0, G_OPTION_ARG_NONE, &o.log_stderr, "Print the action lines and the summary on standard error (default: standard output, after the listening line)", nullptr},
      {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &o.duration, "Stop after this long (default: until SIGINT/SIGTERM)", "SECONDS"},
      {"max-clients", 0, 0, G_OPTION_ARG_INT, &o.max_clients, "Most clients relayed at once, each with its own socket towards the server (default 1024); datagrams from more are dropped", "N"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  imup::cli::CommandLineHelp help{kProgram, "", "", "", false};
  help.summary =
      "A UDP relay between IMUP clients and a server that drops, duplicates,\n"
      "reorders and delays datagrams with seeded probabilities. Standard output starts\n"
      "with \"imup-impair listening on ADDR:PORT\", then one line per action (time,\n"
      "direction, datagram number, endpoints, IMUP type and seq) and a summary per\n"
      "direction when stopped (SIGINT, SIGTERM or --duration); --log-stderr moves\n"
      "the action lines and the summary to standard error.\n\n"
      "Each client gets its own socket towards the server, the address the server\n"
      "sees and lists to decentralized groups; datagrams between such peers are\n"
      "relayed too (direction \"peer\"), as by a NAT with hairpinning. --server may\n"
      "not be the relay's own address (a datagram would loop for ever).\n\n"
      "  imup-impair --listen 127.0.0.1:3017 --server 127.0.0.1:2017 --drop 0.1 --seed 7\n"
      "  imup-impair -l 127.0.0.1:3017 -s 127.0.0.1:2017 --drop-nth up:3";
  help.description = imup::cli::exit_status_help(
      "stopped cleanly (SIGINT, SIGTERM or --duration), after the summary",
      "a failure while relaying (a socket error)",
      "usage errors: bad options, --server equal to --listen, a socket not opened");
  if (auto status = imup::cli::parse_command_line(help, entries, argc, argv)) return *status;
  // Options are copied out of GLib's memory at once (see option_strings.hpp).
  auto listen_opt = imup::tools::take_string(o.listen), server_opt = imup::tools::take_string(o.server),
       direction_opt = imup::tools::take_string(o.direction);
  auto drop_nth = imup::tools::take_strings(o.drop_nth);
  auto usage = [](const std::string& why) { return imup::cli::usage_error(kProgram, why); };
  if (!listen_opt || !server_opt) return usage("--listen and --server are required");
  auto listen_parsed = imup::io::parse_socket_address(*listen_opt, imup::io::kBindAddress);
  auto server_parsed = imup::io::parse_socket_address(*server_opt, imup::io::kPeerAddress);
  if (auto* e = std::get_if<imup::io::AddressError>(&listen_parsed)) return usage("--listen: " + e->message);
  if (auto* e = std::get_if<imup::io::AddressError>(&server_parsed)) return usage("--server: " + e->message);
  auto listen = std::get<Endpoint>(listen_parsed), server = std::get<Endpoint>(server_parsed);
  // One refusal per option, naming it and its range; the negated forms also
  // refuse NaN, which GOption reads as a double.
  using imup::cli::out_of_range;
  if (!(o.drop >= 0 && o.drop <= 1)) return out_of_range(kProgram, "drop", o.drop, "0..1");
  if (!(o.duplicate >= 0 && o.duplicate <= 1)) return out_of_range(kProgram, "duplicate", o.duplicate, "0..1");
  if (!(o.reorder >= 0 && o.reorder <= 1)) return out_of_range(kProgram, "reorder", o.reorder, "0..1");
  if (!(o.reorder_wait_ms >= 0 && o.reorder_wait_ms <= 3.6e6))
    return out_of_range(kProgram, "reorder-wait", o.reorder_wait_ms, "0..3.6e6 ms");
  if (!(o.delay_ms >= 0 && o.delay_ms <= 3.6e6)) return out_of_range(kProgram, "delay", o.delay_ms, "0..3.6e6 ms");
  if (!(o.jitter_ms >= 0 && o.jitter_ms <= 3.6e6)) return out_of_range(kProgram, "jitter", o.jitter_ms, "0..3.6e6 ms");
  if (!(o.duration >= 0 && o.duration <= 1e9))
    return out_of_range(kProgram, "duration", o.duration, "0..1e9 seconds (0: until SIGINT/SIGTERM)");
  if (o.max_clients < 1 || o.max_clients > 65535)
    return out_of_range(kProgram, "max-clients", o.max_clients, "1..65535");
  std::set<std::uint64_t> nth[kDirections];
  for (const auto& v : drop_nth) {
    auto colon = v.find(':');
    std::string dir = colon == std::string::npos ? "" : v.substr(0, colon);
    char* end = nullptr;
    unsigned long long n = colon == std::string::npos ? 0 : std::strtoull(v.c_str() + colon + 1, &end, 10);
    if ((dir != "up" && dir != "down" && dir != "peer") || n == 0 || !end || *end)
      return usage("--drop-nth expects up:N, down:N or peer:N (N >= 1), not '" + v + "'");
    nth[dir == "up" ? kUp : dir == "down" ? kDown : kPeer].insert(n);
  }
  // "both" (the old default's name) means every direction, as "all".
  std::string direction = direction_opt.value_or("all");
  if (direction != "up" && direction != "down" && direction != "peer" && direction != "both" &&
      direction != "all")
    return usage("--direction is up, down, peer or all, not '" + direction + "'");
  imup::tools::catch_stop_signals();
  bool every = direction == "all" || direction == "both";
  const bool impair[kDirections] = {every || direction == "up", every || direction == "down",
                                    every || direction == "peer"};
  std::optional<Relay> relay;
  try {
    relay.emplace(o, listen, server, nth, impair);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: --listen %s: %s\n", kProgram, listen_opt->c_str(), e.what());
    return imup::cli::kExitUsage;
  }
  // Checked on the bound address, so port 0 and 0.0.0.0 are compared as the
  // kernel resolved them (localhost is 127.0.0.1 already).
  if (loops_back(relay->listening(), server))
    return usage("--server " + *server_opt + " is the relay's own address (--listen " + *listen_opt +
                 "): every datagram would come back to the relay");
  try {
    std::printf("imup-impair listening on %s\n", imup::format_endpoint(relay->listening()).c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "imup-impair: listening on %s, server %s\n",
                 imup::format_endpoint(relay->listening()).c_str(), imup::format_endpoint(server).c_str());
    std::fflush(stderr);
    relay->run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
    return imup::cli::kExitFindings;
  }
  return imup::cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  imup::cli::use_utf8_output();
  return run(argc, argv);
}
