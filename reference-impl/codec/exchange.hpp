// SPDX-License-Identifier: GPL-2.0-or-later
// Who sends what, and which answer closes which request (docs/PROTOCOL.md §5, §6).
// The engine, the verifier and the injector all ask these questions.
#pragma once

#include <cstdint>

#include "codec/wire.hpp"

namespace imup {

enum class Kind : std::uint8_t { Request, Answer };
constexpr Kind kind_of(MessageType t) {
  switch (t) {
    case MessageType::Connect: case MessageType::Disconnect: case MessageType::ListRequest:
    case MessageType::LeaveGroup: case MessageType::Relayed: case MessageType::GroupUpdate:
    case MessageType::LivenessProbe: case MessageType::GroupClosed:
    case MessageType::ChatMessage: case MessageType::Invitation: case MessageType::ChooseMode:
      return Kind::Request;
    default:
      return Kind::Answer;
  }
}
constexpr bool is_request(MessageType t) { return kind_of(t) == Kind::Request; }

// Which side may send a type. Invitation and ChatMessage travel both ways
// (relayed invitation; decentralized peers); Ack goes everywhere.
enum class Sender : std::uint8_t { Client = 1, Server = 2, Both = 3 };
constexpr Sender sender_of(MessageType t) {
  switch (t) {
    case MessageType::Connect: case MessageType::Disconnect: case MessageType::ListRequest:
    case MessageType::AcceptInvitation: case MessageType::RefuseInvitation:
    case MessageType::LeaveGroup: case MessageType::ChooseMode:
      return Sender::Client;
    case MessageType::Ack: case MessageType::Invitation: case MessageType::ChatMessage:
      return Sender::Both;
    default:
      return Sender::Server;
  }
}
constexpr bool client_may_send(MessageType t) {
  return (std::uint8_t(sender_of(t)) & std::uint8_t(Sender::Client)) != 0;
}
constexpr bool server_may_send(MessageType t) {
  // A ChatMessage never comes from the server (it relays with type 9).
  return t != MessageType::ChatMessage &&
         (std::uint8_t(sender_of(t)) & std::uint8_t(Sender::Server)) != 0;
}
// Between decentralized peers only messages and their ACKs travel.
constexpr bool peer_may_send(MessageType t) {
  return t == MessageType::ChatMessage || t == MessageType::Ack;
}

// Does `answer` close a request of type `request`? `from_server` says who sent
// the request (a relayed Invitation is answered by Accept/Refuse, a client's by
// the mode offer, an ACK or an error).
constexpr bool answers(MessageType request, MessageType answer, bool request_from_server) {
  using T = MessageType;
  switch (request) {
    case T::Connect: return answer == T::Ack || answer == T::ConnectRefused;
    case T::Disconnect: return answer == T::Ack;
    case T::ListRequest: return answer == T::UserList;
    case T::LeaveGroup: return answer == T::Ack || answer == T::GroupEnded;
    case T::ChatMessage:
      return answer == T::Ack || answer == T::UnknownRecipient || answer == T::CrossesRooms ||
             answer == T::GroupEnded;
    case T::Invitation:
      if (request_from_server) return answer == T::AcceptInvitation || answer == T::RefuseInvitation;
      return answer == T::ModeOffer || answer == T::Ack || answer == T::UnknownRecipient ||
             answer == T::LimitReached;
    case T::ChooseMode:
      return answer == T::Ack || answer == T::GroupEnded || answer == T::LimitReached;
    case T::Relayed: case T::GroupUpdate: case T::LivenessProbe: case T::GroupClosed:
      return answer == T::Ack;
    default:
      return false;
  }
}

// Serial-number arithmetic over the 10-bit space (§6.2).
constexpr std::uint16_t seq_add(std::uint16_t a, int delta) {
  return std::uint16_t((int(a) + delta % int(kSeqModulo) + int(kSeqModulo)) % int(kSeqModulo));
}
constexpr std::uint16_t seq_distance(std::uint16_t from, std::uint16_t to) {
  return std::uint16_t((to - from) & (kSeqModulo - 1));
}
// a is after b when (a - b) mod 1024 is in 1..511.
constexpr bool seq_after(std::uint16_t a, std::uint16_t b) {
  auto d = seq_distance(b, a);
  return d >= 1 && d < kSeqModulo / 2;
}

// Extends 10-bit sequence numbers from one sender to a full count across the
// wrap, as observers do (§6.2): each number is placed nearest to the last one.
class SeqUnwrapper {
 public:
  std::uint64_t unwrap(std::uint16_t seq) {
    seq &= kSeqModulo - 1;
    if (!started_) {
      started_ = true;
      last_ = seq;
      return last_;
    }
    auto low = std::uint16_t(last_ & (kSeqModulo - 1));
    auto forward = seq_distance(low, seq);
    if (forward < kSeqModulo / 2) {
      last_ += forward;
      return last_;
    }
    std::uint64_t back = kSeqModulo - forward;
    // A number slightly behind the newest is a late or resent one: place it
    // below without moving the newest (never below zero).
    return last_ >= back ? last_ - back : seq;
  }

 private:
  bool started_ = false;
  std::uint64_t last_ = 0;
};

}  // namespace imup
