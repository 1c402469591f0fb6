// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer: the message-script parser and encoder (imup-craft, imup-inject)
// on arbitrary text: either a ScriptError or datagrams, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "message_script.hpp"
#include "script_encoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    imup::script::ScriptParser parser;
    auto lines = parser.parse(text);
    imup::script::ScriptEncoder encoder(imup::packet::Timestamp{0, 0}, 1'000'000, 2017);
    imup::script::EncodedLine out;
    for (const auto& l : lines) {
      try {
        encoder.encode(l, out);
      } catch (const imup::script::ScriptError&) {
        // a line the codec refuses: reported, not crashed on
      }
    }
  } catch (const imup::script::ScriptError&) {
  }
  return 0;
}
