// SPDX-License-Identifier: GPL-2.0-or-later
// Turning parsed script lines into datagrams: timestamps from the TIME column,
// sequence numbers the way a well-behaved endpoint would number them (one
// counter per sender -> receiver pair for requests; answers echo the request
// they answer), length fields by the n - 1 rule, then whatever the line forces.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <utility>
#include <vector>

#include "message_script.hpp"
#include "packet/timestamp.hpp"

namespace imup::script {

struct EncodedLine {
  packet::Timestamp when;
  std::uint16_t seq = 0;
  std::vector<std::uint8_t> payload;  // the UDP payload (IMUP header + text)
  packet::FrameOptions frame;           // with bad-checksum already turned into a value
};

class ScriptEncoder {
 public:
  ScriptEncoder(packet::Timestamp start, std::int64_t gap_ns, std::uint16_t server_port)
      : start_(start), gap_ns_(gap_ns), server_port_(server_port) {}
  // Throws ScriptError when the codec refuses the message (a grammar or limit
  // it breaks); the message says how to force it with text= or payload=.
  void encode(const ScriptMessage& m, EncodedLine& out);
  // Moves the script's start (repeating a script: the next round begins later).
  void set_start(packet::Timestamp start) { start_ = start; }
  packet::Timestamp last_time() const { return packet::Timestamp::from_ns(last_ns_); }

  // The sequence number the rules give this line (advances the counters).
  std::uint16_t assign_seq(const ScriptMessage& m);

 private:
  struct Pending {
    std::uint16_t seq;
    std::uint8_t type;
  };
  struct PairState {
    std::uint16_t next = 0;
    std::optional<std::uint16_t> last_request;
    std::deque<Pending> outstanding;  // at most a window's worth are kept
  };
  packet::Timestamp start_;
  std::int64_t gap_ns_;
  std::uint16_t server_port_;
  std::optional<std::int64_t> last_ns_opt_;
  std::int64_t last_ns_ = 0;
  std::map<std::pair<Endpoint, Endpoint>, PairState> pairs_;
  std::string text_;
};

// Encodes the IMUP datagram of a line with a given sequence number (used by
// imup-inject, whose client mode numbers messages itself).
void encode_datagram(const ScriptMessage& m, std::uint16_t seq, std::string& scratch,
                     std::vector<std::uint8_t>& out);

// A UDP checksum that is certainly wrong for this datagram (for bad-checksum=yes).
std::uint16_t wrong_udp_checksum(Endpoint src, Endpoint dst, std::span<const std::uint8_t> payload);

}  // namespace imup::script
