// SPDX-License-Identifier: GPL-2.0-or-later
// Faults of §3, §4.2, §6, §8 and §12 on the connection: names, length
// fields, Connexion and Deconnexion.
#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "codec/text.hpp"
#include "common/byte_order.hpp"
#include "fault.hpp"

namespace imup::fault_relay {
namespace {

// A Connexion whose name matches is answered ANSWER on the server's behalf
// (the server never sees it).
Fault connect_answered(std::string name, std::string breaks, std::string description,
                       std::function<bool(const Datagram&)> matches, Body answer) {
  return {std::move(name), std::move(breaks), std::move(description),
          [matches = std::move(matches), answer = std::move(answer)](Relay& r, Datagram& d) {
            if (!is(d, MessageType::Connect) || !matches(d)) return Verdict::Pass;
            r.answer(d.client, d.header->seq, answer);
            return Verdict::Drop;
          },
          {}};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const ConnectRefused kRefused{"nom de client invalide"};

}  // namespace

std::vector<Fault> session_faults() {
  std::vector<Fault> f;

  {
    auto first = std::make_shared<std::optional<Endpoint>>();
    f.push_back({"first-session-ack-off-by-one", "6.1-connect-acked",
                 "the first session after start-up (user id 0) gets its 8s numbered one past its requests",
                 [first](Relay&, Datagram& d) {
                   if (is(d, MessageType::Connect) && !*first) *first = d.client;
                   return Verdict::Pass;
                 },
                 [first](Relay&, Datagram& d) {
                   if (is(d, MessageType::Ack) && *first == d.client)
                     rewrite_header(d, [](Header& h) { h.seq = (h.seq + 1) % kSeqModulo; });
                   return Verdict::Pass;
                 }});
  }
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
  {
    auto holder = std::make_shared<std::map<std::string, Endpoint>>();
    f.push_back({"taken-name-accepted", "8-name-taken-refused",
                 "a Connexion with a name another endpoint holds is answered 8 (the check looks at endpoints only)",
                 [holder](Relay& r, Datagram& d) {
                   if (!is(d, MessageType::Connect)) return Verdict::Pass;
                   auto [it, fresh] = holder->try_emplace(text_line(d), d.client);
                   if (fresh || it->second == d.client) return Verdict::Pass;
                   r.answer(d.client, d.header->seq, Ack{});
                   return Verdict::Drop;
                 },
                 {}});
  }
  f.push_back(connect_answered("long-name-accepted", "8-name-too-long-refused",
                               "a Connexion with a name over 20 characters gets 8",
                               [](const Datagram& d) { return utf8_length(text_line(d)).value_or(0) > kMaxNameChars; }, Ack{}));
  f.push_back(connect_answered("space-in-name-accepted", "4.2-name-invalid-refused",
                               "a Connexion whose name holds a space gets 8",
                               [](const Datagram& d) { return contains(text_line(d), " "); }, Ack{}));
  f.push_back(connect_answered("name-limit-in-bytes", "4.2-name-of-20-characters-accepted",
                               "the 20-character limit is counted in bytes: a 20-character name of 35 bytes gets 2",
                               [](const Datagram& d) { return text_line(d).size() > kMaxNameChars; }, kRefused));
  f.push_back(connect_answered("look-alike-accepted", "4.2-look-alike-name-refused",
                               "names are compared byte for byte: a Cyrillic A look-alike of a connected name gets 8",
                               [](const Datagram& d) { return contains(text_line(d), "\xD0\x90"); }, Ack{}));
  f.push_back(connect_answered("invisible-accepted", "4.2-invisible-code-point-refused",
                               "a name holding a zero width space (U+200B) gets 8",
                               [](const Datagram& d) { return contains(text_line(d), "\xE2\x80\x8B"); }, Ack{}));
  f.push_back(connect_answered("literal-length-refused", "3-length-literal-count-accepted",
                               "a Connexion whose length field is the byte count n (not n-1) gets 2",
                               [](const Datagram& d) {
                                 std::size_t n = raw_text(d).size();
                                 return n > 0 && d.header->length == n;
                               },
                               kRefused));
  f.push_back(connect_answered("bare-lf-refused", "4.1-bare-lf-and-missing-crlf-accepted",
                               "a name not ended by CRLF (a bare LF, or nothing) gets 2",
                               [](const Datagram& d) {
                                 std::string t = raw_text(d);
                                 return !t.ends_with("\r\n");
                               },
                               kRefused));
  f.push_back({"length-field-trusted", "3-length-field-not-trusted",
               "the length field is trusted: a Connexion is read as its first length+1 text bytes",
               [](Relay&, Datagram& d) {
                 if (!is(d, MessageType::Connect)) return Verdict::Pass;
                 std::size_t said = std::size_t(d.header->length) + 1;
                 if (raw_text(d).size() <= said) return Verdict::Pass;
                 d.bytes.resize(kHeaderBytes + said);
                 d.redecode();
                 return Verdict::Pass;
               },
               {}});
  f.push_back({"refusal-length-n", "3-server-length-fields-conform",
               "the server's 2 carries the byte count n in its length field, not n-1",
               {},
               [](Relay&, Datagram& d) {
                 if (!is(d, MessageType::ConnectRefused)) return Verdict::Pass;
                 std::size_t n = raw_text(d).size();
                 rewrite_header(d, [n](Header& h) { h.length = std::uint16_t(n); });
                 return Verdict::Pass;
               }});
  f.push_back({"disconnect-keeps-name", "6.1-disconnect-acked-name-freed",
               "a Deconnexion naming the user is answered 8 but the session stays: the name is still taken",
               [](Relay& r, Datagram& d) {
                 if (!is(d, MessageType::Disconnect) || text_line(d).empty()) return Verdict::Pass;
                 r.answer(d.client, d.header->seq, Ack{});
                 return Verdict::Drop;
               },
               {}});
  f.push_back({"empty-disconnect-dropped", "12-disconnect-without-name-acked",
               "a Deconnexion with no text (D4) is dropped as malformed, never answered",
               [](Relay&, Datagram& d) {
                 if (!is(d, MessageType::Disconnect) || !text_line(d).empty()) return Verdict::Pass;
                 return Verdict::Drop;
               },
               {}});
  return f;
}

}  // namespace imup::fault_relay
