// SPDX-License-Identifier: GPL-2.0-or-later
// The writer's files read back through libpcap (via the capture reader),
// in every format and link type.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>

#include "capture_reader.hpp"
#include "pcap/capture_writer.hpp"

using namespace imup;

namespace {
std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("imup-writer-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}
const Endpoint kClient{0x7F000001, 40000};
const Endpoint kServer{0x7F000001, 2017};
}  // namespace

TEST_CASE("every format and link type reads back with times, endpoints and payload") {
  using pcap::CaptureFormat;
  using pcap::LinkType;
  for (auto format : {CaptureFormat::PcapMicro, CaptureFormat::PcapNano, CaptureFormat::Pcapng}) {
    for (auto link : {LinkType::Ethernet, LinkType::LinuxSll, LinkType::LinuxSll2, LinkType::Raw,
                      LinkType::Ipv4, LinkType::Null, LinkType::Loop}) {
      INFO("format " << int(format) << " link " << pcap::link_type_name(link));
      auto path = temp_path("rt.cap");
      std::vector<std::uint8_t> payload{0x00, 0x40, 0x40, 0x40, 'S', '\r', '\n'};
      {
        pcap::CaptureWriter w(path, format, link);
        w.write(pcap::Timestamp{1767225600, 123456789}, kClient, kServer, payload);
        pcap::FrameOptions o;
        o.vlan_ids = {7};
        o.fragment_payload = 8;
        std::vector<std::uint8_t> big(40, 0x5A);
        w.write(pcap::Timestamp{1767225601, 0}, kServer, kClient, big, o);
        w.close();
      }
      capture::CaptureReader r(path);
      capture::Datagram d;
      REQUIRE(r.next(d));
      CHECK(d.frame == 1);
      CHECK(d.src == kClient);
      CHECK(d.dst == kServer);
      CHECK(std::vector<std::uint8_t>(d.payload.begin(), d.payload.end()) == payload);
      CHECK(d.udp_checksum == capture::ChecksumState::Good);
      CHECK(d.ip_checksum == capture::ChecksumState::Good);
      CHECK(d.when.sec == 1767225600);
      CHECK(d.when.nsec == (format == CaptureFormat::PcapMicro ? 123456000u : 123456789u));
      REQUIRE(r.next(d));
      CHECK(d.fragments == 6);  // 48 bytes of UDP in 8-byte fragments
      CHECK(d.payload.size() == 40);
      CHECK(d.src == kServer);
      CHECK(d.udp_checksum == capture::ChecksumState::Good);
      CHECK_FALSE(r.next(d));
      CHECK(r.frames() == 7);
    }
  }
}

TEST_CASE("an unwritable path throws a CaptureError naming it") {
  CHECK_THROWS_WITH(pcap::CaptureWriter("/nonexistent-dir/x.pcap", pcap::CaptureFormat::PcapMicro),
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
}

TEST_CASE("a capture cut in the middle of a record throws, after the whole frames") {
  auto path = temp_path("cut.pcap");
  {
    pcap::CaptureWriter w(path, pcap::CaptureFormat::PcapMicro);
    std::vector<std::uint8_t> p(4, 0);
    w.write(pcap::Timestamp{1, 0}, kClient, kServer, p);
    w.write(pcap::Timestamp{2, 0}, kClient, kServer, p);
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  capture::CaptureReader r(path);
  capture::Datagram d;
  REQUIRE(r.next(d));
  CHECK_THROWS_AS(r.next(d), capture::CaptureReadError);
}
