// SPDX-License-Identifier: GPL-2.0-or-later
#include "vector_file.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "codec/codec.hpp"

namespace imup {

std::optional<std::vector<std::uint8_t>> parse_hex(const std::string& text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
      if (high >= 0) return std::nullopt;  // a lone nibble before a separator
      continue;
    } else return std::nullopt;
    if (high < 0) high = v;
    else {
      out.push_back(std::uint8_t(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return std::nullopt;
  return out;
}

std::vector<std::uint8_t> Vector::datagram() const {
  std::vector<std::uint8_t> out(kHeaderBytes + text.size());
  write_datagram(header, text, out);
  return out;
}

std::optional<Vector> read_vector_file(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open";
    return std::nullopt;
  }
  std::map<std::string, std::pair<std::string, int>> values;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) {
      error = path + ":" + std::to_string(number) + ": expected 'key: value'";
      return std::nullopt;
    }
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    values[line.substr(0, colon)] = {value, number};
  }
  auto need = [&](const char* key) -> std::optional<std::string> {
    auto it = values.find(key);
    if (it == values.end()) {
      error = path + ": missing key '" + key + "'";
      return std::nullopt;
    }
    return it->second.first;
  };
  auto hex_field = [&](const char* key, unsigned max) -> std::optional<unsigned> {
    auto v = need(key);
    if (!v) return std::nullopt;
    if (*v == "(absent)") return 0u;
    auto bytes = parse_hex(v->size() % 2 ? "0" + *v : *v);
    if (!bytes || bytes->empty() || bytes->size() > 2) {
      error = path + ":" + std::to_string(values[key].second) + ": '" + *v + "' is not hex";
      return std::nullopt;
    }
    unsigned n = 0;
    for (auto b : *bytes) n = n << 8 | b;
    if (n > max) {
      error = path + ":" + std::to_string(values[key].second) + ": " + key + " exceeds " + std::to_string(max);
      return std::nullopt;
    }
    return n;
  };

  Vector v;
  v.file = path;
  auto name = need("name"), from = need("from"), to = need("to"), text = need("text"),
       decoded = need("decoded"), warnings = need("warnings"), strict = need("strict");
  if (!name || !from || !to || !text || !decoded || !warnings || !strict) return std::nullopt;
  auto seq = hex_field("seq", 0x3FF), type = hex_field("type", 0xFF), length = hex_field("length", 0x3FF);
  if (!seq || !type || !length) return std::nullopt;
  v.name = *name;
  v.from = *from;
  v.to = *to;
  v.header = Header{std::uint16_t(*seq), std::uint8_t(*type), std::uint16_t(*length), 0};
  if (*text != "(none)") {
    auto bytes = parse_hex(*text);
    if (!bytes) {
      error = path + ":" + std::to_string(values["text"].second) + ": the text is not hex bytes";
      return std::nullopt;
    }
    v.text = std::move(*bytes);
  }
  v.expected_decoding = *decoded;
  if (*warnings != "(none)") {
    std::istringstream words(*warnings);
    for (std::string w; words >> w;) v.expected_warnings.push_back(w);
  }
  v.expected_strict = *strict;
  return v;
}

}  // namespace imup
