// SPDX-License-Identifier: GPL-2.0-or-later
#include "session_model.hpp"

#include <algorithm>
#include <string_view>

#include "codec/exchange.hpp"
#include "codec/limits.hpp"
#include "codec/text.hpp"

namespace imup::verify {
namespace {

// The first name of a well-formed text: a Connexion's name (`name CRLF`), or
// the first of an Invitation's names (`name,name SP note CRLF`).
std::string_view first_name(std::span<const std::uint8_t> bytes) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()) + kHeaderBytes,
                        bytes.size() - kHeaderBytes);
  std::size_t end = 0;
  while (end < text.size() && text[end] != ',' && text[end] != '\r' && text[end] != '\n' &&
         text[end] != ' ')
    ++end;
  return text.substr(0, end);
}

}  // namespace

const ClientSession* SessionModel::find_client(Endpoint e) const {
  auto it = clients_.find(endpoint_key(e));
  return it == clients_.end() ? nullptr : &it->second;
}

// Whether the client's last complete member list names endpoint `e`.
bool SessionModel::lists(const ClientSession* c, Endpoint e) const {
  if (!c || !c->members_known) return false;
  return std::any_of(c->members.begin(), c->members.end(),
                     [&](const GroupMember& m) { return m.endpoint && *m.endpoint == e; });
}

// A new message straight between two endpoints (§10): some member list seen
// in the capture must link them, the sender's or the receiver's.
void SessionModel::check_peer(const Seen& s) {
  const Endpoint src = s.src, dst = s.dst;
  const ClientSession* a = find_client(src);
  const ClientSession* b = find_client(dst);
  if (lists(a, dst) || lists(b, src)) return;
  // Judge only with one end whose whole session is in the capture.
  auto judged = [](const ClientSession* c) { return c && c->connected && !c->state_unknown; };
  if (!judged(a) && !judged(b)) return;
  sink_.emit(Code::PeerNotMember, s,
             "no group update lists " + format_endpoint(src) + " and " + format_endpoint(dst) +
                 " in one decentralized group");
}

// An Invitation names at most a group's worth of members (§8), as the
// plugin's imup.limit_exceeded counts them: the names before the note.
void SessionModel::check_invitation_size(const Seen& s) {
  std::string_view text(reinterpret_cast<const char*>(s.bytes.data()) + kHeaderBytes,
                        s.bytes.size() - kHeaderBytes);
  std::string_view names = text.substr(0, text.find_first_of(" \r\n"));
  const std::size_t count = std::size_t(std::count(names.begin(), names.end(), ',')) + 1;
  if (count > kMaxGroupMembers)
    sink_.emit(Code::GroupLimitExceeded, s,
               "the invitation names " + std::to_string(count) + " users; a group has at most " +
                   std::to_string(kMaxGroupMembers) + " members");
}

// The mode bits of 18, 19 and 20 against the group's mode (§9.2, §9.6).
void SessionModel::check_modes(const Seen& s, const ClientSession& c) {
  const Role role = s.role;
  const Header& h = s.header;
  using T = MessageType;
  auto t = T(h.type);
  if (c.state_unknown) return;
  int bits = mode_bits(h.low);
  int expected = ClientSession::kModeUnknown;
  const char* whose = "";
  if (role == Role::ClientToServer && t == T::ChatMessage) {
    if (state_bits(h.low) == 0) {
      expected = 0;
      whose = "a public message carries mode 00";
    } else if (c.in_group) {
      expected = c.group_mode;
      whose = "a private message carries its group's mode";
    }
  } else if (role == Role::ClientToServer && t == T::Invitation) {
    expected = c.in_group ? c.group_mode : 0;
    whose = c.in_group ? "a member's invitation carries its group's mode"
                       : "an invitation from the public room carries mode 00";
  } else if (role == Role::ServerToClient && t == T::Invitation && s.well_formed) {
    // To an invitee: the inviter's group's mode; the inviter is named first.
    auto it = client_by_name_.find(std::string(first_name(s.bytes)));
    if (it != client_by_name_.end()) {
      auto ci = clients_.find(it->second);
      if (ci != clients_.end() && ci->second.name == it->first && ci->second.in_group &&
          !ci->second.state_unknown) {
        expected = ci->second.group_mode;
        whose = "an invitation relayed to an invitee carries the inviter's group's mode";
      }
    }
  }
  if (expected == ClientSession::kModeUnknown || bits == expected) return;
  sink_.emit(Code::GroupModeMismatch, s,
             std::string(whose) + " (" + (expected ? "decentralized, 01" : "centralized, 00") +
                 "); the bits say " + std::to_string(bits));
}

