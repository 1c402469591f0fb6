// SPDX-License-Identifier: GPL-2.0-or-later
// The writer's files read back through libpcap (via the capture reader),
// in every format and link type.
#include "catch.hpp"

#include <filesystem>

#include "capture/capture_reader.hpp"
#include "capture/capture_writer.hpp"
#include "capture/read_ahead.hpp"
#include "temp_path.hpp"

using namespace imup;

namespace {
std::string temp_path(const std::string& name) { return test::temp_path("imup-writer-test", name); }
const Endpoint kClient{0x7F000001, 40000};
const Endpoint kServer{0x7F000001, 2017};
}  // namespace

TEST_CASE("every format and link type reads back with times, endpoints and payload") {
  using capture::CaptureFormat;
  using packet::LinkType;
  for (auto format : {CaptureFormat::PcapMicro, CaptureFormat::PcapNano, CaptureFormat::Pcapng}) {
    for (auto link : {LinkType::Ethernet, LinkType::LinuxSll, LinkType::LinuxSll2, LinkType::Raw,
                      LinkType::Ipv4, LinkType::Null, LinkType::Loop}) {
      INFO("format " << int(format) << " link " << packet::link_type_name(link));
      auto path = temp_path("rt.cap");
      std::vector<std::uint8_t> payload{0x00, 0x40, 0x40, 0x40, 'S', '\r', '\n'};
      {
        capture::CaptureWriter w(path, format, link);
        w.write(packet::Timestamp{1767225600, 123456789}, kClient, kServer, payload);
        packet::FrameOptions o;
        o.vlan_ids = {7};
        o.fragment_payload = 8;
        std::vector<std::uint8_t> big(40, 0x5A);
        w.write(packet::Timestamp{1767225601, 0}, kServer, kClient, big, o);
        w.close();
      }
      capture::CaptureReader r(path);
      packet::Datagram d;
      REQUIRE(r.next(d));
      CHECK(d.frame == 1);
      CHECK(d.src == kClient);
      CHECK(d.dst == kServer);
      CHECK(std::vector<std::uint8_t>(d.payload.begin(), d.payload.end()) == payload);
      CHECK(d.udp_checksum == packet::ChecksumState::Good);
      CHECK(d.ip_checksum == packet::ChecksumState::Good);
      CHECK(d.when.sec == 1767225600);
      CHECK(d.when.nsec == (format == CaptureFormat::PcapMicro ? 123456000u : 123456789u));
      REQUIRE(r.next(d));
      CHECK(d.fragments == 6);  // 48 bytes of UDP in 8-byte fragments
      CHECK(d.payload.size() == 40);
      CHECK(d.src == kServer);
      CHECK(d.udp_checksum == packet::ChecksumState::Good);
      CHECK_FALSE(r.next(d));
      CHECK(r.frames() == 7);
    }
  }
}

TEST_CASE("an unwritable path throws a CaptureError naming it") {
  CHECK_THROWS_WITH(capture::CaptureWriter("/nonexistent-dir/x.pcap", capture::CaptureFormat::PcapMicro),
                    Catch::Contains("/nonexistent-dir/x.pcap"));
}

TEST_CASE("a file that is not a capture is reported, not crashed on") {
  auto path = temp_path("garbage.pcap");
  {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("this is not a capture file at all", f);
    std::fclose(f);
  }
  CHECK_THROWS_AS(capture::CaptureReader(path), capture::CaptureReadError);
  CHECK_THROWS_AS(capture::ReadAhead(path), capture::CaptureReadError);  // at once, on this thread
}

