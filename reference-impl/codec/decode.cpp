// SPDX-License-Identifier: GPL-2.0-or-later
// Datagram -> message. One pass collects every deviation; the strictness
// decides which deviations are fatal (docs/PROTOCOL.md §3, §4).
#include <charconv>

#include "codec/codec.hpp"
#include "codec/text.hpp"

namespace imup {
namespace {

class Reader {
 public:
  Reader(Strictness mode, Decoded& out) : mode_(mode), out_(out) {}

  // Records a deviation. Returns false when it is fatal (decoding stops).
  bool report(Fault f, const char* field, std::string detail) {
    if (mode_ == Strictness::Lenient && lenient_tolerates(f)) {
      out_.warnings.push_back(Problem{f, field, std::move(detail)});
      return true;
    }
    if (!out_.error) out_.error = Problem{f, field, std::move(detail)};
    return false;
  }

 private:
  Strictness mode_;
  Decoded& out_;
};

bool check_name(Reader& r, std::string_view name, const char* field) {
  if (auto why = name_problem(name)) return r.report(Fault::BadName, field, *why);
  return true;
}

// Terminators and field counts, shared by every text type.
bool check_terminators(Reader& r, const std::vector<Field>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].value.find('\r') != std::string_view::npos &&
        !r.report(Fault::CrlfInField, "text",
                  "field " + std::to_string(i + 1) + " holds a CR that does not end it"))
      return false;
    if (fields[i].end == Terminator::BareLf &&
        !r.report(Fault::BareLf, "text", "field " + std::to_string(i + 1) + " ends with LF, not CRLF"))
      return false;
    if (fields[i].end == Terminator::None &&
        !r.report(Fault::MissingCrlf, "text", "the last field has no CRLF terminator"))
      return false;
  }
  return true;
}

bool check_count(Reader& r, std::size_t n, std::size_t min, std::size_t max, const char* what) {
  if (n < min)
    return r.report(Fault::MissingField, "text",
                    std::string("expected ") + what + ", found " + std::to_string(n) + " field(s)");
  if (n > max)
    return r.report(Fault::ExtraField, "text",
                    std::string("expected ") + what + ", found " + std::to_string(n) + " fields");
  return true;
}

bool parse_user_id(Reader& r, std::string_view s, std::uint16_t& id) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s.size() > 4 || ec != std::errc() || p != s.data() + s.size() || v > 1023 ||
      (s.size() > 1 && s[0] == '0'))
    return r.report(Fault::BadNumber, "text.start_id",
                    "a start id is a decimal number 0..1023 without leading zeros");
  id = std::uint16_t(v);
  return true;
}

// Type 21: binary entries, or (lenient) the draft's text form.
bool parse_user_list(Reader& r, std::string_view text, UserListPage& page) {
  std::string why;
  const char* field = "text.entry";
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text.size() - pos < 4) {
      why = "an entry header is cut short at byte " + std::to_string(pos);
      break;
    }
    auto w = load_be32(reinterpret_cast<const std::uint8_t*>(text.data() + pos));
    UserEntry e;
    unsigned status = w >> 30, name_len = w & 0xFFFFF;
    e.id = std::uint16_t((w >> 20) & 0x3FF);
    if (status > 1) {
      why = "entry " + std::to_string(page.entries.size() + 1) + " has status " +
            std::to_string(status) + " (00 public, 01 private)";
      break;
    }
    e.status = Room(status);
    if (name_len == 0 || name_len > 4 * kMaxNameChars || name_len > text.size() - pos - 4) {
      why = "entry " + std::to_string(page.entries.size() + 1) + " announces a " +
            std::to_string(name_len) + "-byte name where " + std::to_string(text.size() - pos - 4) +
            " bytes remain";
      break;
    }
    e.name.assign(text.substr(pos + 4, name_len));
    if (auto bad = name_problem(e.name)) {
      why = "entry " + std::to_string(page.entries.size() + 1) + ": " + *bad;
      field = "text.entry.name";
      break;
    }
    pos += 4 + name_len;
    page.entries.push_back(std::move(e));
  }
  if (why.empty()) return true;

  // Not an entry list. The draft's example sends readable text instead.
  bool readable = utf8_length(text).has_value();
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7F) readable = false;
  if (readable) {
    page.entries.clear();
    page.text_form.emplace(text);
    return r.report(Fault::TextUserList, "text", "the user list is plain text, not entries");
  }
  return r.report(Fault::BadUserEntry, field, why);
}

