// SPDX-License-Identifier: GPL-2.0-or-later
#include "random_messages.hpp"

#include <array>

namespace imup::testing {
namespace {

// Characters a name may hold, ASCII and not (2-, 3- and 4-byte UTF-8).
constexpr std::array<const char*, 12> kNameChars{"a", "Z", "7", "_", "-", ".", "é", "ß", "李",
                                                 "ж", "😀", "'"};
// Free text may also hold spaces, commas and punctuation, never CR or LF.
constexpr std::array<const char*, 10> kTextChars{"a", " ", ",", "!", "é", "\t", "\"", "😀", "x",
                                                 "0"};

std::size_t pick(std::mt19937_64& rng, std::size_t lo, std::size_t hi) {
  return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
}
bool coin(std::mt19937_64& rng) { return pick(rng, 0, 1) == 1; }

std::string random_text(std::mt19937_64& rng, std::size_t max_chars) {
  std::string s;
  for (std::size_t i = pick(rng, 0, max_chars); i > 0; --i) s += kTextChars[pick(rng, 0, kTextChars.size() - 1)];
  return s;
}
Endpoint random_endpoint(std::mt19937_64& rng) {
  return Endpoint{std::uint32_t(rng()), std::uint16_t(pick(rng, 1, 65535))};
}
Room random_room(std::mt19937_64& rng) { return coin(rng) ? Room::Private : Room::Public; }
Mode random_mode(std::mt19937_64& rng) { return coin(rng) ? Mode::Decentralized : Mode::Centralized; }

}  // namespace

std::string random_name(std::mt19937_64& rng) {
  std::string s;
  for (std::size_t i = pick(rng, 1, kMaxNameChars); i > 0; --i) s += kNameChars[pick(rng, 0, kNameChars.size() - 1)];
  return s;
}

Message random_message(std::mt19937_64& rng) {
  return random_message(rng, MessageType(pick(rng, kMinType, kMaxType)));
}

Message random_message(std::mt19937_64& rng, MessageType type) {
  Message m{std::uint16_t(pick(rng, 0, 1023)), make_body(type)};
  std::visit(
      [&](auto& b) {
        using B = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<B, Connect>) b.name = random_name(rng);
        else if constexpr (std::is_same_v<B, Disconnect>) { if (coin(rng)) b.name = random_name(rng); }
        else if constexpr (std::is_same_v<B, ListRequest>) {
          if (coin(rng)) b.start_id = std::uint16_t(pick(rng, 0, 1023));
        } else if constexpr (std::is_same_v<B, Relayed>) {
          b.message = random_text(rng, 120);
          b.sender = random_name(rng);
          if (coin(rng)) b.recipient = random_name(rng);
        } else if constexpr (std::is_same_v<B, GroupUpdate>) {
          bool decentralized = coin(rng);
          b.more = coin(rng);
          for (std::size_t i = pick(rng, 0, 8); i > 0; --i)
            b.members.push_back({random_name(rng),
                                 decentralized ? std::optional(random_endpoint(rng)) : std::nullopt});
        } else if constexpr (std::is_same_v<B, ChatMessage>) {
          b.room = random_room(rng);
          b.mode = random_mode(rng);
          b.message = random_text(rng, 200);
          if (coin(rng)) b.recipient = random_name(rng);
        } else if constexpr (std::is_same_v<B, Invitation>) {
          b.room = random_room(rng);
          b.mode = random_mode(rng);
          for (std::size_t i = pick(rng, 1, 6); i > 0; --i) b.names.push_back(random_name(rng));
          if (coin(rng)) {
            b.note = random_text(rng, 30);
            if (b.note.empty()) b.note = "vous invite";
          }
        } else if constexpr (std::is_same_v<B, ChooseMode>) {
          b.room = random_room(rng);
          b.mode = random_mode(rng);
          b.mode_in_text = coin(rng);
        } else if constexpr (std::is_same_v<B, UserListPage>) {
          b.more = coin(rng);
          for (std::size_t i = pick(rng, 0, 10); i > 0; --i)
            b.entries.push_back({random_room(rng), std::uint16_t(pick(rng, 0, 1023)), random_name(rng)});
        } else if constexpr (requires { b.reason; }) {
          b.reason = random_text(rng, 80);
        }
      },
      m.body);
  return m;
}

}  // namespace imup::testing
