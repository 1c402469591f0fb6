// SPDX-License-Identifier: GPL-2.0-or-later
// Reads the project's test-vector files (tests/vectors/README.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec/wire.hpp"

namespace imup {

struct Vector {
  std::string file;
  std::string name, from, to;
  Header header;  // as printed; low bits 0
  std::vector<std::uint8_t> text;
  std::string expected_decoding;
  std::vector<std::string> expected_warnings;
  std::string expected_strict;  // "ok" or a fault name

  std::vector<std::uint8_t> datagram() const;
};

// Parses one file; on failure returns nullopt and sets `error` to
// "FILE:LINE: what is wrong".
std::optional<Vector> read_vector_file(const std::string& path, std::string& error);

// Parses "6c 75 63 79" or "6c756379" (white space ignored).
std::optional<std::vector<std::uint8_t>> parse_hex(const std::string& text);

}  // namespace imup
