// SPDX-License-Identifier: GPL-2.0-or-later
#include "catch.hpp"

#include "packet/internet_checksum.hpp"
#include "packet/link_layer.hpp"
#include "packet/udp_decoder.hpp"
#include "packet/udp_frame.hpp"

using namespace imup;
using namespace imup::packet;

namespace {
std::uint16_t be16(const std::vector<std::uint8_t>& f, std::size_t at) {
  return std::uint16_t(f[at] << 8 | f[at + 1]);
}
const Endpoint kClient{0xC000020A, 40000};
const Endpoint kServer{0xC0000201, 2017};
}  // namespace

TEST_CASE("IPv4 header checksum of the RFC 1071 example header verifies to zero") {
  // A header built by us must sum (with its checksum) to 0xFFFF.
  std::vector<std::uint8_t> f;
  std::vector<std::uint8_t> payload{0x00, 0x60, 0x00, 0x40};
  REQUIRE(build_udp_frame(LinkType::Raw, {}, 7, kClient, kServer, payload, f));
  REQUIRE(f.size() == 20 + 8 + 4);
  CHECK(fold_checksum(ones_complement_add(0, {f.data(), 20})) == 0);
  CHECK(be16(f, 4) == 7);  // IP id
  CHECK(f[8] == 64);       // TTL
}

TEST_CASE("UDP checksum covers the pseudo-header and verifies to zero") {
  std::vector<std::uint8_t> f;
  std::vector<std::uint8_t> payload{1, 2, 3, 4, 5};
  REQUIRE(build_udp_frame(LinkType::Raw, {}, 0, kClient, kServer, payload, f));
  std::uint32_t sum = (kClient.ipv4 >> 16) + (kClient.ipv4 & 0xFFFF) + (kServer.ipv4 >> 16) +
                      (kServer.ipv4 & 0xFFFF) + 17 + 13;
  CHECK(fold_checksum(ones_complement_add(sum, {f.data() + 20, 13})) == 0);
  CHECK(be16(f, 24) == 13);  // UDP length
}

TEST_CASE("a computed UDP checksum of zero is sent as 0xFFFF") {
  // Search for a payload whose checksum computes to 0: two bytes chosen so
  // the one's-complement sum is 0xFFFF.
  std::vector<std::uint8_t> segment(10, 0);
  segment[1] = 1;
  std::uint32_t base = ones_complement_add(17 + 10, segment);
  std::uint16_t folded = std::uint16_t(~fold_checksum(base));
  std::uint16_t need = std::uint16_t(0xFFFF - folded);
  segment[8] = std::uint8_t(need >> 8);
  segment[9] = std::uint8_t(need);
  CHECK(udp_checksum(0, 0, segment) == 0xFFFF);
}

TEST_CASE("forced checksums and lengths are written as given") {
  FrameOptions o;
  o.ip_checksum = 0xBAD0;
  o.udp_checksum = 0;
  o.udp_length = 99;
  std::vector<std::uint8_t> f;
  std::vector<std::uint8_t> payload{9, 9, 9, 9};
  REQUIRE(build_udp_frame(LinkType::Raw, o, 0, kClient, kServer, payload, f));
  CHECK(be16(f, 10) == 0xBAD0);
  CHECK(be16(f, 26) == 0);
  CHECK(be16(f, 24) == 99);
}

TEST_CASE("link headers: Ethernet with QinQ tags, SLL, SLL2, NULL, LOOP") {
  std::vector<std::uint8_t> payload{0, 0, 0, 0};
  std::vector<std::uint8_t> f;
  FrameOptions o;
  o.vlan_ids = {100, 200};
  REQUIRE(build_udp_frame(LinkType::Ethernet, o, 0, kClient, kServer, payload, f));
  CHECK(be16(f, 12) == 0x88a8);
  CHECK(be16(f, 14) == 100);
  CHECK(be16(f, 16) == 0x8100);
  CHECK(be16(f, 18) == 200);
  CHECK(be16(f, 20) == 0x0800);
  CHECK(f[22] == 0x45);
  REQUIRE(build_udp_frame(LinkType::LinuxSll, {}, 0, kClient, kServer, payload, f));
  CHECK(be16(f, 14) == 0x0800);
  CHECK(f[16] == 0x45);
  REQUIRE(build_udp_frame(LinkType::LinuxSll2, {}, 0, kClient, kServer, payload, f));
  CHECK(be16(f, 0) == 0x0800);
  CHECK(f[20] == 0x45);
  REQUIRE(build_udp_frame(LinkType::Null, {}, 0, kClient, kServer, payload, f));
  CHECK(f[0] == 2);
  CHECK(f[4] == 0x45);
  REQUIRE(build_udp_frame(LinkType::Loop, {}, 0, kClient, kServer, payload, f));
  CHECK(f[3] == 2);
  CHECK(f[4] == 0x45);
}

