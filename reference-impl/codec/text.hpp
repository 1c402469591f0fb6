// SPDX-License-Identifier: GPL-2.0-or-later
// Text-field helpers (docs/PROTOCOL.md §4): UTF-8, name rules, CRLF fields,
// IPv4 endpoints. Shared by the codec, the engine's checks and the tools.
// Their fast paths are the codec's own: codec/text_fast_path.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/message.hpp"

namespace imup {

// Length in code points of valid UTF-8 (shortest forms, no surrogates, <= U+10FFFF);
// nullopt when the bytes are not valid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view bytes);

// Why a name breaks §4.2, or nullopt when it is valid.
std::optional<std::string> name_problem(std::string_view name);
inline bool is_valid_name(std::string_view name) { return !name_problem(name); }

// Splitting a text into fields. Each field records how it ended.
enum class Terminator : std::uint8_t { Crlf, BareLf, None };
struct Field {
  std::string_view value;
  Terminator end = Terminator::Crlf;
};
// Splits at LF (a CR before it belongs to the terminator). The last field has
// Terminator::None when the text does not end with a line feed. An empty text
// yields no fields. for_each_field calls `f(const Field&)` on each in order,
// without allocating; split_fields collects them.
template <class F>
void for_each_field(std::string_view text, F&& f) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto lf = text.find('\n', start);
    if (lf == std::string_view::npos) {
      f(Field{text.substr(start), Terminator::None});
      return;
    }
    bool crlf = lf > start && text[lf - 1] == '\r';
    std::size_t end = crlf ? lf - 1 : lf;
    f(Field{text.substr(start, end - start), crlf ? Terminator::Crlf : Terminator::BareLf});
    start = lf + 1;
  }
}
std::vector<Field> split_fields(std::string_view text);

// "192.0.2.7:2017" <-> Endpoint: the wire's spelling of member lines (§9.3),
// port 1..65535 and no leading zeros. Command lines and key files go through
// io::parse_socket_address, which shares parse_ipv4.
std::string format_endpoint(const Endpoint& e);
std::optional<Endpoint> parse_endpoint(std::string_view text);
// Dotted-quad IPv4, four decimal octets 0..255 without leading zeros.
std::optional<std::uint32_t> parse_ipv4(std::string_view host);
std::string format_ipv4(std::uint32_t ipv4);

}  // namespace imup
