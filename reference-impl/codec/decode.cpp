// SPDX-License-Identifier: GPL-2.0-or-later
// Datagram -> message. One pass collects every deviation; the strictness
// decides which deviations are fatal (docs/PROTOCOL.md §3, §4).
//
// The grammar is written once, as templates over kBuild: decode() runs it
// building the typed message, check() runs the very same code with every
// write to the message compiled out, so the two cannot disagree on a verdict
// and check() allocates nothing for a datagram without faults.
#include <array>
#include <memory>
#include <new>
#include <charconv>
#include <type_traits>

#include "codec/codec.hpp"
#include "codec/text.hpp"
#include "codec/text_fast_path.hpp"

namespace imup {
namespace {

class Reader {
 public:
  Reader(Strictness mode, std::optional<Problem>& error, std::vector<Problem>& warnings)
      : mode_(mode), error_(error), warnings_(warnings) {}

  // Records a deviation. Returns false when it is fatal (decoding stops).
  bool report(Fault f, const char* field, std::string detail) {
    if (mode_ == Strictness::Lenient && lenient_tolerates(f)) {
      warnings_.push_back(Problem{f, field, std::move(detail)});
      return true;
    }
    if (!error_) error_ = Problem{f, field, std::move(detail)};
    return false;
  }

 private:
  Strictness mode_;
  std::optional<Problem>& error_;
  std::vector<Problem>& warnings_;
};

// A text's fields without a heap allocation in the common case (every type
// but 11 has at most 3 fields); longer member lists spill into a vector.
class FieldList {
 public:
  void push(const Field& f) {
    if (n_ < kInline) {
      std::construct_at(inline_at(n_), f);
    } else {
      if (n_ == kInline) spill_.assign(inline_at(0), inline_at(kInline));
      spill_.push_back(f);
    }
    ++n_;
  }
  std::size_t size() const { return n_; }
  void clear() {
    spill_.clear();
    n_ = 0;
  }
  const Field& operator[](std::size_t i) const {
    return n_ <= kInline ? *std::launder(reinterpret_cast<const Field*>(storage_) + i) : spill_[i];
  }

