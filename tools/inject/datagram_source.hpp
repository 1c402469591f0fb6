// SPDX-License-Identifier: GPL-2.0-or-later
// What imup-inject sends: datagrams loaded from a message script or from a
// capture, with their original endpoints and times (relative to the first).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec/message.hpp"
#include "message_script.hpp"

namespace imup::inject {

struct Item {
  Endpoint src, dst;         // as written in the script or capture
  std::int64_t offset_ns = 0;  // since the first item
  std::vector<std::uint8_t> bytes;
  std::optional<script::ScriptMessage> line;  // scripts only (client mode re-encodes)
  std::uint64_t frame = 0;                    // captures only: its frame number
};

// Throws std::runtime_error (or ScriptError) with a message for people.
std::vector<Item> load_script(const std::string& path, const std::vector<std::string>& lines,
                              std::uint16_t server_port);
std::vector<Item> load_capture(const std::string& path);

}  // namespace imup::inject
