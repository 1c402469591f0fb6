// SPDX-License-Identifier: GPL-2.0-or-later
// Chat (18 -> 9, §9.6): to one recipient, to the sender's group, or to the
// public room; the relayed 9 is encoded once and shared by every copy.
#include "engine/server_impl/encoding.hpp"
#include "engine/server_impl/impl.hpp"
#include "engine/server_impl/reason_texts.hpp"
#include "engine/server_impl/request_tag.hpp"

namespace imup::engine {

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

  if (msg.recipient) {
    ClientRec* r = client_named(*msg.recipient);
    if (!r || !r->proved)
      return answer(c, seq, hash, UnknownRecipient{std::string(kUnknownRecipient) + ": " + *msg.recipient},
                    now);
    if (r->group != c.group) return answer(c, seq, hash, CrossesRooms{kCrossesRooms}, now);
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
