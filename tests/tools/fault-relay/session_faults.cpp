// SPDX-License-Identifier: GPL-2.0-or-later
// Faults of §3-§8, §12 and §14: connection, names, lengths, messages,
// limits, the server's timers.
#include <algorithm>
#include <map>
#include <memory>

#include "codec/text.hpp"
#include "common/byte_order.hpp"
#include "fault.hpp"

namespace imup::fault_relay {
namespace {

std::size_t utf8_chars(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool is(const Datagram& d, MessageType t) { return d.header && d.header->type == std::uint8_t(t); }

// The text after the header, without its line end.
std::string text_line(const Datagram& d) {
  std::string text(d.bytes.begin() + std::min(d.bytes.size(), kHeaderBytes), d.bytes.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

std::vector<Fault> session_faults() {
  std::vector<Fault> f;

  {
    auto seen = std::make_shared<std::map<Endpoint, std::vector<Bytes>>>();
    f.push_back({"resent-connect-refused", "6.3-connect-resend-gets-cached-ack",
                 "a Connexion resent with the same bytes gets 2 (not the cached 8)",
                 [seen](Relay& r, Datagram& d) {
                   if (!is(d, MessageType::Connect)) return Verdict::Pass;
                   auto& mine = (*seen)[d.client];
                   bool resent = std::find(mine.begin(), mine.end(), d.bytes) != mine.end();
                   mine.push_back(d.bytes);
                   if (!resent) return Verdict::Pass;
                   r.answer(d.client, d.header->seq, ConnectRefused{"nom de client deja utilise"});
                   return Verdict::Drop;
                 },
                 {}});
  }
  f.push_back({"long-name-accepted", "8-name-too-long-refused",
               "a Connexion with a name over 20 characters gets 8",
               [](Relay& r, Datagram& d) {
                 if (!is(d, MessageType::Connect) || utf8_chars(text_line(d)) <= kMaxNameChars)
                   return Verdict::Pass;
                 r.answer(d.client, d.header->seq, Ack{});
                 return Verdict::Drop;
               },
               {}});
  f.push_back({"truncated-answered", "5-truncated-datagram-ignored", "a datagram shorter than 4 bytes gets an 8",
               [](Relay& r, Datagram& d) {
                 if (d.bytes.size() >= kHeaderBytes) return Verdict::Pass;
                 r.answer(d.client, 0, Ack{});
                 return Verdict::Drop;
               },
               {}});
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
                 auto h = unpack(load_be32(d.bytes.data()));
                 h.length = length_field_for(kMaxTextBytes);
                 store_be32(d.bytes.data(), pack(h));
                 return Verdict::Pass;
               },
               {}});
  f.push_back({"fast-resend", "7-server-resends-no-sooner-than-2s", "every 9 is sent again 1 s later, same bytes",
               {},
               [](Relay& r, Datagram& d) {
                 if (is(d, MessageType::Relayed)) r.later(1000, d.client, d.bytes, false);
                 return Verdict::Pass;
               }});
  return f;
}

}  // namespace imup::fault_relay
