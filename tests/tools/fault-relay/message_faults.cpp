// SPDX-License-Identifier: GPL-2.0-or-later
// Faults of §4.1, §5, §6.3, §8 and §12 on messages: garbage, datagram
// sizes, text, resends.
#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "codec/text.hpp"
#include "common/byte_order.hpp"
#include "fault.hpp"

namespace imup::fault_relay {
namespace {

const ChatMessage* chat_of(const Datagram& d) {
  return d.message && d.message->type() == MessageType::ChatMessage ? &std::get<ChatMessage>(d.message->body)
                                                                     : nullptr;
}
const Relayed* relayed_of(const Datagram& d) {
  return d.message && d.message->type() == MessageType::Relayed ? &std::get<Relayed>(d.message->body) : nullptr;
}

// A datagram from a client that matches is answered 8 on the server's behalf.
Fault acked(std::string name, std::string breaks, std::string description,
            std::function<bool(const Datagram&)> matches) {
  return {std::move(name), std::move(breaks), std::move(description),
          [matches = std::move(matches)](Relay& r, Datagram& d) {
            if (!matches(d)) return Verdict::Pass;
            r.answer(d.client, d.header ? d.header->seq : 0, Ack{});
            return Verdict::Drop;
          },
          {}};
}

}  // namespace

std::vector<Fault> message_faults() {
  std::vector<Fault> f;

  f.push_back(acked("truncated-answered", "5-truncated-datagram-ignored", "a datagram shorter than 4 bytes gets an 8",
                    [](const Datagram& d) { return d.bytes.size() < kHeaderBytes; }));
  f.push_back(acked("unknown-type-answered", "5-unknown-type-ignored",
                    "a datagram of an unknown type (0, 22, 255) is answered 8 like any request",
                    [](const Datagram& d) { return d.header && !is_known_type(d.header->type); }));
  f.push_back(acked("server-type-answered", "5-wrong-direction-ignored",
                    "a client's 9, 12 or 21 (server-only types) is answered 8 like any request", [](const Datagram& d) {
                      return is(d, MessageType::Relayed) || is(d, MessageType::LivenessProbe) ||
                             is(d, MessageType::UserList);
                    }));
  f.push_back({"unknown-recipient-acked", "9.6-unknown-recipient-14", "the server's 14 reaches the client as an 8",
               {},
               [](Relay& r, Datagram& d) {
                 if (!is(d, MessageType::UnknownRecipient)) return Verdict::Pass;
                 r.answer(d.client, d.header->seq, Ack{});
                 return Verdict::Drop;
               }});
  f.push_back({"oversized-truncated", "8-oversized-datagram-dropped",
               "a datagram over 1028 bytes is cut to 1028 and passed on",
               [](Relay&, Datagram& d) {
                 if (d.bytes.size() <= kMaxDatagramBytes) return Verdict::Pass;
                 d.bytes.resize(kMaxDatagramBytes);
                 d.bytes[kMaxDatagramBytes - 2] = '\r';
                 d.bytes[kMaxDatagramBytes - 1] = '\n';
                 rewrite_header(d, [](Header& h) { h.length = length_field_for(kMaxTextBytes); });
                 return Verdict::Pass;
               },
               {}});
  f.push_back({"full-relay-cut", "8-longest-message-relayed-whole",
               "a 9 of exactly 1024 text bytes loses the last byte of its message (a buffer one byte short)",
               {},
               [](Relay&, Datagram& d) {
                 const Relayed* rel = relayed_of(d);
                 if (!rel || d.bytes.size() != kMaxDatagramBytes || rel->message.empty()) return Verdict::Pass;
                 Relayed cut = *rel;
                 cut.message.pop_back();
                 replace_message(d, Message{d.header->seq, cut});
                 return Verdict::Pass;
               }});
  f.push_back({"too-long-relayed-cut", "12-relay-too-long-refused-14",
               "an 18 whose 9 would exceed 1024 bytes is relayed cut to fit and answered 8, not 14",
               [](Relay&, Datagram& d) {
                 const ChatMessage* m = chat_of(d);
                 if (!m || d.bytes.size() != kMaxDatagramBytes || m->message.size() < 64) return Verdict::Pass;
                 ChatMessage cut = *m;
                 cut.message.resize(cut.message.size() - 64);
                 replace_message(d, Message{d.header->seq, cut});
                 return Verdict::Pass;
               },
               {}});
  {
    // The bad text as the server sees it ('?' for each byte of 0x80 and
    // over) -> the bytes the client sent, put back in the server's 9s.
    auto originals = std::make_shared<std::map<std::string, std::string>>();
    f.push_back({"bad-utf8-relayed", "4.1-bad-utf8-not-relayed",
                 "an 18 whose text is not UTF-8 is relayed, bytes as they came",
                 [originals](Relay&, Datagram& d) {
                   if (!is(d, MessageType::ChatMessage)) return Verdict::Pass;
                   std::string text = text_line(d);
                   if (utf8_length(text)) return Verdict::Pass;
                   std::string clean = text;
                   for (char& c : clean)
                     if (static_cast<unsigned char>(c) >= 0x80) c = '?';
                   (*originals)[clean] = text;
                   std::copy(clean.begin(), clean.end(), d.bytes.begin() + kHeaderBytes);
                   d.redecode();
                   return Verdict::Pass;
                 },
                 [originals](Relay&, Datagram& d) {
                   if (!is(d, MessageType::Relayed)) return Verdict::Pass;
                   for (const auto& [clean, original] : *originals) {
                     auto at = std::search(d.bytes.begin() + kHeaderBytes, d.bytes.end(), clean.begin(), clean.end());
                     if (at != d.bytes.end()) std::copy(original.begin(), original.end(), at);
                   }
                   d.redecode();
                   return Verdict::Pass;
                 }});
  }
  {
    // Endpoints that sent a Connexion; a stranger's 18 reaches them as 9s.
    auto connected = std::make_shared<std::set<Endpoint>>();
    f.push_back({"stranger-relayed", "5-not-connected-ignored",
                 "an 18 from an endpoint that never connected is answered 8 and relayed (sender \"inconnu\")",
                 [connected](Relay& r, Datagram& d) {
                   if (is(d, MessageType::Connect)) connected->insert(d.client);
                   const ChatMessage* m = chat_of(d);
                   if (!m || connected->contains(d.client)) return Verdict::Pass;
                   std::uint16_t seq = 1000;
                   for (const Endpoint& e : *connected) r.answer(e, seq++, Relayed{m->message, "inconnu", std::nullopt});
                   r.answer(d.client, d.header->seq, Ack{});
                   return Verdict::Drop;
                 },
                 {}});
  }
  {
    // A resent 18 (same bytes) goes to the server under a fresh number, as
    // if new; the server's answer gets the client's number back.
    struct State {
      std::map<Endpoint, std::vector<Bytes>> sent;
      std::map<std::pair<Endpoint, std::uint16_t>, std::uint16_t> renumbered;  // fresh -> the client's
    };
    auto state = std::make_shared<State>();
    f.push_back({"resent-message-relayed-again", "6.3-message-resend-not-relayed-twice",
                 "a resent 18 (same number, same bytes) is taken as new: answered 8 and relayed again",
                 [state](Relay&, Datagram& d) {
                   if (!is(d, MessageType::ChatMessage)) return Verdict::Pass;
                   auto& mine = state->sent[d.client];
                   bool resent = std::find(mine.begin(), mine.end(), d.bytes) != mine.end();
                   if (!resent) {
                     mine.push_back(d.bytes);
                     return Verdict::Pass;
                   }
                   std::uint16_t seq = d.header->seq, fresh = std::uint16_t((seq + 16) % kSeqModulo);
                   state->renumbered[{d.client, fresh}] = seq;
                   rewrite_header(d, [fresh](Header& h) { h.seq = fresh; });
                   return Verdict::Pass;
                 },
                 [state](Relay&, Datagram& d) {
                   if (!is(d, MessageType::Ack)) return Verdict::Pass;
                   auto it = state->renumbered.find({d.client, d.header->seq});
                   if (it == state->renumbered.end()) return Verdict::Pass;
                   std::uint16_t seq = it->second;
                   rewrite_header(d, [seq](Header& h) { h.seq = seq; });
                   return Verdict::Pass;
                 }});
  }
  return f;
}

}  // namespace imup::fault_relay
