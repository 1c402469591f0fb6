// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer: imup-verify's datagram and exchange checks fed arbitrary
// sequences of datagrams between a server and four clients. Records:
// [who:1][time step:1][length:1][payload:length]; `who` picks the sender,
// receiver and whether it is direct (peer) traffic.
#include <cstddef>
#include <cstdint>
#include <span>

#include "codec/codec.hpp"
#include "exchange_tracker.hpp"

using namespace imup;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t violations = 0;
  verify::ExchangeTracker tracker(verify::TrackerOptions{},
                                  [&](verify::Violation&&) { ++violations; });
  const Endpoint server{0x7F000001, 2017};
  std::int64_t now = 0;
  std::uint64_t frame = 0;
  std::size_t at = 0;
  while (at + 3 <= size) {
    std::uint8_t who = data[at];
    now += std::int64_t(data[at + 1]) * 50'000'000;  // up to 12.75 s per step
    std::size_t len = data[at + 2];
    at += 3;
    if (len > size - at) len = size - at;
    std::span<const std::uint8_t> payload(data + at, len);
    at += len;
    Endpoint a{0x7F000002, std::uint16_t(40000 + (who & 3))};
    Endpoint b{0x7F000002, std::uint16_t(40000 + ((who >> 2) & 3))};
    Endpoint src, dst;
    if (who & 0x10) { src = a; dst = b; }          // peer to peer
    else if (who & 0x20) { src = server; dst = a; }
    else { src = a; dst = server; }
    auto decoded = decode_lenient(payload);
    if (!decoded.header) continue;
    tracker.datagram(++frame, now, src, dst, tracker.classify(src, dst), *decoded.header,
                     decoded.message ? &*decoded.message : nullptr, payload);
  }
  tracker.finish(now);
  return violations > size * 64 ? 1 : 0;  // never true; keeps the count observable
}
