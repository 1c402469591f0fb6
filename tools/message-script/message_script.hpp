// SPDX-License-Identifier: GPL-2.0-or-later
// The message script that imup-craft and imup-inject read: one datagram per
// line, `TIME SOURCE DESTINATION TYPE [key=value ...]`. See tools/craft/README.md
// for the format. Parsing yields ScriptMessages; ScriptEncoder (script_encoder.hpp)
// turns them into datagram bytes, filling in what the line leaves out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "codec/message.hpp"
#include "packet/udp_frame.hpp"

namespace imup::script {

class ScriptError : public std::runtime_error {
 public:
  ScriptError(std::size_t line, const std::string& what)
      : std::runtime_error(line ? "line " + std::to_string(line) + ": " + what : what),
        line_(line) {}
  std::size_t line() const { return line_; }

 private:
  std::size_t line_;
};

// When a line happens, relative to the start of the script.
struct TimeSpec {
  enum class Kind : std::uint8_t { Absolute, Relative, Next } kind = Kind::Next;
  std::int64_t ns = 0;  // offset from the start (Absolute) or the previous line (Relative)
};

// Header fields forced by the line, written as given even when invalid.
struct HeaderOverrides {
  std::optional<std::uint16_t> seq;
  std::optional<std::uint8_t> type;
  std::optional<std::uint16_t> length;
  std::optional<std::uint8_t> low;
};

struct ScriptMessage {
  std::size_t line = 0;
  TimeSpec time;
  Endpoint src;
  Endpoint dst;
  std::uint8_t type = 0;        // the type column (a number for unknown types)
  Message message;              // typed body (Ack for unknown types)
  HeaderOverrides header;
  bool resend = false;          // reuse the sequence number of the last request src -> dst
  std::optional<std::string> raw_text;                // `text=`: replaces the encoded text
  std::optional<std::vector<std::uint8_t>> payload;   // `payload=`: the whole UDP payload
  packet::FrameOptions frame;
  bool break_udp_checksum = false;
};

class ScriptParser {
 public:
  ScriptParser();
  // Parses one line; returns nullopt for blank lines, comments and `define`.
  // Throws ScriptError naming the line and what is wrong.
  std::optional<ScriptMessage> parse_line(std::string_view text, std::size_t line_number);
  // Parses a whole script.
  std::vector<ScriptMessage> parse(std::string_view script);
  // Names for endpoints: `client`, `server` and what `define` lines add.
  void define(const std::string& name, Endpoint e) { names_[name] = e; }
  std::optional<Endpoint> endpoint(std::string_view token) const;

 private:
  std::map<std::string, Endpoint, std::less<>> names_;
};

// Type column words: "connect", "ack", "message", the French names, numbers.
std::optional<std::uint8_t> parse_type_word(std::string_view word);
// The canonical word for a type (as --help lists them).
std::string_view type_word(std::uint8_t type);
// Help text describing the format (types and their keys).
std::string script_format_help();

// Splits a line into tokens: white space separates, "double quotes" group
// (with \\ \" \r \n \t \xHH escapes), # outside quotes starts a comment.
std::vector<std::string> tokenize(std::string_view line, std::size_t line_number);
// "c0ffee" / "c0 ff ee" -> bytes.
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view hex);

}  // namespace imup::script
