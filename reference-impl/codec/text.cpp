// SPDX-License-Identifier: GPL-2.0-or-later
#include "codec/text.hpp"
#include "codec/text_fast_path.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <cstdio>

namespace imup {
namespace {

// Decodes one UTF-8 character at `i`; returns its code point and advances `i`,
// or returns -1 (leaving `i` unspecified) on an invalid or overlong sequence.
long next_code_point(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) { ++i; return b0; }
  std::size_t extra;
  long cp, min;
  if ((b0 & 0xE0) == 0xC0) { extra = 1; cp = b0 & 0x1F; min = 0x80; }
  else if ((b0 & 0xF0) == 0xE0) { extra = 2; cp = b0 & 0x0F; min = 0x800; }
  else if ((b0 & 0xF8) == 0xF0) { extra = 3; cp = b0 & 0x07; min = 0x10000; }
  else return -1;
  for (std::size_t k = 1; k <= extra; ++k) {
    if (i + k >= s.size()) return -1;
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += extra + 1;
  return cp;
}

bool is_control(long cp) { return cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F); }
bool is_space(long cp) {
  return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

}  // namespace

std::optional<std::size_t> utf8_length(std::string_view bytes) {
  std::size_t count = 0;
  std::size_t i = 0;
  // Most texts are ASCII: eight bytes (eight characters) at a time while no
  // byte has its top bit set.
  while (i + 8 <= bytes.size()) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    if (w & 0x8080808080808080ull) break;
    i += 8;
    count += 8;
  }
  // The loop ran out (no non-ASCII word met) with fewer than 8 bytes left:
  // if they are ASCII too, one overlapping word from the end shows it.
  if (i < bytes.size() && i + 8 > bytes.size() && bytes.size() >= 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + bytes.size() - 8, 8);
    if (!(w & 0x8080808080808080ull)) return count + (bytes.size() - i);
  }
  for (; i < bytes.size(); ++count) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) { ++i; continue; }
    if (next_code_point(bytes, i) < 0) return std::nullopt;
  }
  return count;
}

std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty()) return "the name is empty";
  // The common case first (what the loop below accepts, without decoding).
  if (is_plain_ascii_name(name)) return std::nullopt;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < name.size();) {
    long cp = next_code_point(name, i);
    if (cp < 0) return "the name is not valid UTF-8";
    ++chars;
    if (is_control(cp)) return "the name contains a control character";
    if (is_space(cp)) return "the name contains white space";
    if (cp == ',') return "the name contains a comma";
  }
  if (chars > kMaxNameChars)
    return "the name has " + std::to_string(chars) + " characters (at most 20)";
  return std::nullopt;
}

std::vector<Field> split_fields(std::string_view text) {
  std::vector<Field> fields;
  for_each_field(text, [&](const Field& f) { fields.push_back(f); });
  return fields;
}

std::string format_ipv4(std::uint32_t ipv4) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", (ipv4 >> 24) & 0xFF, (ipv4 >> 16) & 0xFF,
                (ipv4 >> 8) & 0xFF, ipv4 & 0xFF);
  return buf;
}

std::string format_endpoint(const Endpoint& e) {
  return format_ipv4(e.ipv4) + ":" + std::to_string(e.port);
}

std::optional<std::uint32_t> parse_ipv4(std::string_view host) {
  std::uint32_t ipv4 = 0;
  std::size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= host.size() || host[pos] != '.') return std::nullopt;
      ++pos;
    }
    std::size_t end = pos;
    while (end < host.size() && host[end] >= '0' && host[end] <= '9') ++end;
    if (end == pos || end - pos > 3) return std::nullopt;
    if (end - pos > 1 && host[pos] == '0') return std::nullopt;  // one spelling per address
    unsigned value = 0;
    std::from_chars(host.data() + pos, host.data() + end, value);
    if (value > 255) return std::nullopt;
    ipv4 = (ipv4 << 8) | value;
    pos = end;
  }
  if (pos != host.size()) return std::nullopt;
  return ipv4;
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view port_text = text.substr(colon + 1);
  auto ipv4 = parse_ipv4(text.substr(0, colon));
  if (!ipv4) return std::nullopt;
  if (port_text.empty() || port_text.size() > 5 || port_text[0] == '0') return std::nullopt;
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size()) return std::nullopt;
  if (port == 0 || port > 65535) return std::nullopt;
  return Endpoint{*ipv4, std::uint16_t(port)};
}

}  // namespace imup