TEST_CASE("fragmentation splits at multiples of 8 with MF and offsets") {
  FrameOptions o;
  o.fragment_payload = 20;  // rounded down to 16
  std::vector<std::uint8_t> payload(30, 0x41);
  std::vector<std::vector<std::uint8_t>> frames;
  REQUIRE(build_udp_frames(LinkType::Raw, o, 5, kClient, kServer, payload, frames));
  REQUIRE(frames.size() == 3);  // 38 bytes of UDP: 16 + 16 + 6
  CHECK(be16(frames[0], 6) == 0x2000);
  CHECK(be16(frames[1], 6) == (0x2000 | 2));
  CHECK(be16(frames[2], 6) == 4);
  CHECK(frames[2].size() == 20 + 6);
  for (auto& f : frames) CHECK(fold_checksum(ones_complement_add(0, {f.data(), 20})) == 0);
}

TEST_CASE("a datagram too big for IPv4 is refused") {
  std::vector<std::uint8_t> payload(65508);
  std::vector<std::uint8_t> f;
  CHECK_FALSE(build_udp_frame(LinkType::Raw, {}, 0, kClient, kServer, payload, f));
}

// Each link type's pair (link_layer.cpp): what crafting writes, reading finds.
TEST_CASE("every link type reads back what it crafts, and the decoder gets the datagram") {
  const std::vector<std::uint8_t> payload{0x10, 0x00, 0x00, 0x07, 'A', 'l', 'i', 'c', 'e', '\r', '\n'};
  for (LinkType link : {LinkType::Ethernet, LinkType::LinuxSll, LinkType::LinuxSll2,
                        LinkType::Null, LinkType::Loop, LinkType::Raw, LinkType::Ipv4}) {
    CAPTURE(link_type_name(link));
    FrameOptions o;
    if (link == LinkType::Ethernet) o.vlan_ids = {10, 20};
    std::vector<std::uint8_t> f;
    REQUIRE(build_udp_frame(link, o, 7, kClient, kServer, payload, f));
    std::vector<std::uint8_t> header;
    append_link_header(link, o, header);
    auto at = ipv4_offset(link, f.data(), f.size());
    REQUIRE(at);
    CHECK(*at == header.size());
    CHECK(f[*at] == 0x45);
    CHECK(parse_link_type(link_type_name(link)) == link);

    UdpDecoder decoder(link);
    Datagram d;
    REQUIRE(decoder.decode(1, f.data(), f.size(), f.size(), Timestamp{5, 6}, d));
    CHECK(d.src == kClient);
    CHECK(d.dst == kServer);
    CHECK(std::vector<std::uint8_t>(d.payload.begin(), d.payload.end()) == payload);
    CHECK(d.udp_checksum == ChecksumState::Good);
    CHECK(d.ip_checksum == ChecksumState::Good);
    CHECK(d.when == Timestamp{5, 6});

    // A frame of another protocol behind the same link header is skipped.
    std::vector<std::uint8_t> other = f;
    other[*at + 9] = 6;  // TCP
    other[*at + 10] = other[*at + 11] = 0;
    CHECK_FALSE(decoder.decode(2, other.data(), other.size(), other.size(), Timestamp{5, 7}, d));
    CHECK(decoder.skipped_frames() == 1);
  }
}

TEST_CASE("the decoder puts fragments back together and reports what is wrong below IMUP") {
  FrameOptions o;
  o.fragment_payload = 16;
  std::vector<std::uint8_t> payload(40, 0x41);
  std::vector<std::vector<std::uint8_t>> frames;
  REQUIRE(build_udp_frames(LinkType::Ethernet, o, 9, kClient, kServer, payload, frames));
  REQUIRE(frames.size() == 3);
  UdpDecoder decoder(LinkType::Ethernet);
  std::vector<std::string> problems;
  decoder.on_problem([&](const FrameProblem& p) { problems.emplace_back(p.code); });
  Datagram d;
  CHECK_FALSE(decoder.decode(1, frames[0].data(), frames[0].size(), frames[0].size(), {}, d));
  CHECK_FALSE(decoder.decode(2, frames[1].data(), frames[1].size(), frames[1].size(), {}, d));
  REQUIRE(decoder.decode(3, frames[2].data(), frames[2].size(), frames[2].size(), {}, d));
  CHECK(d.fragments == 3);
  CHECK(d.frame == 3);
  CHECK(d.payload.size() == payload.size());
  CHECK(problems.empty());

  std::vector<std::uint8_t> cut(frames[2].begin(), frames[2].begin() + 14 + 12);
  CHECK_FALSE(decoder.decode(4, cut.data(), cut.size(), cut.size(), {}, d));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "truncated_frame");
}