bool carries_no_text(MessageType t) {
  switch (t) {
    case MessageType::AcceptInvitation: case MessageType::RefuseInvitation:
    case MessageType::LeaveGroup: case MessageType::Ack: case MessageType::LivenessProbe:
      return true;
    default:
      return false;
  }
}

bool parse_body(Reader& r, MessageType type, std::uint8_t low, std::string_view text, Body& body) {
  if (type == MessageType::UserList) {
    auto& page = std::get<UserListPage>(body);
    page.more = (low & kMoreBit) != 0;
    return parse_user_list(r, text, page);
  }
  if (carries_no_text(type)) {
    if (!text.empty())
      return r.report(Fault::UnexpectedText, "text",
                      "this type carries no text, found " + std::to_string(text.size()) + " bytes");
    return true;
  }
  if (!utf8_length(text)) return r.report(Fault::BadUtf8, "text", "the text is not valid UTF-8");
  auto fields = split_fields(text);
  if (!check_terminators(r, fields)) return false;
  const auto n = fields.size();
  auto value = [&](std::size_t i) { return fields[i].value; };

  switch (type) {
    case MessageType::Connect: {
      if (!check_count(r, n, 1, 1, "the user name")) return false;
      std::get<Connect>(body).name.assign(value(0));
      return check_name(r, value(0), "text.name");
    }
    case MessageType::Disconnect: {
      if (!check_count(r, n, 0, 1, "an optional user name")) return false;
      if (n == 1) {
        std::get<Disconnect>(body).name.emplace(value(0));
        return check_name(r, value(0), "text.name");
      }
      return true;
    }
    case MessageType::ListRequest: {
      if (!check_count(r, n, 0, 1, "an optional start id")) return false;
      if (n == 1) {
        std::uint16_t id = 0;
        if (!parse_user_id(r, value(0), id)) return false;
        std::get<ListRequest>(body).start_id = id;
      }
      return true;
    }
    case MessageType::Relayed: {
      auto& m = std::get<Relayed>(body);
      if (n == 1) {
        m.message.assign(value(0));
        return r.report(Fault::OneFieldText, "text.sender",
                        "no original-sender field (the message and sender share one field)");
      }
      if (!check_count(r, n, 2, 3, "message, sender and an optional recipient")) return false;
      m.message.assign(value(0));
      m.sender.assign(value(1));
      if (!check_name(r, value(1), "text.sender")) return false;
      if (n == 3) {
        m.recipient.emplace(value(2));
        return check_name(r, value(2), "text.recipient");
      }
      return true;
    }
    case MessageType::GroupUpdate: {
      auto& g = std::get<GroupUpdate>(body);
      g.more = (low & kMoreBit) != 0;
      for (std::size_t i = 0; i < n; ++i) {
        auto line = value(i);
        auto sp = line.find(' ');
        GroupMember member;
        member.name.assign(line.substr(0, sp));
        if (!check_name(r, member.name, "text.member")) return false;
        if (sp != std::string_view::npos) {
          auto ep = parse_endpoint(line.substr(sp + 1));
          if (!ep)
            return r.report(Fault::BadAddress, "text.member.address",
                            "member line " + std::to_string(i + 1) + ": '" +
                                std::string(line.substr(sp + 1)) + "' is not ipv4:port");
          member.endpoint = *ep;
        }
        g.members.push_back(std::move(member));
      }
      return true;
    }
    case MessageType::ChatMessage: {
      auto& m = std::get<ChatMessage>(body);
      m.room = Room(state_bits(low));
      m.mode = Mode(mode_bits(low));
      if (!check_count(r, n, 1, 2, "a message and an optional recipient")) return false;
      m.message.assign(value(0));
      if (n == 2) {
        m.recipient.emplace(value(1));
        return check_name(r, value(1), "text.recipient");
      }
      return true;
    }
    case MessageType::Invitation: {
      auto& inv = std::get<Invitation>(body);
      inv.room = Room(state_bits(low));
      inv.mode = Mode(mode_bits(low));
      if (!check_count(r, n, 1, 1, "one line of names")) return false;
      auto line = value(0);
      auto sp = line.find(' ');
      auto list = line.substr(0, sp);
      if (sp != std::string_view::npos) {
        inv.note.assign(line.substr(sp + 1));
        if (inv.note.empty())
          return r.report(Fault::UnexpectedText, "text.note", "a space after the names must be followed by text");
      }
      std::size_t start = 0;
      while (true) {
        auto comma = list.find(',', start);
        auto name = list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
        if (!check_name(r, name, "text.names")) return false;
        inv.names.emplace_back(name);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      return true;
    }
    case MessageType::ChooseMode: {
      auto& c = std::get<ChooseMode>(body);
      c.room = Room(state_bits(low));
      c.mode = Mode(mode_bits(low));
      if (!check_count(r, n, 0, 1, "an optional mode word")) return false;
      if (n == 0) return true;
      Mode said;
      if (value(0) == "centralise") said = Mode::Centralized;
      else if (value(0) == "decentralise") said = Mode::Decentralized;
      else
        return r.report(Fault::UnexpectedText, "text.mode",
                        "expected 'centralise' or 'decentralise', found '" + std::string(value(0)) + "'");
      c.mode_in_text = true;
      if (said != c.mode)
        return r.report(Fault::ModeTextMismatch, "text.mode",
                        "the text says " + std::string(value(0)) + " but the mode bits say " +
                            (c.mode == Mode::Centralized ? "centralized" : "decentralized"));
      return true;
    }
    default: {  // one reason field: 2, 10, 13-17
      if (!check_count(r, n, 1, 1, "one reason field")) return false;
      std::visit(
          [&](auto& b) {
            if constexpr (requires { b.reason; }) b.reason.assign(value(0));
          },
          body);
      return true;
    }
  }
}

}  // namespace

