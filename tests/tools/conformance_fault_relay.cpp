// SPDX-License-Identifier: GPL-2.0-or-later
// imup-test-fault-relay: a UDP relay in front of the reference server that
// gives it exactly one fault, for tests/tools/conformance_faults.sh: the
// imup-conformance case that checks the rule must fail, the others pass.
//
//   imup-test-fault-relay LISTEN SERVER FAULT
//
// Prints "listening on ADDR:PORT" first. Each client gets its own upstream
// socket, as with imup-impair. FAULT is one of:
//   resent-connect-refused  a Connexion resent with the same bytes gets 2 (not the cached 8)
//   long-name-accepted      a Connexion with a name over 20 characters gets 8
//   truncated-answered      a datagram shorter than 4 bytes gets an 8
//   unknown-recipient-acked the server's 14 reaches the client as an 8
//   fast-resend             every 9 is sent again 1 s later, same bytes
//   oversized-truncated     a datagram over 1028 bytes is cut to 1028 and passed on
#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "codec/codec.hpp"
#include "codec/text.hpp"
#include "io/monotonic_clock.hpp"
#include "io/socket_address.hpp"
#include "io/udp_socket.hpp"

namespace {

using imup::Endpoint;
using imup::io::UdpSocket;
using Bytes = std::vector<std::uint8_t>;

struct Later {
  std::int64_t due_ns;
  Endpoint to;
  Bytes bytes;
};

std::size_t utf8_chars(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s LISTEN SERVER FAULT\n", argv[0]);
    return 2;
  }
  auto listen = imup::io::parse_socket_address(argv[1], imup::io::kBindAddress);
  auto server_parsed = imup::io::parse_socket_address(argv[2], imup::io::kPeerAddress);
  if (!std::holds_alternative<Endpoint>(listen) || !std::holds_alternative<Endpoint>(server_parsed)) {
    std::fprintf(stderr, "%s: bad address\n", argv[0]);
    return 2;
  }
  const Endpoint server = std::get<Endpoint>(server_parsed);
  const std::string fault = argv[3];
  UdpSocket front(std::get<Endpoint>(listen));
  std::printf("listening on %s\n", imup::format_endpoint(front.local_endpoint()).c_str());
  std::fflush(stdout);

  std::map<Endpoint, std::unique_ptr<UdpSocket>> upstream;  // client -> its socket to the server
  std::map<Endpoint, std::vector<Bytes>> connects;          // Connexions seen, per client
  std::vector<Later> later;
  std::vector<std::uint8_t> buf(4096);
  auto answer = [&](const Endpoint& client, std::uint16_t seq, const imup::Body& body) {
    front.send_to(client, imup::encode(imup::Message{seq, body}));
  };
  for (;;) {
    std::vector<pollfd> fds{{front.fd(), POLLIN, 0}};
    std::vector<Endpoint> owners{Endpoint{}};
    for (auto& [client, s] : upstream) {
      fds.push_back({s->fd(), POLLIN, 0});
      owners.push_back(client);
    }
    ::poll(fds.data(), fds.size(), 50);
    std::int64_t now = imup::io::monotonic_ns();
    std::erase_if(later, [&](const Later& l) {
      if (l.due_ns > now) return false;
      front.send_to(l.to, l.bytes);
      return true;
    });
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      if (i == 0) {
        while (auto d = front.receive(buf)) {
          Endpoint client = d->from;
          Bytes bytes(d->bytes.begin(), d->bytes.end());
          auto& up = upstream[client];
          if (!up) up = std::make_unique<UdpSocket>(Endpoint{front.local_endpoint().ipv4, 0});
          auto decoded = imup::decode_lenient(bytes);
          if (fault == "truncated-answered" && bytes.size() < imup::kHeaderBytes) {
            answer(client, 0, imup::Ack{});
            continue;
          }
          if (fault == "oversized-truncated" && bytes.size() > imup::kMaxDatagramBytes) {
            bytes.resize(imup::kMaxDatagramBytes);
            bytes[imup::kMaxDatagramBytes - 2] = '\r';
            bytes[imup::kMaxDatagramBytes - 1] = '\n';
            auto h = imup::unpack(imup::load_be32(bytes.data()));
            h.length = imup::length_field_for(imup::kMaxTextBytes);
            imup::store_be32(bytes.data(), imup::pack(h));
          }
          if (decoded.header && decoded.header->type == 1) {
            auto& seen = connects[client];
            bool resent = std::find(seen.begin(), seen.end(), bytes) != seen.end();
            seen.push_back(bytes);
            if (fault == "resent-connect-refused" && resent) {
              answer(client, decoded.header->seq, imup::ConnectRefused{"nom de client deja utilise"});
              continue;
            }
            std::string text(bytes.begin() + imup::kHeaderBytes, bytes.end());
            while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
            if (fault == "long-name-accepted" && utf8_chars(text) > imup::kMaxNameChars) {
              answer(client, decoded.header->seq, imup::Ack{});
              continue;
            }
          }
          up->send_to(server, bytes);
        }
      } else {
        Endpoint client = owners[i];
        while (auto d = upstream[client]->receive(buf)) {
          Bytes bytes(d->bytes.begin(), d->bytes.end());
          auto decoded = imup::decode_lenient(bytes);
          if (decoded.header && fault == "unknown-recipient-acked" &&
              decoded.header->type == std::uint8_t(imup::MessageType::UnknownRecipient)) {
            answer(client, decoded.header->seq, imup::Ack{});
            continue;
          }
          if (decoded.header && fault == "fast-resend" &&
              decoded.header->type == std::uint8_t(imup::MessageType::Relayed))
            later.push_back({imup::io::monotonic_ns() + 1'000'000'000, client, bytes});
          front.send_to(client, bytes);
        }
      }
    }
  }
}
