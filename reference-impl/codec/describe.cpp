// SPDX-License-Identifier: GPL-2.0-or-later
// One-line renderings for people, logs and test vectors.
#include <array>
#include <cstdio>
#include <type_traits>

#include "codec/codec.hpp"
#include "codec/text.hpp"

namespace imup {
namespace {

constexpr std::array<std::string_view, 21> kFaultNames{
    "truncated",      "unknown_type",   "text_too_long", "bad_length",      "length_literal",
    "reserved_set",   "bad_state_mode", "bad_utf8",      "missing_crlf",    "bare_lf",
    "missing_field",  "extra_field",    "unexpected_text", "bad_name",      "bad_number",
    "bad_address",    "bad_user_entry", "text_user_list", "one_field_text", "mode_text_mismatch",
    "crlf_in_field",
};

// "..." with C-style escapes for anything that is not printable ASCII or UTF-8.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

const char* room_word(Room r) { return r == Room::Public ? "public" : "private"; }
const char* mode_word(Mode m) { return m == Mode::Centralized ? "centralized" : "decentralized"; }

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ',';
    out += n;
  }
  return out;
}

}  // namespace

std::string_view fault_name(Fault f) { return kFaultNames[std::size_t(f)]; }

std::string describe(const Problem& p) {
  return std::string(fault_name(p.fault)) + " (" + p.field + "): " + p.detail;
}

std::string describe(const Message& m) {
  std::string out(english_name(m.type()));  // PROTOCOL.md §5: the one English name
  out += " seq=" + std::to_string(m.seq);
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, Connect>) {
          out += " name=" + quote(b.name);
        } else if constexpr (std::is_same_v<B, Disconnect>) {
          if (b.name) out += " name=" + quote(*b.name);
        } else if constexpr (std::is_same_v<B, ListRequest>) {
          if (b.start_id) out += " start=" + std::to_string(*b.start_id);
        } else if constexpr (std::is_same_v<B, Relayed>) {
          out += " message=" + quote(b.message) + " sender=" + quote(b.sender);
          if (b.recipient) out += " recipient=" + quote(*b.recipient);
        } else if constexpr (std::is_same_v<B, GroupUpdate>) {
          if (b.more) out += " more";
          out += " members=[";
          for (std::size_t i = 0; i < b.members.size(); ++i) {
            if (i) out += ' ';
            out += b.members[i].name;
            if (b.members[i].endpoint) {
              out += '@';
              out += format_endpoint(*b.members[i].endpoint);
            }
          }
          out += "]";
        } else if constexpr (std::is_same_v<B, ChatMessage>) {
          out += std::string(" room=") + room_word(b.room) + " mode=" + mode_word(b.mode) +
                 " message=" + quote(b.message);
          if (b.recipient) out += " recipient=" + quote(*b.recipient);
        } else if constexpr (std::is_same_v<B, Invitation>) {
          out += std::string(" room=") + room_word(b.room) + " mode=" + mode_word(b.mode) +
                 " names=" + join_names(b.names);
          if (!b.note.empty()) out += " note=" + quote(b.note);
        } else if constexpr (std::is_same_v<B, ChooseMode>) {
          out += std::string(" room=") + room_word(b.room) + " mode=" + mode_word(b.mode);
          if (b.mode_in_text) out += " (in text)";
        } else if constexpr (std::is_same_v<B, UserListPage>) {
          if (b.more) out += " more";
          if (b.text_form) {
            out += " text=" + quote(*b.text_form);
          } else {
            out += " users=[";
            for (std::size_t i = 0; i < b.entries.size(); ++i) {
              const auto& e = b.entries[i];
              if (i) out += ' ';
              out += std::to_string(e.id);
              out += ':';
              out += e.name;
              out += '(';
              out += room_word(e.status);
              out += ')';
            }
            out += "]";
          }
        } else if constexpr (requires { b.reason; }) {
          out += " reason=" + quote(b.reason);
        }
      },
      m.body);
  return out;
}

}  // namespace imup
