// SPDX-License-Identifier: GPL-2.0-or-later
// The server refuses names that mislead a reader (PROTOCOL.md §4.2, "names a
// server refuses"): code points that show nothing, reorder the text or mean
// nothing yet, and look-alikes of a connected name by the UTS #39 skeleton,
// the latter only while that name is connected. Refusals are 2 with a reason.
#include "catch.hpp"

#include "codec/text.hpp"
#include "engine_harness.hpp"

using namespace imup;
using namespace imup::engine;
using namespace imup::test;

namespace {

const Endpoint A = ep(1, 1000), B = ep(2, 1000), C = ep(3, 1000);

// The reason the server gave itself (its event: the full text, whatever the
// budget let it send) for refusing the last Connexion, or "" when none.
std::string refusal_of(ServerBench& s) {
  std::string why;
  for (auto& e : s.events())
    if (e.kind == ServerEvent::Kind::ConnectRefused) why = e.detail;
  return why;
}

bool listed(ServerBench& s, const std::string& name) {
  for (auto& u : s.server.users())
    if (u.name == name) return true;
  return false;
}

struct Variant {
  const char* what;
  std::string name;
  std::string reason;  // the full reason of its refusal
};

const std::string kTooClose = "nom trop proche d'un nom connecte: Alice";

// Impostors of "Alice": each passes §4.2's grammar (the codec accepts it).
const std::vector<Variant> kImpostors = {
    {"Cyrillic capital A (U+0410)", "\u0410lice", kTooClose},
    {"Greek capital alpha (U+0391)", "\u0391lice", kTooClose},
    {"fullwidth A (U+FF21)", "\uFF21lice", kTooClose},
    {"capital I for l", "AIice", kTooClose},
    {"digit 1 for l", "A1ice", kTooClose},
    {"zero width space after", "Alice\u200B", "nom invalide: caractere invisible U+200B"},
    {"zero width joiner inside", "Al\u200Dice", "nom invalide: caractere invisible U+200D"},
    {"leading byte order mark", "\uFEFFAlice", "nom invalide: caractere invisible U+FEFF"},
    {"right-to-left override, reversed", "\u202E" "ecilA", "nom invalide: controle bidirectionnel U+202E"},
    {"left-to-right isolate", "\u2066" "Alice", "nom invalide: controle bidirectionnel U+2066"},
    {"tag characters", "Alice\U000E0041\U000E006C", "nom invalide: caractere invisible U+E0041"},
    {"combining grapheme joiner", "Alice\u034F", "nom invalide: caractere invisible U+034F"},
    {"soft hyphen", "Ali\u00ADce", "nom invalide: caractere invisible U+00AD"},
    {"Hangul filler, blank", "\u3164", "nom invalide: caractere invisible U+3164"},
    {"word joiner, blank", "\u2060", "nom invalide: caractere invisible U+2060"},
    {"Braille blank", "\u2800", "nom invalide: caractere blanc U+2800"},
    {"Braille blank after", "Alice\u2800", "nom invalide: caractere blanc U+2800"},
    {"noncharacter U+FDD0", "Alice\uFDD0", "nom invalide: non-caractere U+FDD0"},
    {"noncharacter U+FFFE", "Alice\uFFFE", "nom invalide: non-caractere U+FFFE"},
    {"private use U+E000", "Alice\uE000", "nom invalide: caractere a usage prive U+E000"},
    {"unassigned U+0378", "Alice\u0378", "nom invalide: caractere non attribue U+0378"},
    {"the same combining mark twice", "Alice\u0301\u0301", "nom invalide: signe diacritique repete"},
};

}  // namespace

TEST_CASE("each look-alike of a connected Alice is refused with 2 and says why") {
  ServerBench s;
  s.connect(A, "Alice", 0, at_ms(0));
  s.events();
  std::uint32_t host = 10;
  for (const auto& v : kImpostors) {
    INFO(v.what);
    REQUIRE(is_valid_name(v.name));  // the grammar of §4.2 lets it through
    Endpoint from = ep(host++, 2000);
    auto out = to(s.feed(from, enc(0, Connect{v.name}), at_ms(10)), from);
    REQUIRE(out.size() == 1);
    CHECK(out[0].type() == MessageType::ConnectRefused);
    CHECK(refusal_of(s) == v.reason);
    // Sent in full or in short, within the budget of the Connexion.
    auto said = std::get<ConnectRefused>(out[0].body).reason;
    CHECK((said == v.reason || said == "nom invalide" || said == "nom trop proche"));
  }
  CHECK(s.server.users().size() == 1);
  CHECK(s.server.counters().clients == 1);

  // A direct message to the Cyrillic look-alike reaches nobody: 14.
  auto dm = to(s.feed(A, enc(5, ChatMessage{Room::Public, Mode::Centralized, "psst",
                                              std::string("\u0410lice")}),
                      at_ms(20)),
               A);
  REQUIRE(dm.size() == 1);
  CHECK(dm[0].type() == MessageType::UnknownRecipient);
}