 private:
  static constexpr std::size_t kInline = 8;
  static_assert(std::is_trivially_copyable_v<Field> && std::is_trivially_destructible_v<Field>);
  Field* inline_at(std::size_t i) { return std::launder(reinterpret_cast<Field*>(storage_) + i); }
  // Raw storage: only the fields pushed are constructed (no per-call zeroing).
  alignas(Field) unsigned char storage_[kInline * sizeof(Field)];
  std::vector<Field> spill_;
  std::size_t n_ = 0;
};

[[gnu::noinline]] bool check_unusual_name(Reader& r, std::string_view name, const char* field) {
  if (auto why = name_problem(name)) return r.report(Fault::BadName, field, *why);
  return true;
}
// The plain-ASCII test (name_problem's own first) inline; the rest out of line.
inline bool check_name(Reader& r, std::string_view name, const char* field) {
  if (is_plain_ascii_name(name)) [[likely]] return true;
  return check_unusual_name(r, name, field);
}

// Terminators and field counts, shared by every text type.
bool check_terminators(Reader& r, const FieldList& fields) {
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

[[gnu::noinline]] bool count_fault(Reader& r, std::size_t n, std::size_t min, std::size_t max,
                                   const char* what) {
  if (n < min)
    return r.report(Fault::MissingField, "text",
                    std::string("expected ") + what + ", found " + std::to_string(n) + " field(s)");
  if (n > max)
    return r.report(Fault::ExtraField, "text",
                    std::string("expected ") + what + ", found " + std::to_string(n) + " fields");
  return true;
}
inline bool check_count(Reader& r, std::size_t n, std::size_t min, std::size_t max, const char* what) {
  if (n >= min && n <= max) [[likely]] return true;
  return count_fault(r, n, min, max, what);
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

// Type 21: binary entries, or (lenient) the draft's text form. `page` is
// null when only checking (kBuild false).
template <bool kBuild>
bool parse_user_list(Reader& r, std::string_view text, UserListPage* page) {
  std::string why;
  const char* field = "text.entry";
  std::size_t pos = 0;
  std::size_t count = 0;  // entries read so far
  while (pos < text.size()) {
    if (text.size() - pos < 4) {
      why = "an entry header is cut short at byte " + std::to_string(pos);
      break;
    }
    auto w = load_be32(reinterpret_cast<const std::uint8_t*>(text.data() + pos));
    unsigned status = w >> 30, name_len = w & 0xFFFFF;
    if (status > 1) {
      why = "entry " + std::to_string(count + 1) + " has status " + std::to_string(status) +
            " (00 public, 01 private)";
      break;
    }
    if (name_len == 0 || name_len > 4 * kMaxNameChars || name_len > text.size() - pos - 4) {
      why = "entry " + std::to_string(count + 1) + " announces a " + std::to_string(name_len) +
            "-byte name where " + std::to_string(text.size() - pos - 4) + " bytes remain";
      break;
    }
    std::string_view name = text.substr(pos + 4, name_len);
    // The plain-ASCII test inline first, as check_name does: name_problem()
    // returns a std::optional<std::string>, too dear for every entry.
    if (is_plain_ascii_name(name)) [[likely]] {
    } else if (auto bad = name_problem(name)) {
      why = "entry " + std::to_string(count + 1) + ": " + *bad;
      field = "text.entry.name";
      break;
    }
    pos += 4 + name_len;
    ++count;
    if constexpr (kBuild)
      page->entries.push_back(UserEntry{Room(status), std::uint16_t((w >> 20) & 0x3FF), std::string(name)});
  }
  if (why.empty()) return true;

  // Not an entry list. The draft's example sends readable text instead.
  bool readable = utf8_length(text).has_value();
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7F) readable = false;
  if (readable) {
    if constexpr (kBuild) {
      page->entries.clear();
      page->text_form.emplace(text);
    }
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

// The text grammars of §4.3. With kBuild the fields are stored into `body`
// (a default body of `type`); without it `body` is null and nothing is stored.
template <bool kBuild>
bool parse_body(Reader& r, MessageType type, std::uint8_t low, std::string_view text, Body* body) {
  // The body's alternative for this type, only when building.
  [[maybe_unused]] auto get = [&]<class T>(std::type_identity<T>) -> T& { return std::get<T>(*body); };
  if (type == MessageType::UserList) {
    if constexpr (kBuild) {
      auto& page = get(std::type_identity<UserListPage>{});
      page.more = (low & kMoreBit) != 0;
      return parse_user_list<true>(r, text, &page);
    }
    return parse_user_list<false>(r, text, nullptr);
  }
  if (carries_no_text(type)) {
    if (!text.empty())
      return r.report(Fault::UnexpectedText, "text",
                      "this type carries no text, found " + std::to_string(text.size()) + " bytes");
    return true;
  }
  FieldList fields;
  // Plain ASCII lines each ending CRLF (nearly every text) in one pass: they
  // are valid UTF-8 and pass every terminator check, so those are skipped.
  if (!for_each_plain_line(text, [&](const Field& f) { fields.push(f); })) {
    fields.clear();
    if (!utf8_length(text)) return r.report(Fault::BadUtf8, "text", "the text is not valid UTF-8");
    for_each_field(text, [&](const Field& f) { fields.push(f); });
    if (!check_terminators(r, fields)) return false;
  }
  const auto n = fields.size();
  auto value = [&](std::size_t i) { return fields[i].value; };

  switch (type) {
    case MessageType::Connect: {
      if (!check_count(r, n, 1, 1, "the user name")) return false;
      if constexpr (kBuild) get(std::type_identity<Connect>{}).name.assign(value(0));
      return check_name(r, value(0), "text.name");
    }
    case MessageType::Disconnect: {
      if (!check_count(r, n, 0, 1, "an optional user name")) return false;
      if (n == 1) {
        if constexpr (kBuild) get(std::type_identity<Disconnect>{}).name.emplace(value(0));
        return check_name(r, value(0), "text.name");
      }
      return true;
    }
    case MessageType::ListRequest: {
      if (!check_count(r, n, 0, 1, "an optional start id")) return false;
      if (n == 1) {
        std::uint16_t id = 0;
        if (!parse_user_id(r, value(0), id)) return false;
        if constexpr (kBuild) get(std::type_identity<ListRequest>{}).start_id = id;
      }
      return true;
    }
    case MessageType::Relayed: {
      if (n == 1) {
        if constexpr (kBuild) get(std::type_identity<Relayed>{}).message.assign(value(0));
        return r.report(Fault::OneFieldText, "text.sender",
                        "no original-sender field (the message and sender share one field)");
      }
      if (!check_count(r, n, 2, 3, "message, sender and an optional recipient")) return false;
      if constexpr (kBuild) {
        auto& m = get(std::type_identity<Relayed>{});
        m.message.assign(value(0));
        m.sender.assign(value(1));
      }
      if (!check_name(r, value(1), "text.sender")) return false;
      if (n == 3) {
        if constexpr (kBuild) get(std::type_identity<Relayed>{}).recipient.emplace(value(2));
        return check_name(r, value(2), "text.recipient");
      }
      return true;
    }
    case MessageType::GroupUpdate: {
      if constexpr (kBuild) get(std::type_identity<GroupUpdate>{}).more = (low & kMoreBit) != 0;
      for (std::size_t i = 0; i < n; ++i) {
        auto line = value(i);
        auto sp = line.find(' ');
        auto name = line.substr(0, sp);
        if (!check_name(r, name, "text.member")) return false;
        std::optional<Endpoint> ep;
        if (sp != std::string_view::npos) {
          ep = parse_endpoint(line.substr(sp + 1));
          if (!ep)
            return r.report(Fault::BadAddress, "text.member.address",
                            "member line " + std::to_string(i + 1) + ": '" +
                                std::string(line.substr(sp + 1)) + "' is not ipv4:port");
        }
        if constexpr (kBuild)
          get(std::type_identity<GroupUpdate>{}).members.push_back(GroupMember{std::string(name), ep});
      }
      return true;
    }
    case MessageType::ChatMessage: {
      if constexpr (kBuild) {
        auto& m = get(std::type_identity<ChatMessage>{});
        m.room = Room(state_bits(low));
        m.mode = Mode(mode_bits(low));
      }
      if (!check_count(r, n, 1, 2, "a message and an optional recipient")) return false;
      if constexpr (kBuild) get(std::type_identity<ChatMessage>{}).message.assign(value(0));
      if (n == 2) {
        if constexpr (kBuild) get(std::type_identity<ChatMessage>{}).recipient.emplace(value(1));
        return check_name(r, value(1), "text.recipient");
      }
      return true;
    }
    case MessageType::Invitation: {
      if constexpr (kBuild) {
        auto& inv = get(std::type_identity<Invitation>{});
        inv.room = Room(state_bits(low));
        inv.mode = Mode(mode_bits(low));
      }
      if (!check_count(r, n, 1, 1, "one line of names")) return false;
      auto line = value(0);
      auto sp = line.find(' ');
      auto list = line.substr(0, sp);
      if (sp != std::string_view::npos) {
        auto note = line.substr(sp + 1);
        if constexpr (kBuild) get(std::type_identity<Invitation>{}).note.assign(note);
        if (note.empty())
          return r.report(Fault::UnexpectedText, "text.note", "a space after the names must be followed by text");
      }
      std::size_t start = 0;
      while (true) {
        auto comma = list.find(',', start);
        auto name = list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
        if (!check_name(r, name, "text.names")) return false;
        if constexpr (kBuild) get(std::type_identity<Invitation>{}).names.emplace_back(name);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      return true;
    }
    case MessageType::ChooseMode: {
      const Mode bits_mode = Mode(mode_bits(low));
      if constexpr (kBuild) {
        auto& c = get(std::type_identity<ChooseMode>{});
        c.room = Room(state_bits(low));
        c.mode = bits_mode;
      }
      if (!check_count(r, n, 0, 1, "an optional mode word")) return false;
      if (n == 0) return true;
      Mode said;
      if (value(0) == "centralise") said = Mode::Centralized;
      else if (value(0) == "decentralise") said = Mode::Decentralized;
      else
        return r.report(Fault::UnexpectedText, "text.mode",
                        "expected 'centralise' or 'decentralise', found '" + std::string(value(0)) + "'");
      if constexpr (kBuild) get(std::type_identity<ChooseMode>{}).mode_in_text = true;
      if (said != bits_mode)
        return r.report(Fault::ModeTextMismatch, "text.mode",
                        "the text says " + std::string(value(0)) + " but the mode bits say " +
                            (bits_mode == Mode::Centralized ? "centralized" : "decentralized"));
      return true;
    }
    default: {  // one reason field: 2, 10, 13-17
      if (!check_count(r, n, 1, 1, "one reason field")) return false;
      if constexpr (kBuild)
        std::visit(
            [&](auto& b) {
              if constexpr (requires { b.reason; }) b.reason.assign(value(0));
            },
            *body);
      return true;
    }
  }
}

// The whole datagram: header checks, then the text. Writes the verdict into
// `error` and `warnings`, and with kBuild the message into `*message`.
// Returns the header when the datagram has one.
template <bool kBuild>
std::optional<Header> decode_into(std::span<const std::uint8_t> d, Strictness mode,
                                  std::optional<Problem>& error, std::vector<Problem>& warnings,
                                  std::optional<Message>* message) {
  Reader r(mode, error, warnings);
  if (d.size() < kHeaderBytes) {
    r.report(Fault::Truncated, "header",
             "a datagram of " + std::to_string(d.size()) + " bytes is shorter than the 4-byte header");
    return std::nullopt;
  }
  const Header h = unpack(load_be32(d.data()));
  if (!is_known_type(h.type)) {
    r.report(Fault::UnknownType, "header.type", "type " + std::to_string(h.type) + " is not 1..21");
    return h;
  }
  const auto type = MessageType(h.type);
  std::string_view text(reinterpret_cast<const char*>(d.data()) + kHeaderBytes, d.size() - kHeaderBytes);
  if (text.size() > kMaxTextBytes) {
    r.report(Fault::TextTooLong, "text",
             "the text has " + std::to_string(text.size()) + " bytes (at most 1024)");
    return h;
  }
  switch (classify_length(h.length, text.size())) {
    case LengthVerdict::Conforming: break;
    case LengthVerdict::Literal:
      if (!r.report(Fault::LengthLiteral, "header.length",
                    "the length field is " + std::to_string(h.length) +
                        ", the literal byte count; the rule is n - 1 = " + std::to_string(text.size() - 1)))
        return h;
      break;
    case LengthVerdict::Bad:
      if (!r.report(Fault::BadLength, "header.length",
                    "the length field is " + std::to_string(h.length) + " for " +
                        std::to_string(text.size()) + " text bytes (expected " +
                        std::to_string(length_field_for(text.size())) + ")"))
        return h;
      break;
  }
  switch (format_of(type)) {
    case Format::Plain: {
      // Type 11 borrows bit 3 as its "more parts follow" flag (D19).
      std::uint8_t reserved = type == MessageType::GroupUpdate ? (h.low & 0x7) : h.low;
      if (reserved != 0 && !r.report(Fault::ReservedSet, "header.reserved",
                                     "reserved bits are " + std::to_string(reserved) + ", not 0"))
        return h;
      break;
    }
    case Format::StateMode:
      if (state_bits(h.low) > 1 || mode_bits(h.low) > 1) {
        r.report(Fault::BadStateMode, "header.state_mode",
                 "state " + std::to_string(state_bits(h.low)) + " / mode " +
                     std::to_string(mode_bits(h.low)) + ": only 0 and 1 are defined");
        return h;
      }
      break;
    case Format::UserList:
      if ((h.low & 0x7) != 0 && !r.report(Fault::ReservedSet, "header.reserved",
                                          "reserved bits 2..0 are not 0"))
        return h;
      break;
  }
  if constexpr (kBuild) {
    Message m{h.seq, make_body(type)};
    if (parse_body<true>(r, type, h.low, text, &m.body)) *message = std::move(m);
  } else {
    parse_body<false>(r, type, h.low, text, nullptr);
  }
  return h;
}

}  // namespace

Decoded decode(std::span<const std::uint8_t> d, Strictness mode) {
  Decoded out;
  out.header = decode_into<true>(d, mode, out.error, out.warnings, &out.message);
  return out;
}

Verdict check(std::span<const std::uint8_t> d, Strictness mode) {
  Verdict out;
  out.header = decode_into<false>(d, mode, out.error, out.warnings, nullptr);
  return out;
}

}  // namespace imup