// A type-11 part to a client (D19): parts with the more flag accumulate, the
// part without it completes the list, which only then becomes the membership.
void SessionModel::group_update(const Seen& s, const Message* m, ClientSession& c) {
  if (c.part_unacked)
    sink_.emit(Code::UpdatePartOutOfOrder, s,
               "a group update sent before the client acknowledged the previous part of a list "
               "(parts go one at a time, each after the last one's ACK)");
  const auto* u = m ? std::get_if<GroupUpdate>(&m->body) : nullptr;
  if (!u) return;  // malformed: a client drops it
  if (!c.assembly_open) c.assembling.clear();
  c.assembling.insert(c.assembling.end(), u->members.begin(), u->members.end());
  c.assembly_open = u->more;
  c.part_unacked = u->more;
  if (u->more) return;
  c.in_group = true;
  // An update with no members is "your invitation was accepted", no list: the
  // membership the client knows stays as it was.
  if (c.assembling.empty()) return;
  // Complete: the new membership.
  c.members.swap(c.assembling);
  c.assembling.clear();
  if (c.members.size() > kMaxGroupMembers)
    sink_.emit(Code::GroupLimitExceeded, s,
               "the group update lists " + std::to_string(c.members.size()) +
                   " members; a group has at most " + std::to_string(kMaxGroupMembers));
  c.members_known = true;
  std::size_t with_address = 0;
  for (const auto& member : c.members) {
    if (!member.endpoint) continue;
    ++with_address;
    peers_[endpoint_key(*member.endpoint)] = s.time_ns;
  }
  int listed_mode = with_address == c.members.size() ? 1
                    : with_address == 0              ? 0
                                                     : ClientSession::kModeUnknown;
  if (listed_mode != ClientSession::kModeUnknown && c.group_mode != ClientSession::kModeUnknown &&
      listed_mode != c.group_mode && !c.state_unknown)
    sink_.emit(Code::GroupModeMismatch, s,
               std::string("the group is ") + (c.group_mode ? "decentralized" : "centralized") +
                   " but its update lists members " +
                   (listed_mode ? "with addresses" : "without addresses"));
  if (listed_mode != ClientSession::kModeUnknown) c.group_mode = std::int8_t(listed_mode);
}

void SessionModel::request(const Seen& s, ClientSession* client_state) {
  const Role role = s.role;
  const Header& h = s.header;
  auto t = MessageType(h.type);
  if (role == Role::PeerToPeer && t == MessageType::ChatMessage) check_peer(s);
  if (client_state) {
    Endpoint who = role == Role::ClientToServer ? s.src : s.dst;
    ClientSession& c = *client_state;
    if (role == Role::ClientToServer && t == MessageType::Connect && c.connected) {
      // A new Connexion (not a resend) ends the session there (§14).
      c.forget_session();
      c.last_active_ns = s.time_ns;
    }
    bool exempt =
        role == Role::ClientToServer ? t == MessageType::Connect : t == MessageType::LivenessProbe;
    if (!c.connected && !exempt) {
      sink_.emit(Code::NotConnected, s,
                 "client " + format_endpoint(who) + " has no accepted Connexion in this capture" +
                     " (reported once per client; later group checks skip it)");
      c.connected = true;
      c.state_unknown = true;
    }
    if (role == Role::ServerToClient && t == MessageType::GroupClosed && c.assembly_open)
      sink_.emit(
          Code::UpdatePartOutOfOrder, s,
          "Group closed sent between the parts of a group update (more parts were announced)");
    if (role == Role::ServerToClient && t == MessageType::GroupUpdate)
      group_update(s, s.well_formed ? s.message : nullptr, c);
    if (role == Role::ClientToServer && t == MessageType::Connect && s.well_formed)
      c.pending_name = first_name(s.bytes);
    if (t == MessageType::ChatMessage || t == MessageType::Invitation) check_modes(s, c);
    if (t == MessageType::Invitation && s.well_formed) check_invitation_size(s);
    if (role == Role::ClientToServer && t == MessageType::ChatMessage && state_bits(h.low) == 1 &&
        c.in_group && c.members_known && !c.state_unknown && !c.name.empty() &&
        std::none_of(c.members.begin(), c.members.end(),
                     [&](const GroupMember& member) { return member.name == c.name; }))
      sink_.emit(Code::SenderNotMember, s,
                 "'" + c.name + "' sent a private message, but the last group update to it (" +
                     std::to_string(c.members.size()) + " members) does not list it");
  }
}