TEST_CASE("a one-letter look-alike's refusal fits the budget of its 7-byte Connexion") {
  ServerBench s;
  s.connect(A, "rn", 0, at_ms(0));
  auto request = enc(0, Connect{"m"});  // 7 bytes: 21 of budget
  auto out = s.feed(B, request, at_ms(1));
  REQUIRE(out.size() == 1);
  CHECK(out[0].bytes.size() <= 3 * request.size());
  CHECK(dec(out[0].bytes) == Message{0, ConnectRefused{"nom trop proche"}});
  CHECK(refusal_of(s) == "nom trop proche d'un nom connecte: rn");
  // A longer Connexion has the budget for the full text, naming the other:
  // mathematical bold "abc", 12 bytes, beside "abc" (18 bytes, 54 of budget).
  s.connect(ep(4, 1000), "abc", 0, at_ms(2));
  auto big = to(s.feed(C, enc(0, Connect{"\U0001D41A\U0001D41B\U0001D41C"}), at_ms(3)), C);
  REQUIRE(big.size() == 1);
  CHECK(big[0] == Message{0, ConnectRefused{"nom trop proche d'un nom connecte: abc"}});
}

TEST_CASE("a look-alike is refused only while the name it resembles is connected") {
  ServerBench s;
  const std::string cyrillic = "\u0410lice";
  s.connect(A, "Alice", 0, at_ms(0));
  auto out = to(s.feed(B, enc(0, Connect{cyrillic}), at_ms(10)), B);
  REQUIRE(out.size() == 1);
  CHECK(out[0].type() == MessageType::ConnectRefused);

  // Alice leaves (Deconnexion): the look-alike may have the name now.
  s.feed(A, enc(1, Disconnect{}), at_ms(20));
  CHECK(!listed(s, "Alice"));
  s.connect(B, cyrillic, 1, at_ms(30));
  CHECK(listed(s, cyrillic));
  s.events();
  // And now Alice is the look-alike, refused while "Аlice" is connected.
  out = to(s.feed(C, enc(0, Connect{"Alice"}), at_ms(40)), C);
  REQUIRE(out.size() == 1);
  CHECK(out[0].type() == MessageType::ConnectRefused);
  CHECK(refusal_of(s) == "nom trop proche d'un nom connecte: " + cyrillic);

  // A new Connexion from B's endpoint under another name ends "Аlice"'s
  // session: its skeleton goes with it.
  s.connect(B, "Bob", 2, at_ms(50));
  CHECK(!listed(s, cyrillic));
  s.connect(C, "Alice", 1, at_ms(60));
  CHECK(listed(s, "Alice"));
  CHECK(listed(s, "Bob"));
}

TEST_CASE("a client given up on leaves its skeleton behind it") {
  ServerBench s;
  s.connect(A, "Alice", 0, at_ms(0));
  // Alice never answers the server again: probes go unanswered until the
  // server gives up and removes her.
  for (std::int64_t t = 0; t < 600000 && listed(s, "Alice"); t += 500) s.tick(at_ms(t));
  REQUIRE(!listed(s, "Alice"));
  s.connect(B, "\u0410lice", 0, at_ms(600000));
  CHECK(listed(s, "\u0410lice"));
}

TEST_CASE("ordinary non-ASCII names are accepted, beside Latin names they do not resemble") {
  ServerBench s;
  s.connect(A, "Olga", 0, at_ms(0));
  s.connect(B, "Zoe", 0, at_ms(0));
  s.connect(C, "Lucja", 0, at_ms(0));
  const std::vector<std::string> names = {
      "Zo\u00EB",              // Zoë (NFC), beside Zoe
      "\u674E\u96F7",          // 李雷
      "\u0141ucja",            // Łucja, beside Lucja
      "\u041E\u043B\u044C\u0433\u0430",  // Ольга, beside Olga
      "Alic\u00E9",            // Alicé
      "\U0001F98A" "fox",      // an emoji of one code point
      "\u0645\u0631\u064A\u0645",  // مريم, right-to-left by its letters, no control
      "\u3055\u304F\u3089",    // さくら
      "Ren\u00E9e_99",
  };
  std::uint32_t host = 20;
  for (const auto& n : names) {
    INFO(n);
    s.connect(ep(host++, 3000), n, 0, at_ms(10));
    CHECK(listed(s, n));
  }
  CHECK(s.server.users().size() == 3 + names.size());
}

TEST_CASE("an accent makes another name; the same letters decomposed are a look-alike") {
  ServerBench s;
  s.connect(A, "Alice", 0, at_ms(0));
  // One visible acute accent: "Alicé" reads differently, like Zoë and Zoe.
  s.connect(B, "Alice\u0301", 0, at_ms(1));
  CHECK(listed(s, "Alice\u0301"));
  // "Zoë" precomposed and "Zoe" + U+0308 differ byte for byte but look the
  // same: the skeleton decomposes both.
  s.connect(C, "Zo\u00EB", 0, at_ms(2));
  s.events();
  auto out = to(s.feed(ep(4, 1000), enc(0, Connect{"Zoe\u0308"}), at_ms(3)), ep(4, 1000));
  REQUIRE(out.size() == 1);
  CHECK(out[0].type() == MessageType::ConnectRefused);
  CHECK(refusal_of(s) == "nom trop proche d'un nom connecte: Zo\u00EB");
}
