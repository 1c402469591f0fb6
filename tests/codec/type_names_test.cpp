// SPDX-License-Identifier: GPL-2.0-or-later
// The codec's two names of each type are PROTOCOL.md §5's, read from the
// table itself: a name changed in one place and not the other fails here.
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "catch.hpp"
#include "codec/wire.hpp"

TEST_CASE("each type's French and English names are those of PROTOCOL.md's table") {
  std::ifstream in(IMUP_SOURCE_DIR "/docs/PROTOCOL.md");
  REQUIRE(in);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  // | 8 | 0x08 | Reponse de recepteur | ACK | Ans | ...
  const std::regex row(R"(\n\| (\d+) \| 0x[0-9A-F]{2} \| ([^|]+?) \| ([^|]+?) \|)");
  int rows = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), row); it != std::sregex_iterator(); ++it) {
    const int type = std::stoi((*it)[1].str());
    REQUIRE(imup::is_known_type(std::uint8_t(type)));
    CAPTURE(type);
    CHECK(std::string(imup::french_name(imup::MessageType(type))) == (*it)[2].str());
    CHECK(std::string(imup::english_name(imup::MessageType(type))) == (*it)[3].str());
    ++rows;
  }
  CHECK(rows == int(imup::kMaxType));
}
