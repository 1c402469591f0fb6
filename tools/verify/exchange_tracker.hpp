// SPDX-License-Identifier: GPL-2.0-or-later
// The exchange-level checks of imup-verify (docs/PROTOCOL.md §5-§10): who may
// send what, each request answered once by a matching answer, retransmission
// timing and tries, sequence numbers per sender across the wrap, the window,
// Connexion first, the invitation flow and group membership, and direct
// traffic only between members of a decentralized group, the mode bits
// against the group's mode, membership against the type-11 lists (which may
// span several datagrams, D19), and peer-to-peer exchanges between endpoints
// learned from those lists.
//
// Fed one decoded datagram at a time with its capture time. It classifies
// the datagram, checks who may send its type, and hands it to the two parts
// it composes: the request ledger (request_ledger.hpp: numbering, window,
// retransmissions, answers) and the session model (session_model.hpp:
// connections, groups, modes, peers). Both keep bounded state and forget idle
// entries, so memory does not grow with the capture.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <unordered_map>

#include "codec/codec.hpp"
#include "codec/limits.hpp"
#include "request_ledger.hpp"
#include "seen.hpp"
#include "session_model.hpp"
#include "timeouts.hpp"
#include "user_list_pager.hpp"
#include "violation.hpp"

namespace imup::verify {

struct TrackerOptions {
  // 0: not known yet; the Verifier learns it from the traffic and calls
  // ExchangeTracker::set_server_port.
  std::uint16_t server_port = kDefaultPort;
  unsigned max_tries = kTries;  // codec/limits.hpp, as the values below
  std::int64_t min_retransmit_ns = std::chrono::nanoseconds(kMinRetransmitInterval).count();
  // A request still unanswered this long after its first try is reported:
  // when its sender's last timeout has run out (timeout.hpp).
  std::int64_t give_up_ns = sender_gives_up_ns(kTries);
  // How often, in capture time, requests past their tries are reported and
  // idle state forgotten: a file needs it rarely; a live capture wants its
  // verdicts within a second of being due.
  std::int64_t sweep_every_ns = 10'000'000'000;
};

class ExchangeTracker {
 public:
  using Sink = ViolationSink::Sink;
  ExchangeTracker(TrackerOptions options, Sink sink)
      : server_port_(options.server_port),
        sink_(std::move(sink)),
        ledger_({options.max_tries, options.min_retransmit_ns, options.give_up_ns}, sink_),
        sessions_(sink_),
        pager_(sink_, options.give_up_ns),
        sweep_every_ns_(options.sweep_every_ns) {}
  // The parts keep a reference to sink_: the tracker stays where it is made.
  ExchangeTracker(const ExchangeTracker&) = delete;
  ExchangeTracker& operator=(const ExchangeTracker&) = delete;

  // Which conversation a datagram belongs to, by the server port; direct
  // traffic counts when one end is a client seen talking to the server or a
  // member learned from a decentralized group update (name SP ipv4:port).
  Role classify(Endpoint src, Endpoint dst) const {
    if (dst.port == server_port_) [[likely]] return Role::ClientToServer;
    if (src.port == server_port_) [[likely]] return Role::ServerToClient;
    return sessions_.knows(src) || sessions_.knows(dst) ? Role::PeerToPeer : Role::NotImup;
  }

  void set_server_port(std::uint16_t port) { server_port_ = port; }

  // One datagram. For types other than 11 `message` may be null even when
  // the datagram is well formed.
  void datagram(const Seen& s);
  // The same from its parts, with well_formed = (message != nullptr).
  void datagram(std::uint64_t frame, std::int64_t time_ns, Endpoint src, Endpoint dst, Role role,
                const Header& header, const Message* message,
                std::span<const std::uint8_t> bytes) {
    datagram(Seen{frame, time_ns, src, dst, role, header, message != nullptr, message, bytes});
  }
  // Types whose message datagram() reads (the others need only the header):
  // the group updates' member lines, the user list's start ids and pages.
  static constexpr bool needs_message(std::uint8_t type) {
    return type == std::uint8_t(MessageType::GroupUpdate) ||
           type == std::uint8_t(MessageType::ListRequest) ||
           type == std::uint8_t(MessageType::UserList);
  }

  // The capture clock reads `now` though no datagram came (a live capture):
  // the verdicts due by then (requests past their tries) are given.
  void advance(std::int64_t now) {
    if (now - last_sweep_ns_ > sweep_every_ns_) sweep(now);
  }

  // Reports what is still unanswered (end of a capture) and forgets everything.
  void finish(std::int64_t end_ns);

  const TrackerStats& stats() const { return ledger_.stats(); }
  const SessionModel& sessions() const { return sessions_; }

 private:
  void sweep(std::int64_t now);
  // The first length convention of a sender that has no ClientSession: the
  // server (few endpoints, and mostly the same one: the last one looked up is
  // kept), and peers never seen talking to the server.
  LengthConvention& other_convention(Endpoint sender);
  void check_length_convention(const Seen& s, LengthConvention& first);

  std::uint16_t server_port_;
  ViolationSink sink_;  // before the parts, which keep a reference to it
  RequestLedger ledger_;
  SessionModel sessions_;
  UserListPager pager_;
  std::int64_t sweep_every_ns_;
  std::int64_t last_sweep_ns_ = 0;
  std::unordered_map<std::uint64_t, LengthConvention> other_conventions_;
  std::uint64_t last_sender_key_ = ~std::uint64_t{0};
  LengthConvention* last_sender_convention_ = nullptr;
};

}  // namespace imup::verify
