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
// Fed one decoded datagram at a time with its capture time; state per
// endpoint pair is bounded (the last requests, as many as the answer cache), and
// idle pairs are forgotten, so memory does not grow with the capture.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/codec.hpp"
#include "codec/limits.hpp"
#include "rtt_histogram.hpp"
#include "violation_codes.hpp"

namespace imup::verify {

struct Violation {
  Code code;
  std::uint64_t frame = 0;
  std::int64_t time_ns = 0;
  Endpoint src, dst;
  int type = -1;  // -1 when unknown
  int seq = -1;
  std::string detail;
};

struct TrackerOptions {
  std::uint16_t server_port = kDefaultPort;
  unsigned max_tries = kTries;  // codec/limits.hpp, as the values below
  std::int64_t min_retransmit_ns = std::chrono::nanoseconds(kMinRetransmitInterval).count();
  // A request still unanswered this long after its first try is reported
  // (5 tries with 3 s doubling timeouts give up after 93 s).
  std::int64_t give_up_ns = 100'000'000'000;
};

enum class Role : std::uint8_t { ClientToServer, ServerToClient, PeerToPeer, NotImup };

struct TrackerStats {
  std::uint64_t requests = 0;
  std::uint64_t answers = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t unanswered = 0;
  RttHistogram rtt;
};

// One IMUP datagram whose header decoded, as the tracker reads it: built
// once per datagram by the caller and passed down by reference.
struct Seen {
  std::uint64_t frame = 0;
  std::int64_t time_ns = 0;
  Endpoint src, dst;
  Role role = Role::NotImup;
  Header header;
  bool well_formed = false;          // its text decoded too
  const Message* message = nullptr;  // read only for type 11 (the member lists)
  std::span<const std::uint8_t> bytes;
};

class ExchangeTracker {
 public:
  using Sink = std::function<void(Violation&&)>;
  ExchangeTracker(TrackerOptions options, Sink sink) : opt_(options), sink_(std::move(sink)) {}

  // Which conversation a datagram belongs to, by the server port; direct
  // traffic counts when one end is a client seen talking to the server or a
  // member learned from a decentralized group update (name SP ipv4:port).
  Role classify(Endpoint src, Endpoint dst) const {
    if (dst.port == opt_.server_port) [[likely]] return Role::ClientToServer;
    if (src.port == opt_.server_port) [[likely]] return Role::ServerToClient;
    return classify_direct(src, dst);
  }

  // One datagram. For types other than 11 `message` may be null even when
  // the datagram is well formed.
  void datagram(const Seen& s);
  // The same from its parts, with well_formed = (message != nullptr).
  void datagram(std::uint64_t frame, std::int64_t time_ns, Endpoint src, Endpoint dst, Role role,
                const Header& header, const Message* message,
                std::span<const std::uint8_t> bytes) {
    datagram(Seen{frame, time_ns, src, dst, role, header, message != nullptr, message, bytes});
  }
  // Types whose message datagram() reads (the others need only the header).
  static constexpr bool needs_message(std::uint8_t type) {
    return type == std::uint8_t(MessageType::GroupUpdate);
  }

  // Reports what is still unanswered (end of a capture) and forgets everything.
  void finish(std::int64_t end_ns);

  const TrackerStats& stats() const { return stats_; }

