// SPDX-License-Identifier: GPL-2.0-or-later
#include "datagram_source.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "capture/capture_reader.hpp"
#include "script_encoder.hpp"

namespace imup::inject {

std::vector<Item> load_script(const std::string& path, const std::vector<std::string>& lines,
                              std::uint16_t server_port) {
  script::ScriptParser parser;
  std::vector<script::ScriptMessage> messages;
  if (!path.empty()) {
    std::ostringstream text;
    if (path == "-") {
      text << std::cin.rdbuf();
    } else {
      std::ifstream in(path, std::ios::binary);
      if (!in) throw std::runtime_error("cannot read script " + path);
      text << in.rdbuf();
    }
    messages = parser.parse(text.str());
  }
  // -e lines are numbered after the script's lines.
  std::size_t number = messages.empty() ? 0 : messages.back().line;
  for (const auto& l : lines)
    if (auto m = parser.parse_line(l, ++number)) messages.push_back(std::move(*m));
  script::ScriptEncoder encoder(packet::Timestamp{}, 1'000'000, server_port);
  std::vector<Item> items;
  script::EncodedLine e;
  for (auto& m : messages) {
    encoder.encode(m, e);
    items.push_back(Item{m.src, m.dst, e.when.to_ns(), e.payload, m});
  }
  return items;
}

std::vector<Item> load_capture(const std::string& path) {
  capture::CaptureReader reader(path);
  std::vector<Item> items;
  packet::Datagram d;
  std::int64_t first = 0;
  while (reader.next(d)) {
    if (items.empty()) first = d.when.to_ns();
    items.push_back(Item{d.src, d.dst, d.when.to_ns() - first,
                         std::vector<std::uint8_t>(d.payload.begin(), d.payload.end()),
                         std::nullopt, d.frame});
  }
  return items;
}

}  // namespace imup::inject
