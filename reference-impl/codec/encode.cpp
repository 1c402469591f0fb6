// SPDX-License-Identifier: GPL-2.0-or-later
// Message -> datagram. The encoder refuses what PROTOCOL.md forbids (bad names,
// CR/LF inside a field, texts over 1024 bytes) instead of cutting it.
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "codec/codec.hpp"
#include "codec/text.hpp"

namespace imup {
namespace {

// Appends text bytes into a fixed window, remembering the first fault.
class TextSink {
 public:
  TextSink(std::uint8_t* out, std::size_t capacity) : out_(out), capacity_(capacity) {}

  void bytes(std::string_view s) {
    if (error_) return;
    if (s.size() > capacity_ - size_) {
      fail(Fault::TextTooLong, "text",
           "the text would exceed " + std::to_string(capacity_) + " bytes");
      return;
    }
    std::memcpy(out_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  void crlf() { bytes("\r\n"); }
  void line(std::string_view s, const char* field) {
    free_text(s, field);
    crlf();
  }
  void free_text(std::string_view s, const char* field) {
    if (s.find_first_of("\r\n") != std::string_view::npos) {
      fail(Fault::CrlfInField, field, "a field cannot contain CR or LF");
      return;
    }
    if (!utf8_length(s)) {
      fail(Fault::BadUtf8, field, "the field is not valid UTF-8");
      return;
    }
    bytes(s);
  }
  void name(std::string_view s, const char* field) {
    if (auto why = name_problem(s)) {
      fail(Fault::BadName, field, *why);
      return;
    }
    bytes(s);
  }
  void be32(std::uint32_t w) {
    std::uint8_t b[4];
    store_be32(b, w);
    bytes(std::string_view(reinterpret_cast<const char*>(b), 4));
  }
  void fail(Fault f, const char* field, std::string detail) {
    if (!error_) error_ = Problem{f, field, std::move(detail)};
  }

  std::size_t size() const { return size_; }
  std::optional<Problem>& error() { return error_; }

 private:
  std::uint8_t* out_;
  std::size_t capacity_;
  std::size_t size_ = 0;
  std::optional<Problem> error_;
};

void write_text(const Body& body, TextSink& sink) {
  std::visit(
      [&](const auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, Connect>) {
          sink.name(b.name, "text.name");
          sink.crlf();
        } else if constexpr (std::is_same_v<B, Disconnect>) {
          if (b.name) {
            sink.name(*b.name, "text.name");
            sink.crlf();
          }
        } else if constexpr (std::is_same_v<B, ListRequest>) {
          if (b.start_id) {
            if (*b.start_id >= kSeqModulo) {
              sink.fail(Fault::BadNumber, "text.start_id", "a user id is 0..1023");
              return;
            }
            sink.line(std::to_string(*b.start_id), "text.start_id");
          }
        } else if constexpr (std::is_same_v<B, Relayed>) {
          sink.line(b.message, "text.message");
          sink.name(b.sender, "text.sender");
          sink.crlf();
          if (b.recipient) {
            sink.name(*b.recipient, "text.recipient");
            sink.crlf();
          }
        } else if constexpr (std::is_same_v<B, GroupUpdate>) {
          for (const auto& m : b.members) {
            sink.name(m.name, "text.member");
            if (m.endpoint) {
              sink.bytes(" ");
              sink.bytes(format_endpoint(*m.endpoint));
            }
            sink.crlf();
          }
        } else if constexpr (std::is_same_v<B, ChatMessage>) {
          sink.line(b.message, "text.message");
          if (b.recipient) {
            sink.name(*b.recipient, "text.recipient");
            sink.crlf();
          }
        } else if constexpr (std::is_same_v<B, Invitation>) {
          if (b.names.empty()) sink.fail(Fault::MissingField, "text.names", "no name to invite");
          for (std::size_t i = 0; i < b.names.size(); ++i) {
            if (i) sink.bytes(",");
            sink.name(b.names[i], "text.names");
          }
          if (!b.note.empty()) {
            sink.bytes(" ");
            sink.free_text(b.note, "text.note");
          }
          sink.crlf();
        } else if constexpr (std::is_same_v<B, ChooseMode>) {
          if (b.mode_in_text)
            sink.line(b.mode == Mode::Centralized ? "centralise" : "decentralise", "text.mode");
        } else if constexpr (std::is_same_v<B, UserListPage>) {
          if (b.text_form) {
            sink.bytes(*b.text_form);
            return;
          }
          for (const auto& e : b.entries) {
            if (e.id >= kSeqModulo) {
              sink.fail(Fault::BadUserEntry, "text.entry.id", "a user id is 0..1023");
              return;
            }
            if (auto why = name_problem(e.name)) {
              sink.fail(Fault::BadName, "text.entry.name", *why);
              return;
            }
            sink.be32((std::uint32_t(e.status) << 30) | (std::uint32_t(e.id) << 20) |
                      std::uint32_t(e.name.size()));
            sink.bytes(e.name);
          }
        } else if constexpr (requires { b.reason; }) {
          sink.line(b.reason, "text.reason");
        } else {
          static_assert(std::is_empty_v<B>, "every type with text is handled above");
        }
      },
      body);
}

}  // namespace

std::uint8_t low_bits_of(const Message& m) {
  if (const auto* c = std::get_if<ChatMessage>(&m.body)) return make_state_mode(c->room, c->mode);
  if (const auto* i = std::get_if<Invitation>(&m.body)) return make_state_mode(i->room, i->mode);
  if (const auto* s = std::get_if<ChooseMode>(&m.body)) return make_state_mode(s->room, s->mode);
  if (const auto* u = std::get_if<UserListPage>(&m.body)) return u->more ? kMoreBit : 0;
  if (const auto* g = std::get_if<GroupUpdate>(&m.body)) return g->more ? kMoreBit : 0;
  return 0;
}

std::size_t write_datagram(const Header& h, std::span<const std::uint8_t> text,
                           std::span<std::uint8_t> out) {
  if (out.size() < kHeaderBytes + text.size()) return 0;
  store_be32(out.data(), pack(h));
  if (!text.empty()) std::memcpy(out.data() + kHeaderBytes, text.data(), text.size());
  return kHeaderBytes + text.size();
}

Encoded encode(const Message& m, std::span<std::uint8_t> out) {
  if (out.size() < kHeaderBytes)
    return {0, Problem{Fault::TextTooLong, "datagram", "the output buffer is smaller than a header"}};
  if (m.seq >= kSeqModulo)
    return {0, Problem{Fault::BadNumber, "header.seq", "a sequence number is 0..1023"}};
  TextSink sink(out.data() + kHeaderBytes, std::min(out.size() - kHeaderBytes, kMaxTextBytes));
  write_text(m.body, sink);
  if (sink.error()) return {0, std::move(sink.error())};
  Header h{m.seq, std::uint8_t(m.type()), length_field_for(sink.size()), low_bits_of(m)};
  store_be32(out.data(), pack(h));
  return {kHeaderBytes + sink.size(), std::nullopt};
}

std::vector<std::uint8_t> encode(const Message& m) {
  std::vector<std::uint8_t> out(kMaxDatagramBytes);
  auto r = encode(m, out);
  if (!r.ok()) throw std::invalid_argument("cannot encode: " + describe(*r.error));
  out.resize(r.size);
  return out;
}

std::optional<Problem> encode_text(const Message& m, std::string& text) {
  std::uint8_t buf[kMaxTextBytes];
  TextSink sink(buf, kMaxTextBytes);
  write_text(m.body, sink);
  if (sink.error()) return std::move(sink.error());
  text.assign(reinterpret_cast<const char*>(buf), sink.size());
  return std::nullopt;
}

std::size_t user_entry_bytes(const UserEntry& e) { return 4 + e.name.size(); }

std::size_t group_member_bytes(const GroupMember& m) {
  return m.name.size() + (m.endpoint ? 1 + format_endpoint(*m.endpoint).size() : 0) + 2;
}

std::size_t invitation_name_bytes(std::string_view name, bool first) {
  return name.size() + (first ? 2 : 1);
}

std::size_t entries_fitting(std::span<const UserEntry> entries) {
  std::size_t used = 0, n = 0;
  for (const auto& e : entries) {
    if (used + user_entry_bytes(e) > kMaxTextBytes) break;
    used += user_entry_bytes(e);
    ++n;
  }
  return n;
}

}  // namespace imup
