// SPDX-License-Identifier: GPL-2.0-or-later
// Faults of §9-§11: invitations, groups, peers, the user list; and the two
// group limits of §8. Each fault is a bug a server could have for one rule,
// made by rewriting, dropping or adding datagrams; the relay follows the
// traffic (Traffic below) to know what a server datagram answers and which
// clients are in a group.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "fault.hpp"

namespace imup::fault_relay {
namespace {

using MT = MessageType;

// What the relay learned from the traffic so far, for the faults that need it.
struct Traffic {
  std::map<std::pair<Endpoint, std::uint16_t>, Message> asked;  // each client's requests, by number
  std::map<Endpoint, std::string> names;                         // from each client's Connexion
  std::map<Endpoint, std::size_t> members;  // members in the last 11 to each client; 0 after a 13 or a 7

  // The client's request that the server's answer D replies to.
  const Message* request_of(const Datagram& d) const {
    if (!d.header) return nullptr;
    auto it = asked.find({d.client, d.header->seq});
    return it == asked.end() ? nullptr : &it->second;
  }
  void from_client(const Datagram& d) {
    if (!d.message) return;
    switch (d.message->type()) {
      case MT::AcceptInvitation: case MT::RefuseInvitation: case MT::Ack: return;  // answers
      case MT::Connect: names[d.client] = std::get<Connect>(d.message->body).name; break;
      case MT::LeaveGroup: members[d.client] = 0; break;
      default: break;
    }
    asked[{d.client, d.message->seq}] = *d.message;
  }
  void from_server(const Datagram& d) {
    if (!d.message) return;
    if (d.message->type() == MT::GroupUpdate)
      members[d.client] = std::get<GroupUpdate>(d.message->body).members.size();
    if (d.message->type() == MT::GroupClosed) members[d.client] = 0;
  }
  bool in_group(const Endpoint& e) const {
    auto it = members.find(e);
    return it != members.end() && it->second > 0;
  }
};

using Hook = std::function<Verdict(Relay&, Datagram&, Traffic&)>;

// A fault whose hooks see the traffic before the datagram at hand.
Fault fault(std::string name, std::string breaks, std::string description, Hook from_client, Hook from_server) {
  auto t = std::make_shared<Traffic>();
  return {std::move(name), std::move(breaks), std::move(description),
          [t, from_client](Relay& r, Datagram& d) {
            Datagram seen = d;
            Verdict v = from_client ? from_client(r, d, *t) : Verdict::Pass;
            t->from_client(seen);
            return v;
          },
          [t, from_server](Relay& r, Datagram& d) {
            Datagram seen = d;
            Verdict v = from_server ? from_server(r, d, *t) : Verdict::Pass;
            t->from_server(seen);
            return v;
          }};
}

// Of type T and decoded (the hooks read the body).
bool carries(const Datagram& d, MT t) { return is(d, t) && d.message; }

// Replaces the datagram by BODY under the same number.
void rewrite(Datagram& d, const Body& b) { replace_message(d, Message{d.header->seq, b}); }

// Answers the server's request D on its client's behalf (a datagram the
// fault keeps from the client): the server does not send it again.
Verdict drop_acked(Relay& r, const Datagram& d) {
  r.to_server(d.client, encode(Message{d.header->seq, Ack{}}));
  return Verdict::Drop;
}

// A server hook: an answer of type FROM to a client request of type TO_WHAT
// (and, if given, that WHICH picks, knowing the asker's name) goes out as BODY.
using Which = std::function<bool(const Message& request, const std::string& asker)>;
Hook answer_as(MT from, MT to_what, Body b, Which which = {}) {
  return [=](Relay&, Datagram& d, Traffic& t) {
    if (!carries(d, from)) return Verdict::Pass;
    const Message* q = t.request_of(d);
    if (!q || q->type() != to_what || (which && !which(*q, t.names[d.client]))) return Verdict::Pass;
    rewrite(d, b);
    return Verdict::Pass;
  };
}

bool has_recipient(const Message& m, const std::string&) {
  return std::get<ChatMessage>(m.body).recipient.has_value();
}

template <class T>
const T& body_of(const Datagram& d) {
  return std::get<T>(d.message->body);
}

// A fault that relays each 18 the server accepts (its 8, once, not the 8s
// of resends) as a 9 to the clients TO picks (given the 18 and its sender)
// besides the server's own relaying; their 8s to those copies stop at the
// relay.
using Targets = std::function<std::vector<Endpoint>(const ChatMessage&, const Endpoint& sender, const Traffic&)>;
Fault copying_fault(std::string name, std::string breaks, std::string description, Targets to) {
  auto copies = std::make_shared<std::set<std::pair<Endpoint, std::uint16_t>>>();
  auto copied = std::make_shared<std::set<std::pair<Endpoint, std::uint16_t>>>();
  auto next = std::make_shared<std::uint16_t>(1000);
  return fault(std::move(name), std::move(breaks), std::move(description),
               [copies](Relay&, Datagram& d, Traffic&) {
                 return carries(d, MT::Ack) && copies->erase({d.client, d.header->seq}) ? Verdict::Drop
                                                                                         : Verdict::Pass;
               },
               [copies, copied, next, to](Relay& r, Datagram& d, Traffic& t) {
                 const Message* q = carries(d, MT::Ack) ? t.request_of(d) : nullptr;
                 if (!q || q->type() != MT::ChatMessage || !copied->insert({d.client, d.header->seq}).second)
                   return Verdict::Pass;
                 const auto& m = std::get<ChatMessage>(q->body);
                 Relayed copy{m.message, t.names[d.client], std::nullopt};
                 for (const Endpoint& e : to(m, d.client, t)) {
                   std::uint16_t seq = (*next)++ & 0x3FF;
                   copies->insert({e, seq});
                   r.to_client(e, encode(Message{seq, copy}));
                 }
                 return Verdict::Pass;
               });
}

// A server hook: each server datagram carrying a T goes out as CHANGE
// leaves it, when CHANGE says it changed it.
template <class T>
Hook edited(MT type, std::function<bool(T&, const Datagram&, Traffic&)> change) {
  return [=](Relay&, Datagram& d, Traffic& t) {
    if (!carries(d, type)) return Verdict::Pass;
    T b = body_of<T>(d);
    if (change(b, d, t)) rewrite(d, b);
    return Verdict::Pass;
  };
}

// A server hook: the server's requests of type TYPE that WHICH picks never
// reach their client (the relay acknowledges them for it).
Hook withheld(MT type, std::function<bool(const Datagram&, Traffic&)> which) {
  return [=](Relay& r, Datagram& d, Traffic& t) {
    return carries(d, type) && which(d, t) ? drop_acked(r, d) : Verdict::Pass;
  };
}

// A fault whose server answers FROM to a client request TO_WHAT (that
// WHICH picks, if given) go out as AS.
struct Misanswer {
  const char* name;
  const char* breaks;
  const char* description;
  MT from;
  MT to_what;
  Body as;
  Which which = {};
};

}  // namespace

std::vector<Fault> group_faults() {
  std::vector<Fault> f;
  const ModeOffer offer{"choisir le mode"};

  // ------------------------------------------------------------ §11 the user list
  f.push_back(fault("list-out-of-order", "11-list-first-page",
                    "a single-page 21 lists the users by decreasing id", {},
                    edited<UserListPage>(MT::UserList, [](UserListPage& p, const Datagram& d, Traffic& t) {
                      const Message* q = t.request_of(d);
                      if (p.more || p.entries.size() < 2 || !q || std::get<ListRequest>(q->body).start_id)
                        return false;
                      std::reverse(p.entries.begin(), p.entries.end());
                      return true;
                    })));
  f.push_back(fault("list-more-flag-never-set", "11-list-paged",
                    "a 21 page followed by another has no M flag", {},
                    edited<UserListPage>(MT::UserList, [](UserListPage& p, const Datagram&, Traffic&) {
                      return std::exchange(p.more, false);
                    })));
  {
    // Where each client's last page ended, when it had M set.
    auto cursor = std::make_shared<std::map<Endpoint, std::uint16_t>>();
    f.push_back(fault("list-start-id-ignored", "11-list-from-start-id",
                      "a 4's start id is ignored: the list goes on from where the client's last page with M ended "
                      "(else from the first page)",
                      [cursor](Relay&, Datagram& d, Traffic&) {
                        if (!carries(d, MT::ListRequest) || !body_of<ListRequest>(d).start_id) return Verdict::Pass;
                        auto it = cursor->find(d.client);
                        rewrite(d, it == cursor->end() ? ListRequest{} : ListRequest{it->second});
                        return Verdict::Pass;
                      },
                      [cursor](Relay&, Datagram& d, Traffic&) {
                        if (!carries(d, MT::UserList)) return Verdict::Pass;
                        const auto& p = body_of<UserListPage>(d);
                        if (p.more && !p.entries.empty())
                          (*cursor)[d.client] = std::uint16_t(p.entries.back().id + 1);
                        else
                          cursor->erase(d.client);
                        return Verdict::Pass;
                      }));
  }

  // ------------------------------------------------------------ §9.6 messages
  f.push_back(fault("direct-relayed-without-recipient", "9.6-direct-message",
                    "the 9 of a direct message does not name its recipient", {},
                    edited<Relayed>(MT::Relayed, [](Relayed& m, const Datagram&, Traffic&) {
                      return std::exchange(m.recipient, std::nullopt).has_value();
                    })));
  f.push_back(fault("empty-message-not-relayed", "9.6-empty-message-relayed",
                    "a public 18 with an empty text is answered 8 and relayed to nobody",
                    [](Relay& r, Datagram& d, Traffic&) {
                      if (!carries(d, MT::ChatMessage) || !body_of<ChatMessage>(d).message.empty())
                        return Verdict::Pass;
                      r.answer(d.client, d.header->seq, Ack{});
                      return Verdict::Drop;
                    },
                    {}));
  f.push_back(copying_fault("private-message-leaks-to-public", "9.6-group-message-stays-in-group",
                            "a member's private 18 is also relayed (9) to every user in the public room",
                            [](const ChatMessage& m, const Endpoint& sender, const Traffic& t) {
                              std::vector<Endpoint> to;
                              if (m.room != Room::Private) return to;
                              for (const auto& [e, name] : t.names)
                                if (e != sender && !t.in_group(e)) to.push_back(e);
                              return to;
                            }));
  f.push_back(copying_fault("public-message-echoed", "9.6-public-message-relayed",
                            "a public 18 is relayed (9) to its sender too",
                            [](const ChatMessage& m, const Endpoint& sender, const Traffic&) {
                              return m.room == Room::Public && !m.recipient ? std::vector<Endpoint>{sender}
                                                                            : std::vector<Endpoint>{};
                            }));

  // ------------------------------------------------------------ §9.2 invitations
  f.push_back(fault("invitee-invitation-state-00", "9.2-choose-mode-invites-invitee",
                    "the 19 relayed to an invitee has state 00", {},
                    edited<Invitation>(MT::Invitation, [](Invitation& inv, const Datagram&, Traffic&) {
                      inv.room = Room::Public;
                      return true;
                    })));
  f.push_back(fault("refused-group-not-closed", "9.2-refused-invitation-closes-group",
                    "the 13 to an inviter whose every invitee refused is never sent", {},
                    withheld(MT::GroupClosed, [](const Datagram& d, Traffic& t) { return !t.in_group(d.client); })));

  // ------------------------------------------------------------ §9.3 joining
  f.push_back(fault("centralized-update-with-addresses", "9.3-accept-sends-group-update",
                    "the 11 of a centralized group gives each member's ipv4:port", {},
                    edited<GroupUpdate>(MT::GroupUpdate, [](GroupUpdate& u, const Datagram&, Traffic& t) {
                      for (auto& m : u.members) {
                        if (m.endpoint) return false;  // decentralized
                        for (const auto& [e, name] : t.names)
                          if (name == m.name) m.endpoint = e;
                        if (!m.endpoint) m.endpoint = Endpoint{0x7F000001, 2017};
                      }
                      return true;
                    })));

  // ------------------------------------------------------------ §9.5 leaving
  f.push_back(fault("leave-update-not-sent", "9.5-leave-acked-members-updated",
                    "after a member leaves, the others get no 11", {},
                    withheld(MT::GroupUpdate, [](const Datagram& d, Traffic& t) {
                      return t.in_group(d.client) && body_of<GroupUpdate>(d).members.size() < t.members[d.client];
                    })));
  f.push_back(fault("last-member-not-told", "9.5-last-member-gets-group-closed",
                    "the 13 to the member left alone in a group is never sent", {},
                    withheld(MT::GroupClosed, [](const Datagram& d, Traffic& t) { return t.in_group(d.client); })));

  // ------------------------------------------------------------ §10 decentralized groups
  f.push_back(fault("newcomer-update-without-addresses", "10-decentralized-member-lines-have-addresses",
                    "in a decentralized group, the 11 to the newest member has no ipv4:port", {},
                    edited<GroupUpdate>(MT::GroupUpdate, [](GroupUpdate& u, const Datagram& d, Traffic& t) {
                      if (u.members.empty() || u.members.back().name != t.names[d.client]) return false;
                      for (auto& m : u.members) m.endpoint.reset();
                      return true;
                    })));
  f.push_back(fault("member-ports-byte-swapped", "10-peers-message-each-other-directly",
                    "the 11's member lines give each port with its bytes swapped", {},
                    edited<GroupUpdate>(MT::GroupUpdate, [](GroupUpdate& u, const Datagram&, Traffic&) {
                      for (auto& m : u.members) {
                        if (!m.endpoint) continue;
                        std::uint16_t p = m.endpoint->port, swapped = std::uint16_t((p >> 8) | (p << 8));
                        m.endpoint->port = swapped == p ? std::uint16_t(p ^ 1) : swapped;
                      }
                      return true;
                    })));

  // ------------------------------------------------------------ wrong answers
  const std::vector<Misanswer> misanswers{
      {"member-public-message-acked", "9.6-public-message-from-member-15",
       "a group member's public 18 is answered 8 (and relayed to nobody), not 15", MT::CrossesRooms,
       MT::ChatMessage, Ack{}, [](const Message& m, const std::string& n) { return !has_recipient(m, n); }},
      {"cross-room-direct-unknown", "9.6-direct-message-across-rooms-15",
       "a public user's direct 18 to a group member is answered 14 (looked up in its room only)",
       MT::CrossesRooms, MT::ChatMessage, UnknownRecipient{"destinataire inconnu"}, has_recipient},
      {"private-outside-group-acked", "9.6-private-message-outside-group-16",
       "an 18 with state 01 from a user in no group is answered 8", MT::GroupEnded, MT::ChatMessage, Ack{}},
      {"self-invitation-acked", "9.2-invitation-gets-mode-offer",
       "an Invitation from the public room that names the inviter too is answered 8 (as from a member), not 10",
       MT::ModeOffer, MT::Invitation, Ack{},
       [](const Message& m, const std::string& asker) {
         const auto& names = std::get<Invitation>(m.body).names;
         return std::find(names.begin(), names.end(), asker) != names.end();
       }},
      {"unknown-invitee-ignored", "9.2-invite-unknown-user-14",
       "an Invitation naming an unknown user is answered 10 (the name skipped)", MT::UnknownRecipient,
       MT::Invitation, offer},
      {"choose-mode-without-offer-acked", "9.2-choose-mode-without-offer-16",
       "a 20 with no pending offer is answered 8, not 16", MT::GroupEnded, MT::ChooseMode, Ack{}},
      {"member-invitation-offered-mode", "9.2-member-invites-into-own-group",
       "a group member's 19 is answered 10 (as from the public room), not 8", MT::Ack, MT::Invitation, offer},
      {"leave-outside-group-acked", "9.5-leave-outside-group-16", "a 7 from a user in no group is answered 8, not 16",
       MT::GroupEnded, MT::LeaveGroup, Ack{}},
      {"member-limit-not-checked", "8-group-member-limit-17",
       "an Invitation over the group member limit is answered 10, not 17", MT::LimitReached, MT::Invitation, offer},
      {"group-count-limit-not-checked", "8-group-count-limit-17",
       "a 20 opening one group over the limit is answered 8, not 17", MT::LimitReached, MT::ChooseMode, Ack{}},
  };
  for (const auto& m : misanswers)
    f.push_back(fault(m.name, m.breaks, m.description, {}, answer_as(m.from, m.to_what, m.as, m.which)));
  // The group limits show only on a server with small ones, imup-conformance
  // told them (the reference server's 100 groups would take 102 clients).
  for (auto& x : f)
    if (x.breaks.starts_with("8-group-")) {
      x.server_args = "--set limits.max-groups=3 --set limits.max-group-members=4";
      x.conformance_args = "--max-groups 3 --max-group-members 4";
    }
  return f;
}

}  // namespace imup::fault_relay
