// SPDX-License-Identifier: GPL-2.0-or-later
// Encoding and decoding IMUP datagrams (docs/PROTOCOL.md). Strict decoding
// accepts exactly what the document allows; lenient decoding also reads what
// the draft's own examples contain and reports each deviation as a warning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/message.hpp"
#include "codec/wire.hpp"

namespace imup {

// Every fault a datagram can show. The names (fault_name) are stable: the
// verifier, the dissector's expert infos and the tests use the same words.
enum class Fault : std::uint8_t {
  Truncated,         // fewer than 4 bytes
  UnknownType,       // type 0 or above 21
  TextTooLong,       // more than 1024 text bytes
  BadLength,         // length field fits no convention
  LengthLiteral,     // length field = text bytes (not n - 1)
  ReservedSet,       // reserved header bits not zero
  BadStateMode,      // state or mode bits 10 or 11
  BadUtf8,           // text is not UTF-8
  MissingCrlf,       // last field not terminated
  BareLf,            // a field ended by LF alone
  MissingField,      // a required field is absent
  ExtraField,        // more fields than the grammar allows
  UnexpectedText,    // text on a type whose text is empty
  BadName,           // a user name breaking §4.2
  BadNumber,         // a decimal user id out of 0..1023 or not a number
  BadAddress,        // a member line's ipv4:port
  BadUserEntry,      // a user-list entry that overruns or is invalid
  TextUserList,      // a user list in text form (the draft's example)
  OneFieldText,      // a type-9 text with no sender field (the draft's example)
  ModeTextMismatch,  // type 20 text disagrees with the mode bits
  CrlfInField,       // a CR or LF inside a field value (a lone CR on the wire)
};
std::string_view fault_name(Fault f);

struct Problem {
  Fault fault;
  const char* field;  // "header.type", "text.name", "text.entry[3]" ...
  std::string detail; // a sentence for people
  bool operator==(const Problem&) const = default;
};
std::string describe(const Problem& p);  // "bad_length (header.length): ..."

enum class Strictness : std::uint8_t { Strict, Lenient };

// Faults the lenient decoder turns into warnings; every other fault is an
// error in both modes.
constexpr bool lenient_tolerates(Fault f) {
  switch (f) {
    case Fault::BadLength: case Fault::LengthLiteral: case Fault::ReservedSet:
    case Fault::MissingCrlf: case Fault::BareLf: case Fault::TextUserList:
    case Fault::OneFieldText: case Fault::ModeTextMismatch:
      return true;
    default:
      return false;
  }
}

struct Decoded {
  std::optional<Header> header;    // set whenever the datagram has 4 bytes
  std::optional<Message> message;  // set unless error
  std::optional<Problem> error;
  std::vector<Problem> warnings;   // lenient only
  bool ok() const { return message.has_value(); }
};
Decoded decode(std::span<const std::uint8_t> datagram, Strictness mode = Strictness::Strict);
inline Decoded decode_lenient(std::span<const std::uint8_t> d) {
  return decode(d, Strictness::Lenient);
}

// decode()'s verdict without the message: the same grammar (the same code,
// with the writes to the message compiled out), so header, error and
// warnings are exactly decode()'s for every input. For readers that only
// judge datagrams (imup-verify): nothing is allocated unless there is a fault.
struct Verdict {
  std::optional<Header> header;    // set whenever the datagram has 4 bytes
  std::optional<Problem> error;
  std::vector<Problem> warnings;   // lenient only
  bool ok() const { return header.has_value() && !error; }
  bool clean() const { return ok() && warnings.empty(); }
};
Verdict check(std::span<const std::uint8_t> datagram, Strictness mode = Strictness::Strict);
inline Verdict check_lenient(std::span<const std::uint8_t> d) {
  return check(d, Strictness::Lenient);
}

// Encoding. A message that breaks a limit or a grammar is refused, never cut.
struct Encoded {
  std::size_t size = 0;          // bytes written, 0 on error
  std::optional<Problem> error;
  bool ok() const { return !error; }
};
// `out` must hold kMaxDatagramBytes for any message to fit.
Encoded encode(const Message& m, std::span<std::uint8_t> out);
// Convenience for code off the hot path; throws std::invalid_argument.
std::vector<std::uint8_t> encode(const Message& m);

// The pieces, for tools that build datagrams field by field.
std::optional<Problem> encode_text(const Message& m, std::string& text);
std::uint8_t low_bits_of(const Message& m);
// Header + text into `out`; returns bytes written (0 if `out` is too small).
std::size_t write_datagram(const Header& h, std::span<const std::uint8_t> text,
                           std::span<std::uint8_t> out);

// One line for people and for test vectors: `Connect seq=1 name="Sheng"`.
std::string describe(const Message& m);

// Helpers for user-list pages (§11).
std::size_t user_entry_bytes(const UserEntry& e);  // 4 + name bytes
// How many of `entries` (from the first) fit in one page's 1024 bytes.
std::size_t entries_fitting(std::span<const UserEntry> entries);

// Helpers for group lists (§9.3) and relayed invitations (§9.2): the text
// bytes one item takes.
std::size_t group_member_bytes(const GroupMember& m);  // name [SP ip:port] CRLF
// A name in an invitation's list: the first with the line's CRLF, each
// other with the comma before it.
std::size_t invitation_name_bytes(std::string_view name, bool first);

}  // namespace imup
