// SPDX-License-Identifier: GPL-2.0-or-later
// ReadAhead (the capture read on a second thread) against CaptureReader on
// the same files: the same datagrams, problems, order, frame counts and
// errors, across batch boundaries.
#include "catch.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "capture/capture_reader.hpp"
#include "codec/text.hpp"
#include "capture/capture_writer.hpp"
#include "temp_path.hpp"
#include "capture/read_ahead.hpp"

using namespace imup;

namespace {

std::string temp_path(const std::string& name) { return test::temp_path("imup-read-ahead-test", name); }

const Endpoint kClient{0x0A000001, 40000};
const Endpoint kServer{0x0A000002, 2017};

// What a reader delivered, in order: a datagram (frame, time, ends, bytes,
// checksum states, fragments) or a frame problem (frame, code).
struct Seen {
  std::uint64_t frame;
  std::int64_t ns;
  std::string what;
  bool operator==(const Seen&) const = default;
};

// Into `out`, so that what came before an error is kept.
template <class Reader>
void read_into(Reader& r, std::vector<Seen>& out) {
  r.on_problem([&](const packet::FrameProblem& p) {
    out.push_back({p.frame, p.when_ns, "problem " + std::string(p.code) + ": " + p.detail});
  });
  r.for_each([&](const packet::Datagram& d) {
    std::string w = format_endpoint(d.src) + ">" + format_endpoint(d.dst) + " " +
                    std::to_string(int(d.udp_checksum)) + std::to_string(int(d.ip_checksum)) + " x" +
                    std::to_string(d.fragments) + " ";
    w.append(reinterpret_cast<const char*>(d.payload.data()), d.payload.size());
    out.push_back({d.frame, d.when.to_ns(), w});
  });
}
template <class Reader>
std::vector<Seen> read_all(Reader& r) {
  std::vector<Seen> out;
  read_into(r, out);
  return out;
}

// A capture that crosses batches both ways (more datagrams than a batch
// holds, and payloads that fill a batch's bytes), with frame problems,
// fragments, tags and bad checksums among them.
void write_mixed(const std::string& path) {
  capture::CaptureWriter w(path, capture::CaptureFormat::PcapNano);
  std::int64_t sec = 1000;
  for (int i = 0; i < 9000; ++i) {
    std::size_t len = i % 500 == 7 ? 60000 : std::size_t(i % 44);  // 0 bytes and up
    std::vector<std::uint8_t> p(len);
    for (std::size_t k = 0; k < len; ++k) p[k] = std::uint8_t('a' + (i + k) % 26);
    packet::FrameOptions o;
    if (i % 17 == 3) o.vlan_ids = {12};
    if (i % 23 == 5 || len > 1400) o.fragment_payload = 1400;
    const Endpoint src = i % 2 ? kClient : kServer, dst = i % 2 ? kServer : kClient;
    if (i % 29 == 6) o.udp_checksum = 0x1234;  // wrong
    if (i % 31 == 7) o.udp_checksum = 0;       // none
    if (i % 37 == 8) {                         // left for the NIC: the pseudo-header sum
      std::uint32_t pseudo = (src.ipv4 >> 16) + (src.ipv4 & 0xFFFF) + (dst.ipv4 >> 16) +
                             (dst.ipv4 & 0xFFFF) + 17 + std::uint32_t(len + 8);
      o.udp_checksum = std::uint16_t(~packet::fold_checksum(pseudo));
    }
    if (i % 101 == 50) sec += 40;  // lets lone fragments time out
    w.write(packet::Timestamp{sec, std::uint32_t(i * 1000)}, src, dst, p, o);
    if (i % 101 == 60) {
      // The first fragment of a datagram whose rest never comes.
      packet::FrameOptions lone;
      lone.fragment_payload = 8;
      std::vector<std::vector<std::uint8_t>> frames;
      std::vector<std::uint8_t> body(64, 0x42);
      REQUIRE(packet::build_udp_frames(packet::LinkType::Ethernet, lone, std::uint16_t(i), kClient,
                                     kServer, body, frames));
      w.write_frame(packet::Timestamp{sec, 999'000'000}, frames.front(), frames.front().size());
    }
    if (i % 211 == 9) {
      // An IPv4 header that claims more than the frame holds.
      std::vector<std::uint8_t> f(14 + 20, 0);
      f[12] = 0x08;
      f[14] = 0x45;
      f[16] = 0x01;  // total length 256
      f[23] = 17;
      w.write_frame(packet::Timestamp{sec, 999'500'000}, f, f.size());
    }
  }
}

}  // namespace

TEST_CASE("ReadAhead delivers what CaptureReader does, across batches, problems and fragments") {
  auto path = temp_path("mixed.pcap");
  write_mixed(path);
  capture::CaptureReader plain(path);
  auto expected = read_all(plain);
  capture::ReadAhead ahead(path);
  auto got = read_all(ahead);
  REQUIRE(expected.size() > 9000);
  CHECK(got.size() == expected.size());
  CHECK(got == expected);
  CHECK(ahead.frames() == plain.frames());
  CHECK(ahead.skipped_frames() == plain.skipped_frames());
  auto problems = std::count_if(got.begin(), got.end(), [](const Seen& s) { return s.what.starts_with("problem"); });
  CHECK(problems >= 10);
  // Every UDP checksum state came up (they are summed on the caller's thread).
  for (auto state : {packet::ChecksumState::Good, packet::ChecksumState::Bad,
                     packet::ChecksumState::Absent, packet::ChecksumState::OffloadArtefact}) {
    INFO("checksum state " << int(state));
    CHECK(std::count_if(got.begin(), got.end(), [&](const Seen& s) {
            auto sp = s.what.find(' ');
            return sp != std::string::npos && s.what.size() > sp + 1 &&
                   s.what[sp + 1] == char('0' + int(state));
          }) >= 50);
  }
}

TEST_CASE("ReadAhead reports a damaged capture after the datagrams before the damage") {
  auto path = temp_path("cut.pcap");
  write_mixed(path);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) * 2 / 3 + 5);
  // What a reader delivers up to the damage, the error's text, and its frame count.
  struct Outcome {
    std::vector<Seen> before;
    std::string why;
    std::uint64_t frames = 0;
  };
  auto read_damaged = [&]<class Reader>(std::type_identity<Reader>) {
    Outcome o;
    Reader r(path);
    try {
      read_into(r, o.before);
    } catch (const capture::CaptureReadError& e) {
      o.why = e.what();
    }
    o.frames = r.frames();
    return o;
  };
  Outcome plain = read_damaged(std::type_identity<capture::CaptureReader>{});
  Outcome ahead = read_damaged(std::type_identity<capture::ReadAhead>{});
  const auto& [before_plain, why_plain, frames_plain] = plain;
  const auto& [before_ahead, why_ahead, frames_ahead] = ahead;
  CHECK_FALSE(why_plain.empty());
  CHECK(why_ahead == why_plain);
  CHECK(before_plain.size() > 1000);
  CHECK(before_ahead == before_plain);
  CHECK(frames_ahead == frames_plain);
}

TEST_CASE("an exception from ReadAhead's callback stops the reading thread and comes out") {
  auto path = temp_path("stop.pcap");
  write_mixed(path);
  capture::ReadAhead r(path);
  std::size_t calls = 0;
  CHECK_THROWS_WITH(r.for_each([&](const packet::Datagram&) {
                      if (++calls == 5000) throw std::runtime_error("enough");
                    }),
                    "enough");
  CHECK(calls == 5000);
}
