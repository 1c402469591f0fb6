// SPDX-License-Identifier: GPL-2.0-or-later
// The test client of imup-conformance: clients that speak IMUP to a live
// server through the codec, as a real client does (§6 numbering, the §7
// timers, answers to the server's requests, duplicates tolerated), and keep a
// transcript of what they sent and received for the failure report.
//
// A case gets a Context: it makes clients (each its own UDP socket, bound to
// the run's local address), waits on all of them at once (so that one
// client's liveness probe is answered while the case waits for another), and
// fails or skips by throwing.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/capture_writer.hpp"
#include "codec/codec.hpp"
#include "common/seeded_random.hpp"
#include "io/udp_socket.hpp"

namespace imup::conformance {

using Bytes = std::vector<std::uint8_t>;
using Seconds = std::chrono::duration<double>;

// What the run shares between its cases (which may run on several threads).
class Run {
 public:
  Endpoint server;
  Endpoint bind{0x7F000001, 0};  // 127.0.0.1, any port
  double timeout_scale = 1.0;
  unsigned client_tries = 6;     // sendings of one of our requests before giving up
  unsigned server_tries = 5;     // the most sendings the server may make (§7)
  std::size_t max_group_members = 100;  // the server's limits (§8), as the user says them
  std::size_t max_groups = 100;
  std::string tag;  // in every name, so that two runs (or other users) do not collide

  explicit Run(std::uint64_t seed);
  // -w FILE: every datagram sent and received, as pcapng. Throws CaptureError.
  void record_to(const std::string& path);
  void record(const Endpoint& src, const Endpoint& dst, std::span<const std::uint8_t> bytes);
  std::string close_recording();  // the error text, if the file could not be completed
  std::uint64_t next_random();
  // Whether the server probed the first client we connected (learned once).
  std::optional<bool> server_probes;
  std::mutex learned_mutex;
  // Whether PORT is new to this run (then it is taken). A port used before
  // would be a past client's endpoint, whose session the server remembers
  // for 120 s (§14): our fresh sequence numbers could look stale to it.
  bool claim_port(std::uint16_t port);

 private:
  std::mutex mutex_;
  std::set<std::uint16_t> used_ports_;
  std::unique_ptr<capture::CaptureWriter> writer_;
  SeededRandom random_;
};

struct CaseFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct CaseSkip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One datagram a client received, decoded (leniently: the case judges).
struct Received {
  double at = 0;            // seconds since the case started
  Endpoint from;
  Bytes bytes;
  Decoded decoded;
  bool from_server = true;
  const Message* message() const { return decoded.message ? &*decoded.message : nullptr; }
  MessageType type() const { return MessageType(decoded.header ? decoded.header->type : 0); }
};

class Context;

class Client {
 public:
  Client(Context& ctx, std::string label);
  const std::string& label() const { return label_; }
  std::string name;  // set by Context::connect
  Endpoint local() const { return local_; }

  // Requests (§6): the next sequence number, sent and resent by the §7
  // timers until an answer of one of ANSWERS' types with that number comes
  // (returned), or the tries run out (nullopt). Bytes are sent as given.
  std::optional<Received> request(const Body& body, std::set<MessageType> answers = {});
  std::optional<Received> request_bytes(const Bytes& datagram, std::set<MessageType> answers,
                                        std::uint16_t seq,
                                        const std::optional<Endpoint>& to = std::nullopt,
                                        unsigned tries = 0);  // 0: the run's --tries
  // Sends DATAGRAM (already sent once, answered) again by the §7 timers
  // until an answer with SEQ comes back: a deliberate resend (§6.3).
  std::optional<Received> resend(const Bytes& datagram, std::uint16_t seq);
  // A sequence number for a hand-made request (advances the counter).
  std::uint16_t take_seq() { return seq_++ & 0x3FF; }
  // Sends once, with no retransmission (garbage, answers, resends on purpose).
  void send_raw(const Bytes& datagram, const std::optional<Endpoint>& to = std::nullopt);
  void send(const Message& m, const std::optional<Endpoint>& to = std::nullopt);

