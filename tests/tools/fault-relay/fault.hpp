// SPDX-License-Identifier: GPL-2.0-or-later
// One fault of imup-test-fault-relay: what the relay does to the datagrams
// between imup-conformance's clients and the reference server so that exactly
// one conformance case fails (tests/tools/conformance_faults.sh runs each).
//
// The relay gives each client endpoint its own upstream socket, so the server
// sees one endpoint per client, as without the relay. Every datagram passes
// through the fault's hooks first: a hook may change the bytes, send
// datagrams of its own through the Relay, and return Verdict::Drop to keep
// the datagram from going on.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codec/codec.hpp"

namespace imup::fault_relay {

using Bytes = std::vector<std::uint8_t>;

enum class Verdict { Pass, Drop };

// What a hook sees: the client the datagram comes from or goes to, its bytes
// (the hook may change them) and, when they decode leniently, their header.
struct Datagram {
  Endpoint client;
  Bytes bytes;
  std::optional<Header> header;
  // The decoded body when the bytes decode leniently (re-decoded after a hook
  // changes the bytes only if the hook asks, by calling redecode()).
  std::optional<Message> message;
  void redecode();
};

// The relay's actions, for hooks that answer on the server's behalf, hold a
// datagram back or send more.
class Relay {
 public:
  virtual ~Relay() = default;
  virtual void to_client(const Endpoint& client, const Bytes& bytes) = 0;
  virtual void to_server(const Endpoint& client, const Bytes& bytes) = 0;
  // Sends bytes to the client (to_server false) or to the server after delay_ms.
  virtual void later(std::int64_t delay_ms, const Endpoint& client, const Bytes& bytes, bool to_server) = 0;
  virtual std::int64_t now_ms() const = 0;
  void answer(const Endpoint& client, std::uint16_t seq, const Body& body) {
    to_client(client, encode(Message{seq, body}));
  }
};

struct Fault {
  std::string name;         // the relay's FAULT argument, e.g. "resent-connect-refused"
  std::string breaks;       // the imup-conformance case id it must make fail
  std::string description;  // one line: what the faulty server does
  // From a client on its way to the server, and from the server on its way to
  // a client. Either may be empty (pass everything). Hooks keep their own state
  // in their closures.
  std::function<Verdict(Relay&, Datagram&)> from_client;
  std::function<Verdict(Relay&, Datagram&)> from_server;
  // Arguments the reference server needs for the fault to show, when the
  // relay alone cannot make the case fail (e.g. a small limit), and
  // imup-conformance's matching options (--max-group-members N). Empty: none.
  std::string server_args = {};
  std::string conformance_args = {};
};

// Each file of faults adds its own list; fault_relay.cpp joins them.
std::vector<Fault> session_faults();  // §3, §4.2, §6, §8, §12: connection, names, length fields
std::vector<Fault> message_faults();  // §4.1, §5, §6.3, §8, §12: messages, garbage, sizes
std::vector<Fault> timer_faults();    // §7, §14: the server's retransmissions and probes
std::vector<Fault> group_faults();    // §9-§11: invitations, groups, peers, the user list

// Helpers the fault files share.
inline bool is(const Datagram& d, MessageType t) { return d.header && d.header->type == std::uint8_t(t); }
// The text after the header, as sent, and without its line end.
std::string raw_text(const Datagram& d);
std::string text_line(const Datagram& d);
// Rewrites the header of D's bytes (and d.header) by F.
void rewrite_header(Datagram& d, const std::function<void(Header&)>& f);
// Replaces D's bytes by M encoded (and decodes them again).
void replace_message(Datagram& d, const Message& m);

}  // namespace imup::fault_relay
