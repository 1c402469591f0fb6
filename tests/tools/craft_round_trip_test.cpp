// SPDX-License-Identifier: GPL-2.0-or-later
// imup-craft -> capture -> the verifier's reader -> codec, field by field:
// every type with its fields, headers as crafted, endpoints and times.
#include "catch.hpp"
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "capture/capture_reader.hpp"
#include "codec/codec.hpp"

using namespace imup;

namespace {

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("imup-craft-rt-" + std::to_string(getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

std::vector<Message> expected_messages() {
  std::vector<Message> m;
  auto add = [&](std::uint16_t seq, Body b) { m.push_back(Message{seq, std::move(b)}); };
  add(0, Connect{"Sheng"});
  add(0, ConnectRefused{"nom de client deja utilise"});
  add(1, Disconnect{std::string("Sheng")});
  add(2, ListRequest{std::uint16_t(40)});
  add(0, AcceptInvitation{});
  add(0, RefuseInvitation{});
  add(3, LeaveGroup{});
  add(3, Ack{});
  add(0, Relayed{"Bonjour", "Sheng", std::string("Lucy")});
  add(4, ModeOffer{"centralise ou decentralise"});
  add(1, GroupUpdate{{GroupMember{"Sheng", Endpoint{0x0A000001, 4000}}, GroupMember{"Lucy", Endpoint{0x0A000002, 4001}}}});
  add(2, LivenessProbe{});
  add(3, GroupClosed{"fermer cette messagerie car il reste seule personne"});
  add(5, UnknownRecipient{"nom de recepteur n'existe pas: Bob"});
  add(6, CrossesRooms{"Client privee recoit un message public"});
  add(7, GroupEnded{"Messagerie se termine losqu'il y a plus de clients"});
  add(8, LimitReached{"Nombre de client est superieur au limitation de nombre de groupe"});
  add(9, ChatMessage{Room::Private, Mode::Decentralized, "é à ü", std::string("Lucy")});
  add(10, Invitation{Room::Private, Mode::Centralized, {"Sheng", "Lucy"}, "vous invite"});
  add(11, ChooseMode{Room::Private, Mode::Decentralized, true});
  add(12, UserListPage{true, {UserEntry{Room::Public, 0, "Sheng"}, UserEntry{Room::Private, 1023, "Lucy"}}, std::nullopt});
  return m;
}

constexpr const char* kScript = R"(0 client server connect name=Sheng
+0.001 server client refused reason="nom de client deja utilise"
- client server disconnect name=Sheng seq=1
- client server list start=40
- client server accept
- client server refuse
- client server leave seq=3
- server client ack seq=3
- server client relayed message=Bonjour sender=Sheng recipient=Lucy
- server client offer reason="centralise ou decentralise" seq=4
- server client update member=Sheng@10.0.0.1:4000 member=Lucy@10.0.0.2:4001 seq=1
- server client probe seq=2
- server client closed reason="fermer cette messagerie car il reste seule personne" seq=3
- server client unknown-recipient reason="nom de recepteur n'existe pas: Bob" seq=5
- server client crosses-rooms reason="Client privee recoit un message public" seq=6
- server client group-ended reason="Messagerie se termine losqu'il y a plus de clients" seq=7
- server client limit-reached reason="Nombre de client est superieur au limitation de nombre de groupe" seq=8
- client server message message="é à ü" recipient=Lucy state=private mode=decentralized seq=9
- client server invitation names=Sheng,Lucy note="vous invite" seq=10
- client server choose-mode mode=d mode-text=yes seq=11
- server client user-list more=yes entry=0:Sheng entry=private:1023:Lucy seq=12
)";

}  // namespace

TEST_CASE("craft -> capture -> decode gives back every type's fields") {
  auto dir = temp_dir();
  for (const char* format : {"pcap", "pcap-nsec", "pcapng"}) {
    INFO(format);
    std::ofstream(dir + "/s.txt") << kScript;
    std::string out = dir + "/rt." + format;
    std::string cmd = std::string(IMUP_CRAFT_BIN) + " -F " + format + " --start 1000 -f " + dir +
                      "/s.txt -o " + out;
    REQUIRE(std::system(cmd.c_str()) == 0);
    capture::CaptureReader r(out);
    packet::Datagram d;
    auto expected = expected_messages();
    for (std::size_t i = 0; i < expected.size(); ++i) {
      INFO("datagram " << i + 1);
      REQUIRE(r.next(d));
      auto decoded = decode(d.payload);  // strict: crafted defaults conform
      REQUIRE(decoded.ok());
      CHECK(*decoded.message == expected[i]);
      CHECK(decoded.header->length == length_field_for(d.payload.size() - 4));
      bool from_client = d.src == Endpoint{0xC000020A, 40000};
      CHECK((from_client ? d.dst : d.src) == Endpoint{0xC0000201, 2017});
      CHECK(d.when.to_ns() == 1000'000'000'000 + std::int64_t(i) * 1'000'000);
      CHECK(d.udp_checksum == packet::ChecksumState::Good);
    }
    CHECK_FALSE(r.next(d));
  }
}

TEST_CASE("--fuzz with one seed gives the same bytes; another seed differs") {
  auto dir = temp_dir();
  std::ofstream(dir + "/s.txt") << kScript;
  auto run = [&](int seed, const std::string& name) {
    std::string cmd = std::string(IMUP_CRAFT_BIN) + " --fuzz " + std::to_string(seed) + " -f " +
                      dir + "/s.txt -o " + dir + "/" + name;
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::ifstream in(dir + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  auto a = run(7, "a.pcap"), b = run(7, "b.pcap"), c = run(8, "c.pcap"), plain = run(-1, "p.pcap");
  CHECK(a == b);
  CHECK(a != c);
  CHECK(a != plain);
}