TEST_CASE("a capture cut in the middle of a record throws, after the whole frames") {
  auto path = temp_path("cut.pcap");
  {
    capture::CaptureWriter w(path, capture::CaptureFormat::PcapMicro);
    std::vector<std::uint8_t> p(4, 0);
    w.write(packet::Timestamp{1, 0}, kClient, kServer, p);
    w.write(packet::Timestamp{2, 0}, kClient, kServer, p);
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  capture::CaptureReader r(path);
  packet::Datagram d;
  REQUIRE(r.next(d));
  CHECK_THROWS_AS(r.next(d), capture::CaptureReadError);
}

TEST_CASE("for_each gives next()'s datagrams, frame numbers and checksum states") {
  using capture::CaptureFormat;
  for (auto link : {packet::LinkType::Ethernet, packet::LinkType::LinuxSll2}) {
    auto path = temp_path("each.pcap");
    {
      capture::CaptureWriter w(path, CaptureFormat::PcapNano, link);
      for (int i = 0; i < 50; ++i) {
        std::vector<std::uint8_t> p(std::size_t(4 + i % 9), std::uint8_t(i));
        packet::FrameOptions o;
        if (i % 7 == 3) o.vlan_ids = {5};       // off the straight-line path
        if (i % 11 == 4) o.fragment_payload = 8;
        if (i % 13 == 5) o.udp_checksum = 0x1234;  // wrong
        w.write(packet::Timestamp{std::int64_t(100 + i), std::uint32_t(i)}, i % 2 ? kClient : kServer,
                i % 2 ? kServer : kClient, p, o);
      }
    }
    struct Seen {
      std::uint64_t frame;
      std::int64_t ns;
      Endpoint src, dst;
      std::vector<std::uint8_t> payload;
      packet::ChecksumState udp, ip;
      std::uint16_t fragments;
      bool operator==(const Seen&) const = default;
    };
    auto seen = [](const packet::Datagram& d) {
      return Seen{d.frame, d.when.to_ns(), d.src, d.dst,
                  std::vector<std::uint8_t>(d.payload.begin(), d.payload.end()), d.udp_checksum,
                  d.ip_checksum, d.fragments};
    };
    std::vector<Seen> by_next, by_each;
    std::uint64_t frames_next = 0;
    {
      capture::CaptureReader r(path);
      packet::Datagram d;
      while (r.next(d)) by_next.push_back(seen(d));
      frames_next = r.frames();
    }
    capture::CaptureReader r(path);
    r.for_each([&](const packet::Datagram& d) { by_each.push_back(seen(d)); });
    CHECK(by_next.size() == 50);
    CHECK(by_each == by_next);
    CHECK(r.frames() == frames_next);
    CHECK(std::count_if(by_each.begin(), by_each.end(), [](const Seen& s) {
            return s.udp == packet::ChecksumState::Bad;
          }) == 4);
  }
}

TEST_CASE("for_each passes on its callback's exception and a cut capture's error") {
  auto path = temp_path("each-cut.pcap");
  {
    capture::CaptureWriter w(path, capture::CaptureFormat::PcapMicro);
    std::vector<std::uint8_t> p(4, 0);
    for (int i = 0; i < 3; ++i) w.write(packet::Timestamp{1 + i, 0}, kClient, kServer, p);
  }
  {
    capture::CaptureReader r(path);
    int calls = 0;
    CHECK_THROWS_WITH(r.for_each([&](const packet::Datagram&) {
                        if (++calls == 2) throw std::runtime_error("stop here");
                      }),
                      "stop here");
    CHECK(calls == 2);  // libpcap's loop was left at once
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  capture::CaptureReader r(path);
  int calls = 0;
  CHECK_THROWS_AS(r.for_each([&](const packet::Datagram&) { ++calls; }), capture::CaptureReadError);
  CHECK(calls == 2);
}

// Ethernet frames take the reader's straight-line path and its own UDP
// checksum code; Linux SLL2 frames take the general path. The same
// datagrams, at every length across the 8-byte word steps, must be judged alike.
TEST_CASE("the straight-line path judges UDP checksums as the general path does") {
  std::vector<packet::ChecksumState> by_link[2];
  int index = 0;
  for (auto link : {packet::LinkType::Ethernet, packet::LinkType::LinuxSll2}) {
    auto path = temp_path("sums.pcap");
    {
      capture::CaptureWriter w(path, capture::CaptureFormat::PcapNano, link);
      for (std::size_t len = 0; len <= 70; ++len) {
        std::vector<std::uint8_t> p(len);
        for (std::size_t i = 0; i < len; ++i) p[i] = std::uint8_t(len * 31 + i * 7 + 0x80);
        for (std::optional<std::uint16_t> forced :
             {std::optional<std::uint16_t>{}, std::optional<std::uint16_t>{0x1234},
              std::optional<std::uint16_t>{0xFFFF}, std::optional<std::uint16_t>{0x5A00}}) {
          packet::FrameOptions o;
          o.udp_checksum = forced;
          w.write(packet::Timestamp{1, std::uint32_t(len)}, Endpoint{0xC0000201, 40000},
                  Endpoint{0xC6336407, 2017}, p, o);
        }
      }
    }
    capture::CaptureReader r(path);
    r.for_each([&](const packet::Datagram& d) { by_link[index].push_back(d.udp_checksum); });
    ++index;
  }
  REQUIRE(by_link[0].size() == 71 * 4);
  CHECK(by_link[0] == by_link[1]);
  auto good = std::count(by_link[0].begin(), by_link[0].end(), packet::ChecksumState::Good);
  CHECK(good >= 71);  // every computed checksum, and a forced one now and then
  CHECK(good < 71 * 2);
}

// An IPv4 header with options (IHL 6) takes the general path: its checksum
// is summed over all 24 bytes, good or broken.
TEST_CASE("an IPv4 header with options is checksummed whole") {
  auto path = temp_path("options.pcap");
  std::vector<std::uint8_t> payload{0x00, 0x40, 0x40, 0x40};
  auto frame_with_options = [&](bool break_ip_sum) {
    std::vector<std::uint8_t> udp{0x9C, 0x40, 0x07, 0xE1, 0x00, 12, 0x00, 0x00};
    udp.insert(udp.end(), payload.begin(), payload.end());
    std::uint16_t us = packet::udp_checksum(kClient.ipv4, kServer.ipv4, udp);
    udp[6] = std::uint8_t(us >> 8);
    udp[7] = std::uint8_t(us);
    std::vector<std::uint8_t> ip{0x46, 0, 0, std::uint8_t(24 + udp.size()), 0, 1, 0, 0, 64, 17, 0, 0,
                                 0x7F, 0, 0, 1, 0x7F, 0, 0, 1, 1, 1, 1, 0};  // NOP NOP NOP EOL
    std::uint16_t is = packet::ipv4_header_checksum(ip);
    if (break_ip_sum) is ^= 0x0101;
    ip[10] = std::uint8_t(is >> 8);
    ip[11] = std::uint8_t(is);
    // Ethernet (MACs 02:.. and 04:.., IPv4), then the IP header and UDP.
    std::vector<std::uint8_t> f(14 + ip.size() + udp.size(), 2);
    std::fill(f.begin() + 6, f.begin() + 12, 4);
    f[12] = 0x08;
    f[13] = 0x00;
    std::copy(ip.begin(), ip.end(), f.begin() + 14);
    std::copy(udp.begin(), udp.end(), f.begin() + 14 + std::ptrdiff_t(ip.size()));
    return f;
  };
  {
    capture::CaptureWriter w(path, capture::CaptureFormat::PcapMicro);
    w.write_frame(packet::Timestamp{1, 0}, frame_with_options(false));
    w.write_frame(packet::Timestamp{2, 0}, frame_with_options(true));
  }
  capture::CaptureReader r(path);
  std::vector<packet::Datagram> got;
  std::vector<std::vector<std::uint8_t>> payloads;
  r.for_each([&](const packet::Datagram& d) {
    got.push_back(d);
    payloads.emplace_back(d.payload.begin(), d.payload.end());
  });
  REQUIRE(got.size() == 2);
  CHECK(got[0].ip_checksum == packet::ChecksumState::Good);
  CHECK(got[1].ip_checksum == packet::ChecksumState::Bad);
  CHECK(got[0].udp_checksum == packet::ChecksumState::Good);
  CHECK(got[0].src == kClient);
  CHECK(payloads[0] == payload);
}
