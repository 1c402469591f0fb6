// SPDX-License-Identifier: GPL-2.0-or-later
#include "client_mode.hpp"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "codec/exchange.hpp"
#include "codec/text.hpp"
#include "common/seeded_random.hpp"
#include "io/monotonic_clock.hpp"
#include "io/udp_socket.hpp"
#include "script_encoder.hpp"
#include "stop_signals.hpp"

namespace imup::inject {
namespace {

using io::monotonic_ns;

std::string type_text(std::uint8_t t) {
  if (!is_known_type(t)) return "type " + std::to_string(t);
  return std::to_string(t) + " (" + std::string(english_name(MessageType(t))) + ")";
}

struct ClientSocket {
  Endpoint original;  // the script's endpoint for this client
  std::unique_ptr<io::UdpSocket> socket;  // connected to the server
  std::uint16_t next_seq = 0;
  std::optional<std::pair<std::uint16_t, std::uint8_t>> last_server_request;  // seq, type
  bool connected = false;  // its Connexion was acknowledged, no Deconnexion since
};

// How long a client stopped by a signal waits for the ACK of its
// Deconnexion: one sending, no retransmission, so Ctrl-C is prompt.
constexpr std::int64_t kDisconnectWaitNs = 1'000'000'000;

class ClientRun {
 public:
  ClientRun(const std::vector<Item>& items, const ClientOptions& o, std::FILE* out)
      : items_(items), o_(o), out_(out), random_(o.seed) {}

  int run() {
    start_ = monotonic_ns();
    for (std::size_t i = 0; i < items_.size() && !tools::stop_signal; ++i) {
      const Item& it = items_[i];
      if (it.dst.port != o_.script_server_port || it.bytes.size() < kHeaderBytes) continue;
      if (o_.follow_script_times) wait_until(start_ + it.offset_ns);
      if (tools::stop_signal) break;
      ClientSocket& c = client(it.src);
      Header h = unpack(load_be32(it.bytes.data()));
      bool request = is_known_type(h.type) && is_request(MessageType(h.type));
      bool forced = it.line && it.line->header.seq;
      std::uint16_t seq = h.seq;
      if (request && !forced) seq = c.next_seq;
      if (request) c.next_seq = seq_add(seq, 1);  // a forced number moves the counter on
      if (!request) {
        // The client answers the server's requests itself, as they arrive
        // (a scripted answer would answer a second time).
        report_skipped(i, c, h.type);
        continue;
      }
      std::vector<std::uint8_t> bytes = encode(it, seq);
      exchange(i, c, h.type, seq, bytes, expected_answer(i));
    }
    if (tools::stop_signal) {
      disconnect_all();
    } else {
      // Late requests from the server (relayed messages, probes) still get answers.
      serve_until(monotonic_ns() + std::int64_t(o_.linger_s * 1e9));
    }
    summary();
    return (unanswered_ || mismatched_) ? 1 : 0;
  }

 private:
  ClientSocket& client(Endpoint original) {
    auto it = clients_.find(original);
    if (it != clients_.end()) return it->second;
    ClientSocket c;
    c.original = original;
    c.socket = std::make_unique<io::UdpSocket>(Endpoint{o_.bind_ipv4, 0});
    c.socket->connect(o_.server);
    c.next_seq = o_.first_seq;
    return clients_.emplace(original, std::move(c)).first->second;
  }

  std::vector<std::uint8_t> encode(const Item& it, std::uint16_t seq) {
    std::vector<std::uint8_t> out;
    if (it.line && !it.line->payload) {
      script::encode_datagram(*it.line, seq, scratch_, out);
    } else {
      out = it.bytes;
      Header h = unpack(load_be32(out.data()));
      h.seq = seq;
      store_be32(out.data(), pack(h));
    }
    return out;
  }

  // The answer type the script shows next for this request, if any.
  std::optional<std::uint8_t> expected_answer(std::size_t i) const {
    const Item& req = items_[i];
    for (std::size_t j = i + 1; j < items_.size(); ++j) {
      const Item& a = items_[j];
      if (a.src == req.dst && a.dst == req.src && a.bytes.size() >= kHeaderBytes) {
        auto t = unpack(load_be32(a.bytes.data())).type;
        if (is_known_type(t) && !is_request(MessageType(t))) return t;
      }
      if (a.src == req.src && a.dst == req.dst) break;  // the client's next request
    }
    return std::nullopt;
  }

  void send(ClientSocket& c, const std::vector<std::uint8_t>& bytes) { c.socket->send(bytes); }

  void wait_until(std::int64_t due) {
    while (monotonic_ns() < due && !tools::stop_signal) serve_until(due);
  }