Decoded decode(std::span<const std::uint8_t> d, Strictness mode) {
  Decoded out;
  Reader r(mode, out);
  if (d.size() < kHeaderBytes) {
    r.report(Fault::Truncated, "header",
             "a datagram of " + std::to_string(d.size()) + " bytes is shorter than the 4-byte header");
    return out;
  }
  const Header h = unpack(load_be32(d.data()));
  out.header = h;
  if (!is_known_type(h.type)) {
    r.report(Fault::UnknownType, "header.type", "type " + std::to_string(h.type) + " is not 1..21");
    return out;
  }
  const auto type = MessageType(h.type);
  std::string_view text(reinterpret_cast<const char*>(d.data()) + kHeaderBytes, d.size() - kHeaderBytes);
  if (text.size() > kMaxTextBytes) {
    r.report(Fault::TextTooLong, "text",
             "the text has " + std::to_string(text.size()) + " bytes (at most 1024)");
    return out;
  }
  switch (classify_length(h.length, text.size())) {
    case LengthVerdict::Conforming: break;
    case LengthVerdict::Literal:
      if (!r.report(Fault::LengthLiteral, "header.length",
                    "the length field is " + std::to_string(h.length) +
                        ", the literal byte count; the rule is n - 1 = " + std::to_string(text.size() - 1)))
        return out;
      break;
    case LengthVerdict::Bad:
      if (!r.report(Fault::BadLength, "header.length",
                    "the length field is " + std::to_string(h.length) + " for " +
                        std::to_string(text.size()) + " text bytes (expected " +
                        std::to_string(length_field_for(text.size())) + ")"))
        return out;
      break;
  }
  switch (format_of(type)) {
    case Format::Plain: {
      // Type 11 borrows bit 3 as its "more parts follow" flag (D19).
      std::uint8_t reserved = type == MessageType::GroupUpdate ? (h.low & 0x7) : h.low;
      if (reserved != 0 && !r.report(Fault::ReservedSet, "header.reserved",
                                     "reserved bits are " + std::to_string(reserved) + ", not 0"))
        return out;
      break;
    }
    case Format::StateMode:
      if (state_bits(h.low) > 1 || mode_bits(h.low) > 1) {
        r.report(Fault::BadStateMode, "header.state_mode",
                 "state " + std::to_string(state_bits(h.low)) + " / mode " +
                     std::to_string(mode_bits(h.low)) + ": only 0 and 1 are defined");
        return out;
      }
      break;
    case Format::UserList:
      if ((h.low & 0x7) != 0 && !r.report(Fault::ReservedSet, "header.reserved",
                                          "reserved bits 2..0 are not 0"))
        return out;
      break;
  }
  Message m{h.seq, make_body(type)};
  if (!parse_body(r, type, h.low, text, m.body)) return out;
  out.message = std::move(m);
  return out;
}

}  // namespace imup
