// SPDX-License-Identifier: GPL-2.0-or-later
#include "script_encoder.hpp"

#include "codec/codec.hpp"
#include "codec/exchange.hpp"
#include "codec/limits.hpp"
#include "common/byte_order.hpp"
#include "packet/internet_checksum.hpp"

namespace imup::script {
namespace {
// Requests kept for their answers to match: as many as a receiver's answer
// cache holds answers for (§6.3).
constexpr std::size_t kKeptOutstanding = kAnswerCacheEntries;
}

std::uint16_t ScriptEncoder::assign_seq(const ScriptMessage& m) {
  auto& mine = pairs_[{m.src, m.dst}];
  std::uint8_t type = m.header.type.value_or(m.type);
  bool known = is_known_type(m.type);
  if (known && is_request(MessageType(m.type))) {
    std::uint16_t seq;
    if (m.header.seq) seq = *m.header.seq;
    else if (m.resend && mine.last_request) seq = *mine.last_request;
    else seq = mine.next;
    if (!(m.resend && !m.header.seq && mine.last_request)) {
      mine.next = seq_add(seq, 1);
      mine.outstanding.push_back({seq, type});
      if (mine.outstanding.size() > kKeptOutstanding) mine.outstanding.pop_front();
    }
    mine.last_request = seq;
    return seq;
  }
  // An answer echoes the oldest outstanding request of the other direction
  // that its type can answer.
  auto& theirs = pairs_[{m.dst, m.src}];
  std::optional<std::uint16_t> seq = m.header.seq;
  bool request_from_server = m.dst.port == server_port_;
  for (auto it = theirs.outstanding.begin(); it != theirs.outstanding.end(); ++it) {
    bool matches = is_known_type(it->type) && known &&
                   answers(MessageType(it->type), MessageType(m.type), request_from_server);
    if (seq ? it->seq == *seq : matches) {
      if (!seq) seq = it->seq;
      theirs.outstanding.erase(it);
      break;
    }
  }
  if (!seq) seq = theirs.last_request.value_or(0);
  return *seq;
}

void encode_datagram(const ScriptMessage& m, std::uint16_t seq, std::string& text,
                     std::vector<std::uint8_t>& out) {
  if (m.payload) {
    out = *m.payload;
    return;
  }
  if (m.raw_text) {
    text = *m.raw_text;
  } else if (is_known_type(m.type)) {
    text.clear();
    if (auto problem = encode_text(m.message, text))
      throw ScriptError(m.line, "cannot encode: " + describe(*problem) +
                                    " (write the bytes with text=\"...\" or payload=HEX to send "
                                    "it anyway)");
  } else {
    text.clear();
  }
  Header h;
  h.seq = seq;
  h.type = m.header.type.value_or(m.type);
  h.length = m.header.length.value_or(length_field_for(text.size()));
  h.low = m.header.low.value_or(is_known_type(m.type) ? low_bits_of(m.message) : 0);
  out.resize(kHeaderBytes + text.size());
  store_be32(out.data(), pack(h));
  std::copy(text.begin(), text.end(), out.begin() + kHeaderBytes);
}

std::uint16_t wrong_udp_checksum(Endpoint src, Endpoint dst,
                                 std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> segment(8 + payload.size());
  store_be16(segment.data(), src.port);
  store_be16(segment.data() + 2, dst.port);
  store_be16(segment.data() + 4, std::uint16_t(segment.size()));
  std::copy(payload.begin(), payload.end(), segment.begin() + 8);
  std::uint16_t right = packet::udp_checksum(src.ipv4, dst.ipv4, segment);
  // Flipping bits keeps it non-zero and unlike the offload artefact.
  std::uint16_t wrong = std::uint16_t(right ^ 0x5A5A);
  return wrong == 0 ? 0x1234 : wrong;
}

void ScriptEncoder::encode(const ScriptMessage& m, EncodedLine& out) {
  std::int64_t base = start_.to_ns();
  std::int64_t prev = last_ns_opt_.value_or(base - gap_ns_);
  std::int64_t ns = 0;
  std::int64_t from = m.time.kind == TimeSpec::Kind::Absolute ? base
                      : m.time.kind == TimeSpec::Kind::Relative && !last_ns_opt_ ? base
                                                                                 : prev;
  std::int64_t step = m.time.kind == TimeSpec::Kind::Next ? gap_ns_ : m.time.ns;
  if (__builtin_add_overflow(from, step, &ns))
    throw ScriptError(m.line, "time out of range (beyond the year 2262)");
  last_ns_opt_ = ns;
  last_ns_ = ns;
  out.when = packet::Timestamp::from_ns(ns);
  out.seq = assign_seq(m);
  encode_datagram(m, out.seq, text_, out.payload);
  out.frame = m.frame;
  if (m.break_udp_checksum) out.frame.udp_checksum = wrong_udp_checksum(m.src, m.dst, out.payload);
}

}  // namespace imup::script
