// SPDX-License-Identifier: GPL-2.0-or-later
// Private groups (§9): an invitation (19) answered by a mode offer (10) or
// relayed to the invitees, the chosen mode (20) opening the group, the
// invitees' answers, leaving (7), and settling a group after each change:
// closed (13) when one member is left, else its news (11) to every member.
#include <algorithm>

#include "engine/server_impl/encoding.hpp"
#include "engine/server_impl/impl.hpp"
#include "engine/server_impl/reason_texts.hpp"
#include "engine/server_impl/request_tag.hpp"

namespace imup::engine {

using reasons::kLimit, reasons::kNoGroup, reasons::kUnknownRecipient;

void Server::Impl::on_invite(ClientRec& c, std::uint16_t seq, std::uint64_t hash, const Invitation& inv,
                             Time now) {
  GroupRec* g = group(c.group);
  std::vector<ClientRec*> invitees;
  for (const auto& n : inv.names) {
    if (n == c.name) continue;
    ClientRec* r = client_named(n);
    if (!r || !r->proved)
      return answer(c, seq, hash, UnknownRecipient{std::string(kUnknownRecipient) + ": " + n}, now);
    if (std::find(invitees.begin(), invitees.end(), r) != invitees.end()) continue;
    if (g && (std::count(g->members.begin(), g->members.end(), r->id) ||
              std::count(g->invitees.begin(), g->invitees.end(), r->id)))
      continue;  // already in, or already asked
    invitees.push_back(r);
  }
  if (invitees.empty() && !g)
    return answer(c, seq, hash, UnknownRecipient{std::string(kUnknownRecipient) + ": aucun invite"},
                  now);

  std::size_t would_be = (g ? g->members.size() + g->invitees.size() : 1) + invitees.size();
  if (!group_fits(would_be)) return answer(c, seq, hash, LimitReached{kLimit}, now);

  if (!g) {
    std::vector<std::string> names;
    for (auto* r : invitees) names.push_back(r->name);
    c.offer = std::move(names);
    return answer(c, seq, hash, ModeOffer{reasons::kModeOffer}, now);
  }
  answer(c, seq, hash, Ack{}, now);
  for (auto* r : invitees) invite(c, *g, *r, now);
}

void Server::Impl::on_choose(ClientRec& c, std::uint16_t seq, std::uint64_t hash, Mode mode, Time now) {
  if (!c.offer || c.group) return answer(c, seq, hash, GroupEnded{kNoGroup}, now);
  if (groups.size() >= cfg.max_groups) return answer(c, seq, hash, LimitReached{kLimit}, now);
  std::vector<ClientRec*> invitees;
  for (const auto& n : *c.offer) {
    ClientRec* r = client_named(n);
    if (r && r != &c && r->proved) invitees.push_back(r);
  }
  if (!group_fits(1 + invitees.size())) return answer(c, seq, hash, LimitReached{kLimit}, now);
  c.offer.reset();

  std::uint32_t id = next_group_id++;
  GroupRec& g = groups[id];
  g.id = id;
  g.mode = mode;
  g.members.push_back(c.id);
  c.group = id;
  users_changed();
  counters.groups = groups.size();
  answer(c, seq, hash, Ack{}, now);
  client_event(ServerEvent::Kind::GroupOpened, c, mode == Mode::Centralized ? "centralise" : "decentralise");
  for (auto* r : invitees) invite(c, g, *r, now);
  settle(id, false, now);  // nobody left to invite: closed at once
}

// Sends the relayed invitation (19) and records the pending invitee. Its
// names are the inviter, then the other members in joining order as many
// as fit one text (§9.2 step 4): a group of long names outgrows 1024
// bytes, and the invitee learns the whole list from the 11 on joining.
void Server::Impl::invite(const ClientRec& inviter, GroupRec& g, ClientRec& r, Time now) {
  Invitation inv;
  inv.room = Room::Private;
  inv.mode = g.mode;
  inv.names.push_back(inviter.name);
  std::size_t bytes_so_far = invitation_name_bytes(inviter.name, true);
  for (auto s : g.members) {
    const std::string& n = slots[s]->name;
    if (s == inviter.id) continue;
    std::size_t more = invitation_name_bytes(n, false);
    if (bytes_so_far + more > kMaxTextBytes) break;
    bytes_so_far += more;
    inv.names.push_back(n);
  }
  inv.note = inviter.name + " vous invite messagerie";
  auto bytes = encode_or_empty(Message{0, inv});
  if (bytes.empty()) {
    inv.note.clear();  // the note is ours to omit; the names are not
    bytes = encode_or_empty(Message{0, inv});
  }
  if (bytes.empty()) return;
  g.invitees.push_back(r.id);
  request(r, MessageType::Invitation, std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes)),
          make_tag(Purpose::Invite, g.id), now);
}

// An invitee's answer to a 19: 5 accepts; 6, or no answer at all, refuses.
// Accepting while in another group is a refusal too.
void Server::Impl::resolve_invitation(ClientRec& c, std::uint32_t gid, bool accepted, Time now) {
  GroupRec* g = group(gid);
  if (!g) {
    // The group closed while the invitee thought: tell an accepting one.
    if (accepted && !c.group) send_closed(c, reasons::kGroupGone, now);
    return;
  }
  auto it = std::find(g->invitees.begin(), g->invitees.end(), c.id);
  if (it == g->invitees.end()) return;
  g->invitees.erase(it);
  bool joins = accepted && !c.group;
  if (joins) {
    g->members.push_back(c.id);
    c.group = gid;
    users_changed();
    c.offer.reset();
  }
  settle(gid, joins, now);
}

void Server::Impl::on_leave(ClientRec& c, std::uint16_t seq, std::uint64_t hash, Time now) {
  c.offer.reset();
  GroupRec* g = group(c.group);
  if (!g) {
    c.group.reset();
    users_changed();
    return answer(c, seq, hash, GroupEnded{kNoGroup}, now);
  }
  answer(c, seq, hash, Ack{}, now);
  leave_group(c, *g, now);
}

void Server::Impl::leave_group(ClientRec& c, GroupRec& g, Time now) {
  auto gid = g.id;
  g.members.erase(std::remove(g.members.begin(), g.members.end(), c.id), g.members.end());
  c.group.reset();
  users_changed();
  settle(gid, true, now);
}

// After a group changed: close it if one member is left with nobody
// invited (13, §9.5), forget it if empty, else tell the members (11).
void Server::Impl::settle(std::uint32_t gid, bool membership_changed, Time now) {
  GroupRec* g = group(gid);
  if (!g) return;
  if (g->members.empty()) {
    close_group(gid, "plus aucun membre");  // the invitees' answers will find no group
    return;
  }
  if (g->members.size() == 1 && g->invitees.empty()) {
    ClientRec& last = *slots[g->members.front()];
    last.group.reset();
    users_changed();
    close_group(gid, "un seul membre");
    send_closed(last, reasons::kGroupClosedAlone, now);
    return;
  }
  if (!membership_changed) return;
  auto parts = update_parts(*g);
  if (parts->empty()) return;  // every member line fits a part; defensive
  for (auto s : g->members)
    send_news(*slots[s], GroupNews{MessageType::GroupUpdate, parts, make_tag(Purpose::Update, gid)}, now);
}

void Server::Impl::close_group(std::uint32_t gid, const std::string& why) {
  ServerEvent e;
  e.kind = ServerEvent::Kind::GroupClosed;
  e.group = gid;
  e.detail = why;
  push_event(std::move(e));
  groups.erase(gid);
  counters.groups = groups.size();
}

}  // namespace imup::engine
