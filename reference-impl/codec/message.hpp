// SPDX-License-Identifier: GPL-2.0-or-later
// Typed IMUP messages: one struct per type, in type order, held in a variant
// whose index + 1 is the type number (docs/PROTOCOL.md §4.3, §5).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "codec/wire.hpp"

namespace imup {

struct Endpoint {
  std::uint32_t ipv4 = 0;  // host byte order: 127.0.0.1 is 0x7F000001
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
  auto operator<=>(const Endpoint&) const = default;
};

// Types whose text is one free-text reason field.
template <MessageType T>
struct Reason {
  static constexpr MessageType kType = T;
  std::string reason;
  bool operator==(const Reason&) const = default;
};
// Types that carry no text.
template <MessageType T>
struct Empty {
  static constexpr MessageType kType = T;
  bool operator==(const Empty&) const = default;
};

struct Connect {  // 1
  static constexpr MessageType kType = MessageType::Connect;
  std::string name;
  bool operator==(const Connect&) const = default;
};
using ConnectRefused = Reason<MessageType::ConnectRefused>;  // 2
struct Disconnect {  // 3: the name is optional (§12 D4)
  static constexpr MessageType kType = MessageType::Disconnect;
  std::optional<std::string> name;
  bool operator==(const Disconnect&) const = default;
};
struct ListRequest {  // 4: no start id = first page (§11)
  static constexpr MessageType kType = MessageType::ListRequest;
  std::optional<std::uint16_t> start_id;
  bool operator==(const ListRequest&) const = default;
};
using AcceptInvitation = Empty<MessageType::AcceptInvitation>;  // 5
using RefuseInvitation = Empty<MessageType::RefuseInvitation>;  // 6
using LeaveGroup = Empty<MessageType::LeaveGroup>;              // 7
using Ack = Empty<MessageType::Ack>;                            // 8
struct Relayed {  // 9
  static constexpr MessageType kType = MessageType::Relayed;
  std::string message;
  std::string sender;  // empty when a lenient decode met the one-field form
  std::optional<std::string> recipient;  // set on a direct message
  bool operator==(const Relayed&) const = default;
};
using ModeOffer = Reason<MessageType::ModeOffer>;  // 10
struct GroupMember {
  std::string name;
  std::optional<Endpoint> endpoint;  // decentralized groups only (§10)
  bool operator==(const GroupMember&) const = default;
};
struct GroupUpdate {  // 11: one part of a list that may span several datagrams (D19)
  static constexpr MessageType kType = MessageType::GroupUpdate;
  std::vector<GroupMember> members;
  bool more = false;  // low bit 3: the list goes on in the next 11
  bool operator==(const GroupUpdate&) const = default;
};
using LivenessProbe = Empty<MessageType::LivenessProbe>;            // 12
using GroupClosed = Reason<MessageType::GroupClosed>;               // 13
using UnknownRecipient = Reason<MessageType::UnknownRecipient>;     // 14
using CrossesRooms = Reason<MessageType::CrossesRooms>;             // 15
using GroupEnded = Reason<MessageType::GroupEnded>;                 // 16
using LimitReached = Reason<MessageType::LimitReached>;             // 17
struct ChatMessage {  // 18
  static constexpr MessageType kType = MessageType::ChatMessage;
  Room room = Room::Public;
  Mode mode = Mode::Centralized;
  std::string message;
  std::optional<std::string> recipient;
  bool operator==(const ChatMessage&) const = default;
};
struct Invitation {  // 19: client -> server: members; server -> invitee: members, inviter first
  static constexpr MessageType kType = MessageType::Invitation;
  Room room = Room::Private;
  Mode mode = Mode::Centralized;
  std::vector<std::string> names;
  std::string note;  // free text after the list ("vous invite messagerie")
  bool operator==(const Invitation&) const = default;
};
struct ChooseMode {  // 20: the bits are authoritative; the text may repeat them
  static constexpr MessageType kType = MessageType::ChooseMode;
  Room room = Room::Private;
  Mode mode = Mode::Centralized;
  bool mode_in_text = false;
  bool operator==(const ChooseMode&) const = default;
};
struct UserEntry {
  Room status = Room::Public;
  std::uint16_t id = 0;  // 0..1023
  std::string name;
  bool operator==(const UserEntry&) const = default;
};
struct UserListPage {  // 21
  static constexpr MessageType kType = MessageType::UserList;
  bool more = false;
  std::vector<UserEntry> entries;
  // Set only by a lenient decode of a text-form list ("publique, Lucy"); the
  // encoder writes it verbatim instead of entries, for crafting such datagrams.
  std::optional<std::string> text_form;
  bool operator==(const UserListPage&) const = default;
};

using Body = std::variant<Connect, ConnectRefused, Disconnect, ListRequest, AcceptInvitation,
                          RefuseInvitation, LeaveGroup, Ack, Relayed, ModeOffer, GroupUpdate,
                          LivenessProbe, GroupClosed, UnknownRecipient, CrossesRooms, GroupEnded,
                          LimitReached, ChatMessage, Invitation, ChooseMode, UserListPage>;
static_assert(std::variant_size_v<Body> == kMaxType);

struct Message {
  std::uint16_t seq = 0;  // 0..1023
  Body body;
  MessageType type() const { return MessageType(body.index() + 1); }
  bool operator==(const Message&) const = default;
};

// A default-constructed body of the given type (for decoders and crafting tools).
Body make_body(MessageType t);

}  // namespace imup
