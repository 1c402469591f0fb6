// SPDX-License-Identifier: GPL-2.0-or-later
// The IMUP session and group model of imup-verify (docs/PROTOCOL.md §5,
// §9, §10): per client, its Connexion, its name, its group and the group's
// mode, the type-11 member lists (which may span several datagrams, D19);
// the endpoints those lists name, between which direct traffic is IMUP; and
// the checks that need them: Connexion first, the invitation flow, the mode
// bits against the group's mode, messages against membership, peer-to-peer
// traffic only between members of one decentralized group. It knows nothing
// of numbering or retransmission (request_ledger.hpp).
//
// Idle clients and peers are forgotten by sweep().
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/codec.hpp"
#include "seen.hpp"
#include "violation.hpp"

namespace imup::verify {

struct ClientSession {
  static constexpr std::int8_t kModeUnknown = -1;
  bool connected = false;
  bool in_group = false;
  bool pending_offer = false;
  bool state_unknown = false;  // its session began before the capture: no group checks
  // The group's mode (0 centralized, 1 decentralized) as the flow set it:
  // the accepted 20's bits, the accepted 19's bits, the 11's member lines.
  std::int8_t group_mode = kModeUnknown;
  std::string name;          // from its accepted Connexion
  std::string pending_name;  // from its Connexion not yet answered
  // The last complete member list (type 11), and one being assembled from
  // parts sent with the more flag (D19): it applies only when complete.
  bool members_known = false;
  std::vector<GroupMember> members;
  std::vector<GroupMember> assembling;
  bool assembly_open = false;  // the last 11 part said more follow
  bool part_unacked = false;   // ... and its ACK has not been seen yet
  std::int64_t last_active_ns = 0;
  // The length convention (§3) the endpoint's first datagram with text used,
  // kept across its sessions (the endpoint's habit, not the session's).
  LengthConvention length_convention = LengthConvention::None;
  // Counts over the endpoint's life, sessions included (--clients): its
  // datagrams to and from the server, its new requests and their resends.
  std::uint64_t sent = 0, received = 0, requests = 0, retransmissions = 0;
  // Back to a fresh ClientSession{} (every field above but the convention and
  // the counts), but the strings and
  // vectors keep their storage: a client that disconnects usually connects
  // again, and this runs on every Disconnect.
  void forget_session() {
    connected = in_group = pending_offer = state_unknown = false;
    group_mode = kModeUnknown;
    name.clear();
    pending_name.clear();
    members_known = false;
    members.clear();
    assembling.clear();
    assembly_open = part_unacked = false;
    last_active_ns = 0;
  }
};

// What the session model reads of the request an answer closes.
struct ClosedRequest {
  std::uint8_t type = 0;
  std::uint8_t low = 0;
  bool from_server = false;
  std::uint64_t frame = 0;
};

class SessionModel {
 public:
  explicit SessionModel(const ViolationSink& sink) : sink_(sink) {}

  // Whether `e` is a client seen talking to the server or a member learned
  // from a decentralized group update (name SP ipv4:port).
  bool knows(Endpoint e) const {
    return clients_.contains(endpoint_key(e)) || peers_.contains(endpoint_key(e));
  }
  // The session of client `e`, made on first use (its address stays valid
  // until sweep() or clear()).
  [[gnu::noinline]] ClientSession& client(Endpoint e) { return clients_[endpoint_key(e)]; }
  // The session of client `e` if there is one, else null.
  ClientSession* find_client(Endpoint e) {
    auto it = clients_.find(endpoint_key(e));
    return it == clients_.end() ? nullptr : &it->second;
  }
  // Direct traffic: both ends stay known while they talk.
  void heard_peers(const Seen& s) {
    if (auto it = peers_.find(endpoint_key(s.src)); it != peers_.end()) it->second = s.time_ns;
    if (auto it = peers_.find(endpoint_key(s.dst)); it != peers_.end()) it->second = s.time_ns;
  }

  // A new request `s`; `c` is the client end's session (null between peers).
  void request(const Seen& s, ClientSession* c);
  // An answer `s` to request `r` of client `c`'s exchange with the server.
  void answer(const Seen& s, const ClosedRequest& r, ClientSession& c);

  void sweep(std::int64_t now, std::int64_t forget_idle_ns);
  void clear();

  // Every client known, with its endpoint, in no particular order.
  template <class F>
  void for_each_client(F&& f) const {
    for (const auto& [key, c] : clients_) f(Endpoint{std::uint32_t(key >> 16), std::uint16_t(key)}, c);
  }

 private:
  const ClientSession* find_client(Endpoint e) const;
  bool lists(const ClientSession* c, Endpoint e) const;
  void group_update(const Seen& s, const Message* m, ClientSession& c);
  void check_modes(const Seen& s, const ClientSession& c);
  void check_invitation_size(const Seen& s);
  void check_peer(const Seen& s);

  const ViolationSink& sink_;
  std::unordered_map<std::uint64_t, ClientSession> clients_;
  // Endpoints named in decentralized group updates, with when they were last
  // listed or heard: direct traffic to or from them is IMUP (§10).
  std::unordered_map<std::uint64_t, std::int64_t> peers_;
  std::unordered_map<std::string, std::uint64_t> client_by_name_;
};

}  // namespace imup::verify
