// SPDX-License-Identifier: GPL-2.0-or-later
// A violation the exchange checks found, and the sink they report it to:
// one sink shared by the request ledger and the session model, so that
// violations come out in the order the checks make them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "seen.hpp"
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

class ViolationSink {
 public:
  using Sink = std::function<void(Violation&&)>;
  explicit ViolationSink(Sink sink) : sink_(std::move(sink)) {}

  // A violation by the datagram `s` itself.
  void emit(Code c, const Seen& s, std::string detail) const {
    emit(c, s.frame, s.time_ns, s.src, s.dst, s.header.type, s.header.seq, std::move(detail));
  }
  // Out of line: violations are rare, and the checks call this from many places.
  [[gnu::noinline]] void emit(Code c, std::uint64_t frame, std::int64_t now, Endpoint src,
                              Endpoint dst, int type, int seq, std::string detail) const {
    sink_(Violation{c, frame, now, src, dst, type, seq, std::move(detail)});
  }

 private:
  Sink sink_;
};

// "18 (Chat message)" or "type 99": how a violation's text names a type.
inline std::string type_label(std::uint8_t t) {
  if (!is_known_type(t)) return "type " + std::to_string(t);
  return std::to_string(t) + " (" + std::string(english_name(MessageType(t))) + ")";
}

}  // namespace imup::verify