  // Serves the server's requests until `due`, or until the answer to
  // (c, seq, type) arrives (then returns true and sets `answer`).
  bool poll_once(std::int64_t due, const ClientSocket* waiting, std::uint16_t seq,
                 std::uint8_t request_type, std::uint8_t& answer) {
    std::vector<pollfd> fds;
    std::vector<ClientSocket*> owners;
    for (auto& [k, c] : clients_) {
      fds.push_back({c.socket->fd(), POLLIN, 0});
      owners.push_back(&c);
    }
    std::int64_t left = due - monotonic_ns();
    if (left <= 0) return false;
    int timeout = int((left + 999'999) / 1'000'000);
    if (fds.empty()) {
      ::poll(nullptr, 0, timeout);
      return false;
    }
    if (::poll(fds.data(), fds.size(), timeout) <= 0) return false;
    bool got = false;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLERR))) continue;
      for (;;) {
        auto datagram = owners[i]->socket->receive(buf_);
        if (!datagram) break;
        if (datagram->bytes.size() < kHeaderBytes) continue;
        Header h = unpack(load_be32(datagram->bytes.data()));
        if (!is_known_type(h.type)) continue;
        auto t = MessageType(h.type);
        ClientSocket& c = *owners[i];
        if (is_request(t)) {
          answer_server(c, h);
          continue;
        }
        if (&c == waiting && h.seq == seq && answers(MessageType(request_type), t, false)) {
          answer = h.type;
          got = true;
        }
      }
    }
    return got;
  }

  void serve_until(std::int64_t due) {
    std::uint8_t ignored = 0;
    while (monotonic_ns() < due && !tools::stop_signal) poll_once(due, nullptr, 0, 0, ignored);
  }

  // Stopped by a signal: every client the server still counts as connected
  // says goodbye, so the server does not keep (and probe) a dead client.
  void disconnect_all() {
    for (auto& [original, c] : clients_) {
      if (!c.connected) continue;
      std::uint16_t seq = c.next_seq;
      c.next_seq = seq_add(seq, 1);
      std::vector<std::uint8_t> bytes(kHeaderBytes);
      store_be32(bytes.data(), pack(Header{seq, std::uint8_t(MessageType::Disconnect), 0, 0}));
      send(c, bytes);
      std::int64_t sent = monotonic_ns(), due = sent + kDisconnectWaitNs;
      std::uint8_t got = 0;
      bool answered = false;
      while (!answered && monotonic_ns() < due)
        answered = poll_once(due, &c, seq, std::uint8_t(MessageType::Disconnect), got);
      std::string what = std::string("stopped by ") + tools::stop_signal_name() + ": " +
                         format_endpoint(c.socket->local_endpoint()) + " " +
                         type_text(std::uint8_t(MessageType::Disconnect)) + " seq=" + std::to_string(seq);
      std::string json = "{\"event\":\"disconnect\",\"signal\":\"" + std::string(tools::stop_signal_name()) +
                         "\",\"seq\":" + std::to_string(seq);
      if (answered) {
        c.connected = false;
        char ms[32];
        std::snprintf(ms, sizeof ms, "%.3f", double(monotonic_ns() - sent) / 1e6);
        line(what + ": answered by " + type_text(got) + " in " + ms + " ms",
             json + ",\"answer\":" + std::to_string(got) + ",\"rtt_ms\":" + ms + "}");
      } else {
        line(what + ": no answer within 1 s", json + ",\"answer\":null}");
      }
    }
  }

  void answer_server(ClientSocket& c, const Header& request) {
    auto t = MessageType(request.type);
    c.last_server_request = {request.seq, request.type};
    MessageType reply = MessageType::Ack;
    if (t == MessageType::Invitation)
      reply = o_.refuse_invitations ? MessageType::RefuseInvitation : MessageType::AcceptInvitation;
    else if (t == MessageType::ChatMessage)
      reply = MessageType::Ack;
    Header h{request.seq, std::uint8_t(reply), 0, 0};
    std::vector<std::uint8_t> bytes(kHeaderBytes);
    store_be32(bytes.data(), pack(h));
    send(c, bytes);
    ++served_;
    line("server request " + type_text(request.type) + " seq=" + std::to_string(request.seq) +
             " to " + format_endpoint(c.socket->local_endpoint()) + ": answered " +
             type_text(std::uint8_t(reply)),
         "{\"event\":\"served\",\"type\":" + std::to_string(request.type) + ",\"seq\":" +
             std::to_string(request.seq) + ",\"answer\":" + std::to_string(int(reply)) + "}");
  }

