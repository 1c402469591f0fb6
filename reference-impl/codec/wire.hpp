// SPDX-License-Identifier: GPL-2.0-or-later
// The IMUP header and the protocol's constants (docs/PROTOCOL.md §1-§3, §5).
// Everything here is about bits on the wire; typed messages are in message.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "codec/limits.hpp"
#include "common/byte_order.hpp"  // load_be32, store_be32: the header word

namespace imup {

inline constexpr std::uint16_t kDefaultPort = 2017;
inline constexpr std::size_t kHeaderBytes = 4;
inline constexpr std::size_t kMaxDatagramBytes = kHeaderBytes + kMaxTextBytes;  // limits.hpp
inline constexpr std::uint16_t kSeqModulo = 1024;

enum class MessageType : std::uint8_t {
  Connect = 1,            // Connexion
  ConnectRefused = 2,     // ConnexionInvalide
  Disconnect = 3,         // Deconnexion
  ListRequest = 4,        // Demande de liste
  AcceptInvitation = 5,   // Accepter une invitation
  RefuseInvitation = 6,   // Refuser une invitation
  LeaveGroup = 7,         // Quitter une messagerie
  Ack = 8,                // Reponse de recepteur (ACK)
  Relayed = 9,            // Serveur diffuse un message
  ModeOffer = 10,         // offrir deux modes en privee
  GroupUpdate = 11,       // InvitationValide
  LivenessProbe = 12,     // compter nombre du client a cette messagerie
  GroupClosed = 13,       // fermer une messagerie
  UnknownRecipient = 14,  // EnvoieInvalide
  CrossesRooms = 15,      // Client privee recoit un message public
  GroupEnded = 16,        // Messagerie se termine
  LimitReached = 17,      // Nombre de client superieur a la limitation
  ChatMessage = 18,       // Client envoie un message
  Invitation = 19,        // Invitation a une messagerie
  ChooseMode = 20,        // choisir le mode
  UserList = 21,          // Liste d'utilisateur
};
inline constexpr std::uint8_t kMinType = 1;
inline constexpr std::uint8_t kMaxType = 21;

constexpr bool is_known_type(std::uint8_t t) { return t >= kMinType && t <= kMaxType; }

// The three packet formats differ only in the header's low four bits.
enum class Format : std::uint8_t { Plain = 1, StateMode = 2, UserList = 3 };
constexpr Format format_of(MessageType t) {
  auto n = static_cast<std::uint8_t>(t);
  return n <= 17 ? Format::Plain : n <= 20 ? Format::StateMode : Format::UserList;
}

// The 32-bit header, every field at full width so that tools can force any
// value, invalid ones included. Bits above a field's width are dropped by pack().
struct Header {
  std::uint16_t seq = 0;     // 10 bits
  std::uint8_t type = 0;     // 8 bits
  std::uint16_t length = 0;  // 10 bits: the length field as sent, not the text size
  std::uint8_t low = 0;      // 4 bits: reserved, state|mode, or more|reserved
  bool operator==(const Header&) const = default;
};

constexpr std::uint32_t pack(const Header& h) {
  return (std::uint32_t(h.seq & 0x3FF) << 22) | (std::uint32_t(h.type) << 14) |
         (std::uint32_t(h.length & 0x3FF) << 4) | std::uint32_t(h.low & 0xF);
}
constexpr Header unpack(std::uint32_t w) {
  return Header{std::uint16_t((w >> 22) & 0x3FF), std::uint8_t((w >> 14) & 0xFF),
                std::uint16_t((w >> 4) & 0x3FF), std::uint8_t(w & 0xF)};
}

// Format 2 low bits: state in bits 3..2, mode in bits 1..0.
enum class Room : std::uint8_t { Public = 0, Private = 1 };
enum class Mode : std::uint8_t { Centralized = 0, Decentralized = 1 };
constexpr std::uint8_t state_bits(std::uint8_t low) { return (low >> 2) & 0x3; }
constexpr std::uint8_t mode_bits(std::uint8_t low) { return low & 0x3; }
constexpr std::uint8_t make_state_mode(Room r, Mode m) {
  return std::uint8_t((std::uint8_t(r) << 2) | std::uint8_t(m));
}
// Format 3 low bits, and type 11's (D19): bit 3 = more follows in the next datagram.
inline constexpr std::uint8_t kMoreBit = 0x8;

// The length rule (§3): n - 1 for a non-empty text, 0 for none.
constexpr std::uint16_t length_field_for(std::size_t text_bytes) {
  return text_bytes == 0 ? 0 : std::uint16_t((text_bytes - 1) & 0x3FF);
}
enum class LengthVerdict : std::uint8_t { Conforming, Literal, Bad };
constexpr LengthVerdict classify_length(std::uint16_t field, std::size_t text_bytes) {
  if (text_bytes == 0) return field == 0 ? LengthVerdict::Conforming : LengthVerdict::Bad;
  if (text_bytes <= kMaxTextBytes && field == text_bytes - 1) return LengthVerdict::Conforming;
  if (text_bytes < kMaxTextBytes && field == text_bytes) return LengthVerdict::Literal;
  return LengthVerdict::Bad;
}

// Names for people: the draft's French name and the project's English one.
std::string_view french_name(MessageType t);
std::string_view english_name(MessageType t);
// "type 23" style fallback for unknown values lives with the callers.
std::optional<MessageType> to_type(std::uint8_t value);

}  // namespace imup