  // Datagrams received and not yet taken, oldest first. Server requests
  // (9, 11, 12, 13) are answered 8 on arrival unless `silent`; a duplicate
  // of a request already received (same number, same bytes) is answered
  // again from our cache and not queued twice.
  std::deque<Received> inbox;
  bool silent = false;          // answer nothing (a client that vanished)
  bool answer_probes = true;    // 12 -> 8 (false: leave the return path unproved)
  std::set<std::uint8_t> no_auto_ack;  // types left for the case to answer
  // Every request received from the server, duplicates included, by type.
  std::vector<Received> all_requests;

  // Waits (pumping every client of the context) for the first inbox datagram
  // that matches; removes and returns it.
  std::optional<Received> expect(std::function<bool(const Received&)> match, Seconds wait);
  std::optional<Received> expect_type(MessageType t, Seconds wait);
  // Whatever datagram of type T is in the inbox now (after pumping WAIT).
  bool got_within(MessageType t, Seconds wait);

  // Answers a server request now (an invitation: 5 or 6).
  void answer(const Received& request, const Body& answer);

 private:
  friend class Context;
  void on_datagram(const Endpoint& from, std::span<const std::uint8_t> bytes);
  Context& ctx_;
  std::string label_;
  std::unique_ptr<io::UdpSocket> socket_;
  Endpoint local_;
  std::uint16_t seq_;
  // Our answers to the server's (and peers') requests, for their resends.
  std::map<std::pair<Endpoint, std::uint16_t>, std::pair<Bytes, Bytes>> answered_;
  // Answers to our requests, by sequence number, until taken by request().
  std::map<std::uint16_t, Received> answers_;
  std::map<std::uint16_t, Endpoint> outstanding_;  // our requests in flight, to whom
};

class Context {
 public:
  Context(Run& run, std::string case_id);
  ~Context();
  Run& run() { return run_; }
  double now() const;  // seconds since the case started
  // Timeouts of the case scaled by --timeout-scale.
  Seconds scaled(double seconds) const { return Seconds(seconds * run_.timeout_scale); }

  Client& client(const std::string& label);
  // A fresh client connected as NAME_BASE + the run's tag (refused: the
  // case fails), its liveness probe answered, and (proved) listed.
  // VERIFY false: the listing is left to the case (many clients at once).
  Client& connect(const std::string& label, bool verify = true);
  // Connexion of C as NAME (again: a new session), its probe answered.
  void admit(Client& c, const std::string& name, bool verify);
  std::string unique_name(const std::string& base) const;
  // Whether C's name shows in its own listing (tried for a few seconds: the
  // server lists an endpoint once its return path is proved, §14).
  bool await_listed(Client& c);
  // The whole user list, page by page, as one client sees it.
  std::vector<UserEntry> list_all(Client& c, std::vector<Received>* pages = nullptr);
  // Pumps every client's socket until the deadline or MATCH says stop.
  void pump(Seconds wait, const std::function<bool()>& done = {});
  // The group flow of §9.2: OWNER invites INVITEES in MODE; each accepts;
  // returns when every member has its 11 listing them all.
  void open_group(Client& owner, const std::vector<Client*>& invitees, Mode mode);
  // Disconnects every connected client (at the end of the case).
  void disconnect_all();

  [[noreturn]] void fail(const std::string& why);
  [[noreturn]] void skip(const std::string& why);
  void note(const std::string& line);  // transcript
  std::string transcript_tail(std::size_t lines) const;
  // Text of a datagram for people: the codec's description, or why not.
  static std::string show(std::span<const std::uint8_t> bytes);

 private:
  friend class Client;
  Run& run_;
  std::string case_id_;
  std::int64_t start_ns_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::vector<std::string> transcript_;
};

// Encodes M (the codec refuses what breaks a rule: then the case is wrong).
Bytes encode_or_throw(const Message& m);
// Header + raw text, for datagrams the codec would refuse to build.
Bytes craft(std::uint16_t seq, std::uint8_t type, std::string_view text, std::uint8_t low = 0,
            std::optional<std::uint16_t> length_field = std::nullopt);

}  // namespace imup::conformance
