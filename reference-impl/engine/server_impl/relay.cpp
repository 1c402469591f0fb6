// SPDX-License-Identifier: GPL-2.0-or-later
// Chat (18 -> 9, §9.6): to one recipient, to the sender's group, or to the
// public room; the relayed 9 is encoded once and shared by every copy.
#include "engine/server_impl/encoding.hpp"
#include "engine/server_impl/impl.hpp"
#include "engine/server_impl/reason_texts.hpp"
#include "engine/server_impl/request_tag.hpp"

namespace imup::engine {

// A recipient keeps up when it answers as requests come (one of its answers
// closed a request within the last kAnswerGap) and its oldest unanswered
// request is younger than the first retransmission: only the fan-out outruns
// its window. One that does not keep up gets no say over the others'
// messages (it cannot stall a room); its queue may fill, and then it is
// removed.
bool Server::Impl::keeps_up_with_backlog(const ClientRec& r, Time now) const {
  if (!r.backlogged) return false;
  // A full window drains one answer per round trip / 32: far more often
  // than this on any path a client can keep up over.
  constexpr Millis kAnswerGap{500};
  if (now - r.last_answered > kAnswerGap) return false;
  auto oldest = r.out.oldest_first_sent();
  return !oldest || now - *oldest < cfg.reliability.first_timeout_min;
}

bool Server::Impl::reaches_backlog(const ClientRec& c, const ChatMessage& msg,
                                   const ClientRec* recipient, const GroupRec* g, Time now) const {
  if (msg.recipient) return recipient && keeps_up_with_backlog(*recipient, now);
  if (g) {
    for (auto s : g->members)
      if (s != c.id && keeps_up_with_backlog(*slots[s], now)) return true;
    return false;
  }
  for (const auto& u : slots)
    if (u && u.get() != &c && u->proved && !u->group && keeps_up_with_backlog(*u, now)) return true;
  return false;
}

void Server::Impl::on_chat(ClientRec& c, std::uint16_t seq, std::uint64_t hash, const ChatMessage& msg,
                           Time now) {
  using reasons::kCrossesRooms, reasons::kNoGroup, reasons::kUnknownRecipient;
  GroupRec* g = group(c.group);
  if (msg.room == Room::Public && g) return answer(c, seq, hash, CrossesRooms{kCrossesRooms}, now);
  if (msg.room == Room::Private && !g) return answer(c, seq, hash, GroupEnded{kNoGroup}, now);

  Relayed relayed{msg.message, c.name, msg.recipient};
  auto bytes = encode_or_empty(Message{0, relayed});
  if (bytes.empty())
    // 9 adds the sender's name to the 18's text: a message that fits an 18
    // may not fit a 9. Refused, never cut (§8); 14 is the draft's
    // "EnvoieInvalide", the only answer of 18 that can say so.
    return answer(c, seq, hash,
                  UnknownRecipient{"message trop long pour etre relaye avec le nom de l'expediteur"},
                  now);
  auto shared = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));

  ClientRec* r = nullptr;
  if (msg.recipient) {
    r = client_named(*msg.recipient);
    if (!r || !r->proved)
      return answer(c, seq, hash, UnknownRecipient{std::string(kUnknownRecipient) + ": " + *msg.recipient},
                    now);
    if (r->group != c.group) return answer(c, seq, hash, CrossesRooms{kCrossesRooms}, now);
  }
  // Back-pressure lands on the senders (§6.5): while a recipient that keeps
  // up has a backlog, the message is neither relayed nor answered (nor
  // cached), and the sender's timer sends it again later.
  if (backlogged && reaches_backlog(c, msg, r, g, now)) [[unlikely]]
    return drop(c.endpoint, DropReason::Backpressure, "seq " + std::to_string(seq));
  if (r) {
    answer(c, seq, hash, Ack{}, now);
    request(*r, MessageType::Relayed, shared, make_tag(Purpose::Relay), now);
    return;
  }
  answer(c, seq, hash, Ack{}, now);
  if (g) {
    for (auto s : g->members)
      if (s != c.id) request(*slots[s], MessageType::Relayed, shared, make_tag(Purpose::Relay), now);
    return;
  }
  for (auto& u : slots)
    if (u && u.get() != &c && u->proved && !u->group)
      request(*u, MessageType::Relayed, shared, make_tag(Purpose::Relay), now);
}

}  // namespace imup::engine