 private:
  struct Request {
    bool used = false;
    bool answered = false;
    bool resent_after_answer = false;
    bool from_server = false;
    bool malformed = false;  // its text did not decode: a receiver may drop it
    std::uint8_t type = 0;
    std::uint8_t low = 0;
    std::uint16_t seq = 0;
    std::uint8_t tries = 0;
    std::uint8_t answer_type = 0;
    std::uint64_t frame = 0;
    std::int64_t first_ns = 0;
    std::int64_t last_ns = 0;
    std::uint64_t answer_hash = 0;
    std::uint64_t request_hash = 0;  // its bytes: a resend repeats them (§14)
  };
  static constexpr std::size_t kCache = kAnswerCacheEntries;
  static constexpr std::uint8_t kNoSlot = 0xFF;
  struct Client;
  struct Pair {  // requests sent by `from` to `to`
    Endpoint from, to;
    std::array<Request, kCache> ring{};
    std::array<std::uint8_t, kSeqModulo> slot_of_seq;  // kNoSlot or an index into ring
    std::size_t next = 0;
    std::size_t outstanding = 0;
    bool has_last = false;
    std::uint16_t last_new_seq = 0;
    std::int64_t last_active_ns = 0;
    // The client end's state, for a pair with the server (the client is the
    // same for every datagram of a pair): looked up once, then kept here.
    // Null when unknown or forgotten (sweep() forgets clients).
    Client* client = nullptr;
  };
  static constexpr std::int8_t kModeUnknown = -1;
  struct Client {
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
    // Back to a fresh Client{} (every field above), but the strings and
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
  struct PairKey {
    std::uint64_t a, b;
    bool operator==(const PairKey&) const = default;
  };
  struct PairHash {
    std::size_t operator()(const PairKey& k) const {
      return std::size_t(k.a * 0x9E3779B97F4A7C15ull ^ (k.b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full);
    }
  };
  static std::uint64_t key_of(Endpoint e) { return std::uint64_t(e.ipv4) << 16 | e.port; }

  Role classify_direct(Endpoint src, Endpoint dst) const;
  Pair& pair(Endpoint from, Endpoint to, std::int64_t now);
  struct PairSlot;
  [[gnu::noinline]] Pair& pair_slow(PairSlot& slot, PairKey key, Endpoint from, Endpoint to,
                                    std::int64_t now);
  [[gnu::noinline]] Client* client_of(Pair& p, Endpoint e);
  const Client* find_client(Endpoint e) const;
  bool lists(const Client* c, Endpoint e) const;
  void group_update(const Seen& s, const Message* m, Client& c);
  void check_modes(const Seen& s, const Client& c);
  void check_peer(const Seen& s);
  Request* find(Pair& p, std::uint16_t seq);
  void request(const Seen& s, Pair& p, Client* c);
  void answer(const Seen& s, Pair& p, Client* c);
  void report_unanswered(const Pair& p, const Request& r, std::int64_t now, bool at_end);
  void sweep(std::int64_t now);
  // A violation by the datagram `s` itself.
  void emit(Code c, const Seen& s, std::string detail) {
    emit(c, s.frame, s.time_ns, s.src, s.dst, s.header.type, s.header.seq, std::move(detail));
  }
  void emit(Code c, std::uint64_t frame, std::int64_t now, Endpoint src, Endpoint dst, int type,
            int seq, std::string detail);

  TrackerOptions opt_;
  Sink sink_;
  std::unordered_map<PairKey, Pair, PairHash> pairs_;
  std::unordered_map<std::uint64_t, Client> clients_;
  // Endpoints named in decentralized group updates, with when they were last
  // listed or heard: direct traffic to or from them is IMUP (§10).
  std::unordered_map<std::uint64_t, std::int64_t> peers_;
  std::unordered_map<std::string, std::uint64_t> client_by_name_;
  // A small direct-mapped lookaside table in front of pairs_: a capture
  // interleaves a handful of active conversations (a request and its answer
  // share a pair, which also holds its client; a relayed message touches each
  // member in turn), so most lookups hit here without hashing into the map's
  // buckets. Map nodes never move, so the pointers stay valid until entries
  // are erased, which only sweep() and finish() do; both clear this table.
  static constexpr std::size_t kLookaside = 64;
  struct PairSlot {
    PairKey key{};
    Pair* pair = nullptr;
  };
  std::array<PairSlot, kLookaside> pair_slots_{};
  static std::size_t slot_of(std::uint64_t key) {
    return std::size_t((key * 0x9E3779B97F4A7C15ull) >> 58);  // top 6 bits: 64 slots
  }
  void clear_lookaside() {
    pair_slots_.fill({});
  }
  std::int64_t last_sweep_ns_ = 0;
  TrackerStats stats_;
};

}  // namespace imup::verify
