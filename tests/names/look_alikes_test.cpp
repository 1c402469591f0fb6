// SPDX-License-Identifier: GPL-2.0-or-later
// imup_names: which code points a name may not hold, and which names look
// alike, as ICU reads Unicode's data (PROTOCOL.md §4.2).
#include "catch.hpp"

#include <string>
#include <vector>

#include "names/look_alikes.hpp"

using imup::names::describe;
using imup::names::Fault;
using imup::names::LookAlikes;
using imup::names::Problem;

namespace {

struct Case {
  std::string name;
  Fault fault;
  char32_t code_point;
};

}  // namespace

TEST_CASE("each kind of misleading code point is named with the first one found") {
  LookAlikes rules;
  const std::vector<Case> cases = {
      {"a\u200Bb", Fault::Invisible, 0x200B},        // zero width space
      {"a\u200Db", Fault::Invisible, 0x200D},        // zero width joiner
      {"\uFEFFab", Fault::Invisible, 0xFEFF},        // byte order mark
      {"ab\uFE0F", Fault::Invisible, 0xFE0F},        // variation selector
      {"ab\U000E0041", Fault::Invisible, 0xE0041},   // tag letter A
      {"\u3164", Fault::Invisible, 0x3164},          // Hangul filler
      {"\u115F", Fault::Invisible, 0x115F},          // Hangul choseong filler
      {"\u2060", Fault::Invisible, 0x2060},          // word joiner
      {"\u202Eab", Fault::BidiControl, 0x202E},      // right-to-left override
      {"a\u200Fb", Fault::BidiControl, 0x200F},      // right-to-left mark
      {"a\u061Cb", Fault::BidiControl, 0x061C},      // Arabic letter mark
      {"ab\u0378", Fault::Unassigned, 0x0378},
      {"ab\uE000", Fault::PrivateUse, 0xE000},
      {"ab\U000F0000", Fault::PrivateUse, 0xF0000},  // plane 15
      {"ab\uFDD0", Fault::Noncharacter, 0xFDD0},
      {"ab\uFFFF", Fault::Noncharacter, 0xFFFF},
      {"ab\U0001FFFE", Fault::Noncharacter, 0x1FFFE},
      {"\u2800", Fault::Blank, 0x2800},
      {"a\u0301\u0301", Fault::RepeatedMark, 0},
      {"\u00E9\u0301\u0301", Fault::RepeatedMark, 0},  // after NFD: e + three acutes
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto p = rules.problem(c.name);
    REQUIRE(p);
    CHECK(p->fault == c.fault);
    CHECK(p->code_point == c.code_point);
  }
}

TEST_CASE("ASCII names and ordinary names of any script have no problem") {
  LookAlikes rules;
  for (std::string n : {"Alice", "rn", "x@y!", "Ren\u00E9e", "Zo\u00EB", "Zoe\u0308", "\u674E\u96F7",
                        "\u0141ucja", "\u041E\u043B\u044C\u0433\u0430", "\U0001F98A",
                        "\u0645\u0631\u064A\u0645", "\u2801", "a\u0301\u0300"}) {
    INFO(n);
    CHECK(!rules.problem(n));
  }
}

TEST_CASE("the reason names the rule and the code point") {
  CHECK(describe(Problem{Fault::Invisible, 0x200B}) == "caractere invisible U+200B");
  CHECK(describe(Problem{Fault::BidiControl, 0x202E}) == "controle bidirectionnel U+202E");
  CHECK(describe(Problem{Fault::Unassigned, 0x0378}) == "caractere non attribue U+0378");
  CHECK(describe(Problem{Fault::PrivateUse, 0xF0000}) == "caractere a usage prive U+F0000");
  CHECK(describe(Problem{Fault::Noncharacter, 0xFDD0}) == "non-caractere U+FDD0");
  CHECK(describe(Problem{Fault::Blank, 0x2800}) == "caractere blanc U+2800");
  CHECK(describe(Problem{Fault::RepeatedMark, 0}) == "signe diacritique repete");
}

TEST_CASE("look-alikes share a skeleton; names that read differently do not") {
  LookAlikes rules;
  const std::string alice = rules.skeleton("Alice");
  for (std::string n : {"\u0410lice", "\u0391lice", "\uFF21lice", "AIice", "A1ice",
                        "\U0001D400lice"}) {
    INFO(n);
    CHECK(rules.skeleton(n) == alice);
  }
  CHECK(rules.skeleton("m") == rules.skeleton("rn"));
  CHECK(rules.skeleton("Zo\u00EB") == rules.skeleton("Zoe\u0308"));
  for (std::string n : {"Alicia", "Alic\u00E9", "alice", "\u041E\u043B\u044C\u0433\u0430"}) {
    INFO(n);
    CHECK(rules.skeleton(n) != alice);
  }
  CHECK(rules.skeleton("\u041E\u043B\u044C\u0433\u0430") != rules.skeleton("Olga"));
  CHECK(rules.skeleton("\u0141ucja") != rules.skeleton("Lucja"));
}

TEST_CASE("a skeleton longer than twice its name is still whole") {
  LookAlikes rules;
  // U+FDFA, one Arabic ligature of 3 bytes, has a skeleton of some 30 bytes
  // (letters and spaces): twenty of them overflow the first buffer.
  const std::string one = rules.skeleton("\uFDFA");
  REQUIRE(one.size() > 20);
  std::string n, expected;
  for (int i = 0; i < 20; ++i) n += "\uFDFA", expected += one;
  auto s = rules.skeleton(n);
  CHECK(s.size() > 2 * n.size() + 16);
  CHECK(s == expected);
}

TEST_CASE("a moved checker still checks") {
  LookAlikes a;
  LookAlikes b(std::move(a));
  CHECK(b.problem("a\u200Bb"));
  CHECK(b.skeleton("AIice") == b.skeleton("Alice"));
}