void SessionModel::answer(const Seen& s, const ClosedRequest& r, ClientSession& c) {
  const Endpoint dst = s.dst;
  auto t = MessageType(s.header.type);
  using T = MessageType;
  switch (T(r.type)) {
    case T::Connect:
      c.connected = t == T::Ack;
      if (t == T::Ack && !c.pending_name.empty()) {
        c.name = c.pending_name;
        client_by_name_[c.name] = endpoint_key(dst);
      }
      break;
    case T::Disconnect:
      // Its name's entry stays (a reconnection reuses it without allocating);
      // lookups check that the client there still bears the name.
      c.forget_session();
      break;
    case T::GroupUpdate:
      if (r.low & kMoreBit) c.part_unacked = false;
      break;
    case T::Invitation:
      if (!r.from_server && t == T::ModeOffer) {
        if (c.in_group && !c.state_unknown)
          sink_.emit(Code::OfferToMember, s,
                     "Invitation (frame " + std::to_string(r.frame) +
                         ") from a member of a group got a mode offer; a member invites into its "
                         "own group");
        c.pending_offer = true;
      }
      if (r.from_server && t == T::AcceptInvitation) {
        c.in_group = true;
        c.group_mode = std::int8_t(mode_bits(r.low));
      }
      break;
    case T::ChooseMode:
      if (t == T::Ack) {
        if (!c.pending_offer && !c.state_unknown)
          sink_.emit(Code::GroupWithoutOffer, s,
                     "the server accepted Choose mode (frame " + std::to_string(r.frame) +
                         ") without a mode offer pending for this client");
        c.in_group = true;
        c.group_mode = std::int8_t(mode_bits(r.low));
      }
      c.pending_offer = false;
      break;
    case T::LeaveGroup:
      if (t == T::Ack && !c.in_group && !c.state_unknown)
        sink_.emit(Code::MessageOutsideGroup, s,
                   "Leave (frame " + std::to_string(r.frame) +
                       ") from a client in no group was acknowledged, not answered 16");
      c.in_group = false;
      c.group_mode = ClientSession::kModeUnknown;
      c.members_known = false;
      c.members.clear();
      break;
    case T::GroupClosed:
      c.in_group = false;
      c.group_mode = ClientSession::kModeUnknown;
      c.members_known = false;
      c.members.clear();
      c.assembly_open = c.part_unacked = false;
      break;
    case T::ChatMessage:
      if (t == T::Ack && !c.state_unknown) {
        bool private_room = state_bits(r.low) == 1;
        if (private_room && !c.in_group)
          sink_.emit(Code::MessageOutsideGroup, s,
                     "private message (frame " + std::to_string(r.frame) +
                         ") from a client in no group was acknowledged, not answered 16");
        if (!private_room && c.in_group)
          sink_.emit(Code::MessageCrossesRooms, s,
                     "public message (frame " + std::to_string(r.frame) +
                         ") from a group member was acknowledged, not answered 15");
      }
      break;
    default:
      break;
  }
}

void SessionModel::sweep(std::int64_t now, std::int64_t forget_idle_ns) {
  std::erase_if(clients_,
                [&](const auto& kv) { return now - kv.second.last_active_ns > forget_idle_ns; });
  std::erase_if(peers_, [&](const auto& kv) { return now - kv.second > forget_idle_ns; });
  std::erase_if(client_by_name_, [&](const auto& kv) {
    auto it = clients_.find(kv.second);
    return it == clients_.end() || it->second.name != kv.first;
  });
}

void SessionModel::clear() {
  clients_.clear();
  peers_.clear();
  client_by_name_.clear();
}

}  // namespace imup::verify
