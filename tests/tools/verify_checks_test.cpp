// SPDX-License-Identifier: GPL-2.0-or-later
// The verifier's tables and exchange logic, driven without a capture.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "exchange_tracker.hpp"
#include "rtt_histogram.hpp"
#include "violation_codes.hpp"

using namespace imup;
using namespace imup::verify;

TEST_CASE("datagram codes are the codec's fault names") {
  for (int f = 0; f < int(Fault::CrlfInField); ++f)
    CHECK(info(from_fault(Fault(f))).name == fault_name(Fault(f)));
}

TEST_CASE("code names are unique snake_case and explained") {
  std::set<std::string_view> seen;
  for (const auto& c : all_codes()) {
    CHECK(seen.insert(c.name).second);
    CHECK(c.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string_view::npos);
    CHECK_FALSE(c.explanation.empty());
    CHECK(code_by_name(c.name) == c.code);
  }
}

TEST_CASE("RTT histogram quantiles are within 2 percent") {
  RttHistogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.add(v * 1000);
  CHECK(h.min() == 1000);
  CHECK(h.max() == 100'000'000);
  CHECK(double(h.quantile(0.5)) == Approx(50'000'000).epsilon(0.02));
  CHECK(double(h.quantile(0.99)) == Approx(99'000'000).epsilon(0.02));
}

namespace {
struct Harness {
  std::vector<Violation> seen;
  ExchangeTracker t{TrackerOptions{}, [this](Violation&& v) { seen.push_back(std::move(v)); }};
  Endpoint client{0x7F000001, 40000}, server{0x7F000001, 2017};
  std::uint64_t frame = 0;
  void send(bool from_client, std::uint8_t type, std::uint16_t seq, double at_s,
            std::uint8_t low = 0) {
    Header h{seq, type, 0, low};
    Endpoint s = from_client ? client : server, d = from_client ? server : client;
    std::uint8_t bytes[4];
    store_be32(bytes, pack(h));
    Message m;
    m.seq = seq;
    m.body = make_body(MessageType(type));
    t.datagram(++frame, std::int64_t(at_s * 1e9), s, d, t.classify(s, d), h, &m, bytes);
  }
  bool has(Code c) const {
    return std::any_of(seen.begin(), seen.end(), [&](const Violation& v) { return v.code == c; });
  }
};
}  // namespace

TEST_CASE("a clean connect, message and ACKs shows nothing, and counts the RTT") {
  Harness h;
  h.send(true, 1, 0, 0.0);
  h.send(false, 8, 0, 0.01);
  h.send(true, 18, 1, 1.0);
  h.send(false, 8, 1, 1.02);
  h.t.finish(2'000'000'000);
  CHECK(h.seen.empty());
  CHECK(h.t.stats().rtt.count() == 2);
  CHECK(h.t.stats().requests == 2);
}

TEST_CASE("a retransmission 2 s later is fine; one 1 s later is too soon") {
  Harness h;
  h.send(true, 1, 0, 0.0);
  h.send(true, 1, 0, 2.5);
  CHECK(h.seen.empty());
  h.send(true, 1, 0, 3.0);
  CHECK(h.has(Code::RetransmitTooSoon));
  CHECK(h.t.stats().retransmissions == 2);
}

TEST_CASE("the resent request's answer must be the cached one") {
  Harness h;
  h.send(true, 1, 0, 0.0);
  h.send(false, 8, 0, 0.01);
  h.send(true, 1, 0, 3.0);
  h.send(false, 8, 0, 3.01);
  CHECK(h.seen.empty());
  h.send(false, 8, 0, 3.02);
  CHECK(h.has(Code::DuplicateAnswer));
}

TEST_CASE("sequence numbers wrap around 1023 to 0 without complaint") {
  Harness h;
  h.send(true, 1, 1022, 0.0);
  h.send(false, 8, 1022, 0.01);
  h.send(true, 18, 1023, 0.1);
  h.send(false, 8, 1023, 0.11);
  h.send(true, 18, 0, 0.2);
  h.send(false, 8, 0, 0.21);
  CHECK(h.seen.empty());
  h.send(true, 18, 1000, 0.3);
  CHECK(h.has(Code::SeqNotIncreasing));
}

TEST_CASE("a message before the Connexion is reported once") {
  Harness h;
  h.send(true, 18, 0, 0.0);
  h.send(false, 8, 0, 0.01);
  h.send(true, 18, 1, 0.1);
  h.send(false, 8, 1, 0.11);
  CHECK(std::count_if(h.seen.begin(), h.seen.end(),
                      [](const Violation& v) { return v.code == Code::NotConnected; }) == 1);
}
