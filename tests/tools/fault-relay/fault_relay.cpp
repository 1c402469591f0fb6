// SPDX-License-Identifier: GPL-2.0-or-later
// imup-test-fault-relay: a UDP relay in front of the reference server that
// gives it exactly one fault (fault.hpp), for tests/tools/conformance_faults.sh:
// the imup-conformance case that checks the rule must fail, the others pass.
//
//   imup-test-fault-relay LISTEN SERVER FAULT
//   imup-test-fault-relay --list        one line per fault, tab-separated: name, case it
//                                       breaks, server arguments, imup-conformance
//                                       arguments ("-": none), what it does
//
// Prints "listening on ADDR:PORT" first. Each client gets its own upstream
// socket, as with imup-impair.
#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "codec/text.hpp"
#include "common/byte_order.hpp"
#include "fault.hpp"
#include "io/monotonic_clock.hpp"
#include "io/socket_address.hpp"
#include "io/udp_socket.hpp"

namespace imup::fault_relay {

void Datagram::redecode() {
  auto d = decode_lenient(bytes);
  header = d.header;
  message = d.message;
}

std::string raw_text(const Datagram& d) {
  return std::string(d.bytes.begin() + std::min(d.bytes.size(), kHeaderBytes), d.bytes.end());
}

std::string text_line(const Datagram& d) {
  std::string text = raw_text(d);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

void rewrite_header(Datagram& d, const std::function<void(Header&)>& f) {
  if (d.bytes.size() < kHeaderBytes) return;
  Header h = unpack(load_be32(d.bytes.data()));
  f(h);
  store_be32(d.bytes.data(), pack(h));
  d.redecode();
}

void replace_message(Datagram& d, const Message& m) {
  d.bytes = encode(m);
  d.redecode();
}

namespace {

using io::UdpSocket;

std::vector<Fault> all_faults() {
  std::vector<Fault> all;
  for (auto* list : {session_faults, message_faults, timer_faults, group_faults})
    for (auto& f : list()) all.push_back(std::move(f));
  return all;
}

class SocketRelay final : public Relay {
 public:
  SocketRelay(const Endpoint& listen, const Endpoint& server) : front_(listen), server_(server) {}

  Endpoint local_endpoint() const { return front_.local_endpoint(); }

  void to_client(const Endpoint& client, const Bytes& bytes) override { front_.send_to(client, bytes); }
  void to_server(const Endpoint& client, const Bytes& bytes) override {
    upstream(client).send_to(server_, bytes);
  }
  void later(std::int64_t delay_ms, const Endpoint& client, const Bytes& bytes, bool to_server) override {
    later_.push_back({now_ms() + delay_ms, client, bytes, to_server});
  }
  std::int64_t now_ms() const override { return io::monotonic_ns() / 1'000'000; }

  [[noreturn]] void run(const Fault& fault) {
    std::vector<std::uint8_t> buf(4096);
    for (;;) {
      std::vector<pollfd> fds{{front_.fd(), POLLIN, 0}};
      std::vector<Endpoint> owners{Endpoint{}};
      for (auto& [client, s] : upstream_) {
        fds.push_back({s->fd(), POLLIN, 0});
        owners.push_back(client);
      }
      ::poll(fds.data(), fds.size(), 20);
      send_due();
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        bool from_client = i == 0;
        UdpSocket& socket = from_client ? front_ : upstream(owners[i]);
        while (auto d = socket.receive(buf)) {
          Datagram dg{from_client ? d->from : owners[i], Bytes(d->bytes.begin(), d->bytes.end()), {}, {}};
          dg.redecode();
          if (peer_traffic(from_client, d->from, dg)) continue;
          auto& hook = from_client ? fault.from_client : fault.from_server;
          if (hook && hook(*this, dg) == Verdict::Drop) continue;
          if (from_client)
            to_server(dg.client, dg.bytes);
          else
            to_client(dg.client, dg.bytes);
        }
      }
    }
  }

 private:
  struct Later {
    std::int64_t due_ms;
    Endpoint client;
    Bytes bytes;
    bool to_server;
  };

  // Peers of a decentralized group (§10) talk to each other at the
  // addresses the server lists, which are the relay's upstream sockets: a
  // datagram there from another endpoint than the server is a peer's, passed
  // on to the client unhooked (the faults are the server's), and the
  // client's answer to it (same number) goes back to that peer from the
  // same upstream socket.
  bool peer_traffic(bool from_client, const Endpoint& from, const Datagram& d) {
    if (!d.header) return false;
    if (!from_client && from != server_) {
      peer_requests_[{d.client, d.header->seq}] = from;
      to_client(d.client, d.bytes);
      return true;
    }
    if (!from_client || d.header->type != std::uint8_t(MessageType::Ack)) return false;
    auto it = peer_requests_.find({d.client, d.header->seq});
    if (it == peer_requests_.end()) return false;
    upstream(d.client).send_to(it->second, d.bytes);
    peer_requests_.erase(it);
    return true;
  }

  UdpSocket& upstream(const Endpoint& client) {
    auto& up = upstream_[client];
    if (!up) up = std::make_unique<UdpSocket>(Endpoint{front_.local_endpoint().ipv4, 0});
    return *up;
  }
  void send_due() {
    std::int64_t now = now_ms();
    std::vector<Later> due;
    std::erase_if(later_, [&](Later& l) {
      if (l.due_ms > now) return false;
      due.push_back(std::move(l));
      return true;
    });
    for (auto& l : due) {
      if (l.to_server)
        to_server(l.client, l.bytes);
      else
        to_client(l.client, l.bytes);
    }
  }

  UdpSocket front_;
  Endpoint server_;
  std::map<Endpoint, std::unique_ptr<UdpSocket>> upstream_;  // client -> its socket to the server
  std::vector<Later> later_;
  std::map<std::pair<Endpoint, std::uint16_t>, Endpoint> peer_requests_;  // (client, number) -> the peer
};

}  // namespace
}  // namespace imup::fault_relay

int main(int argc, char** argv) {
  using namespace imup::fault_relay;
  auto faults = all_faults();
  if (argc == 2 && std::string(argv[1]) == "--list") {
    // Tab-separated: name, case, server arguments, imup-conformance
    // arguments ("-" when none), description.
    auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
    for (auto& f : faults)
      std::printf("%s\t%s\t%s\t%s\t%s\n", f.name.c_str(), f.breaks.c_str(), or_dash(f.server_args).c_str(),
                  or_dash(f.conformance_args).c_str(), f.description.c_str());
    return 0;
  }
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s LISTEN SERVER FAULT | --list\n", argv[0]);
    return 2;
  }
  auto listen = imup::io::parse_socket_address(argv[1], imup::io::kBindAddress);
  auto server = imup::io::parse_socket_address(argv[2], imup::io::kPeerAddress);
  if (!std::holds_alternative<imup::Endpoint>(listen) || !std::holds_alternative<imup::Endpoint>(server)) {
    std::fprintf(stderr, "%s: bad address\n", argv[0]);
    return 2;
  }
  auto fault = std::find_if(faults.begin(), faults.end(), [&](const Fault& f) { return f.name == argv[3]; });
  if (fault == faults.end()) {
    std::fprintf(stderr, "%s: no fault named %s (try --list)\n", argv[0], argv[3]);
    return 2;
  }
  SocketRelay relay(std::get<imup::Endpoint>(listen), std::get<imup::Endpoint>(server));
  std::printf("listening on %s\n", imup::format_endpoint(relay.local_endpoint()).c_str());
  std::fflush(stdout);
  relay.run(*fault);
}