  void exchange(std::size_t i, ClientSocket& c, std::uint8_t type, std::uint16_t seq,
                const std::vector<std::uint8_t>& bytes, std::optional<std::uint8_t> expected) {
    ++requests_;
    unsigned tries = 0;
    std::optional<std::uint8_t> answer;
    std::int64_t last_send = 0;
    double timeout_s = o_.first_timeout_min_s +
                       random_.unit() * (o_.first_timeout_max_s - o_.first_timeout_min_s);
    while (!answer && tries < o_.tries && !tools::stop_signal) {
      send(c, bytes);
      last_send = monotonic_ns();
      ++tries;
      std::int64_t due = last_send + std::int64_t(timeout_s * 1e9);
      std::uint8_t got = 0;
      while (monotonic_ns() < due && !tools::stop_signal) {
        if (poll_once(due, &c, seq, type, got)) {
          answer = got;
          break;
        }
      }
      timeout_s *= 2;
    }
    std::int64_t rtt = monotonic_ns() - last_send;
    std::string where = where_in_input(i) +
                        " " + format_endpoint(c.socket->local_endpoint()) + " " +
                        type_text(type) + " seq=" + std::to_string(seq);
    std::string json = std::string("{\"event\":\"request\",") +
                       (items_[i].line ? "\"line\":" + std::to_string(items_[i].line->line)
                                       : "\"frame\":" + std::to_string(items_[i].frame)) +
                       ",\"type\":" + std::to_string(type) + ",\"seq\":" + std::to_string(seq) +
                       ",\"retries\":" + std::to_string(tries - 1);
    if (!answer) {
      ++unanswered_;
      std::string why = tools::stop_signal ? std::string(": stopped by ") + tools::stop_signal_name() + " after "
                                           : std::string(": no answer after ");
      line(where + why + std::to_string(tries) + " tries", json + ",\"answer\":null}");
      return;
    }
    rtts_.push_back(rtt);
    if (type == std::uint8_t(MessageType::Connect) && *answer == std::uint8_t(MessageType::Ack))
      c.connected = true;
    if (type == std::uint8_t(MessageType::Disconnect)) c.connected = false;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", double(rtt) / 1e6);
    std::string text = where + ": answered by " + type_text(*answer) + " in " + ms + " ms, " +
                       std::to_string(tries - 1) + " retr" + (tries == 2 ? "y" : "ies");
    json += ",\"answer\":" + std::to_string(*answer) + ",\"rtt_ms\":" + ms;
    if (expected && *expected != *answer) {
      ++mismatched_;
      text += "; the script expects " + type_text(*expected);
      json += ",\"expected\":" + std::to_string(*expected);
    }
    line(text, json + "}");
  }

  void report_skipped(std::size_t i, ClientSocket& c, std::uint8_t type) {
    line(where_in_input(i) + " " + format_endpoint(c.socket->local_endpoint()) + " " +
             type_text(type) + ": not sent (the client answers the server's requests itself)",
         "{\"event\":\"skipped\",\"type\":" + std::to_string(type) + "}");
  }

  // "line N" of a script, or "frame N" of a capture.
  std::string where_in_input(std::size_t i) const {
    return items_[i].line ? "line " + std::to_string(items_[i].line->line)
                          : "frame " + std::to_string(items_[i].frame);
  }

  void line(const std::string& text, const std::string& json) {
    std::fprintf(out_, "%s\n", o_.json ? json.c_str() : text.c_str());
    std::fflush(out_);
  }

  void summary() {
    std::sort(rtts_.begin(), rtts_.end());
    auto ms = [](std::int64_t ns) { return double(ns) / 1e6; };
    double mn = rtts_.empty() ? 0 : ms(rtts_.front());
    double med = rtts_.empty() ? 0 : ms(rtts_[rtts_.size() / 2]);
    double mx = rtts_.empty() ? 0 : ms(rtts_.back());
    char buf[512];
    if (o_.json)
      std::snprintf(buf, sizeof buf,
                    "{\"summary\":{\"requests\":%" PRIu64 ",\"answered\":%zu,\"unanswered\":%" PRIu64
                    ",\"unexpected_answers\":%" PRIu64 ",\"served\":%" PRIu64
                    ",\"rtt_ms\":{\"min\":%.3f,\"median\":%.3f,\"max\":%.3f}%s}}",
                    requests_, rtts_.size(), unanswered_, mismatched_, served_, mn, med, mx,
                    !tools::stop_signal ? ""
                    : tools::stop_signal == SIGINT ? ",\"stopped_by\":\"SIGINT\""
                                                   : ",\"stopped_by\":\"SIGTERM\"");
    else
      std::snprintf(buf, sizeof buf,
                    "summary: %" PRIu64 " requests, %zu answered, %" PRIu64 " unanswered, %" PRIu64
                    " answered otherwise than the script expects; %" PRIu64
                    " server requests answered; RTT min %.3f ms, median %.3f ms, max %.3f ms%s%s",
                    requests_, rtts_.size(), unanswered_, mismatched_, served_, mn, med, mx,
                    tools::stop_signal ? "; stopped by " : "", tools::stop_signal ? tools::stop_signal_name() : "");
    std::fprintf(out_, "%s\n", buf);
  }

  const std::vector<Item>& items_;
  const ClientOptions& o_;
  std::FILE* out_;
  SeededRandom random_;
  std::map<Endpoint, ClientSocket> clients_;
  std::string scratch_;
  std::array<std::uint8_t, io::UdpSocket::kReceiveBytes> buf_{};  // one datagram received
  std::int64_t start_ = 0;
  std::uint64_t requests_ = 0, unanswered_ = 0, mismatched_ = 0, served_ = 0;
  std::vector<std::int64_t> rtts_;
};

}  // namespace

int run_client(const std::vector<Item>& items, const ClientOptions& options, std::FILE* out) {
  return ClientRun(items, options, out).run();
}

}  // namespace imup::inject
