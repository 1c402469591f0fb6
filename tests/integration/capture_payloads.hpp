// SPDX-License-Identifier: GPL-2.0-or-later
// The UDP payloads of a capture file written by --record, read back with
// libpcap, so that a test can say which datagrams went through the server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imup::testing {

struct CapturedDatagram {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  std::vector<std::uint8_t> payload;
};

// Throws std::runtime_error when libpcap cannot read the file.
std::vector<CapturedDatagram> read_capture(const std::string& path);

}  // namespace imup::testing
