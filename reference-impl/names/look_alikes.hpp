// SPDX-License-Identifier: GPL-2.0-or-later
// Names that pass §4.2's grammar but mislead a reader (PROTOCOL.md §4.2,
// "Names a server refuses"): a code point that shows nothing or reorders the
// text around it, one with no meaning yet (unassigned, private use,
// noncharacter), and a name that looks like another one, by the skeleton of
// Unicode's UTS #39 (ICU's spoof checker). The rules are Unicode's, read from
// ICU's character data, not tables of ours: they follow the ICU release the
// program is built against (72 on Debian 12, 76 on Debian 13).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct USpoofChecker;  // ICU's, opaque: no ICU header here

namespace imup::names {

// What is wrong with a name on its own, in the order they are checked.
enum class Fault : std::uint8_t {
  BidiControl,   // Bidi_Control: U+202E and the like reorder what a reader sees
  Noncharacter,  // Noncharacter_Code_Point: U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF
  Invisible,     // Default_Ignorable_Code_Point: U+200B, U+200D, U+FEFF, U+2060, tags, U+3164
  Unassigned,    // General_Category Cn in the ICU release built against
  PrivateUse,    // General_Category Co: no agreed glyph
  Blank,         // a graphic character drawn as nothing: U+2800 BRAILLE PATTERN BLANK
  RepeatedMark,  // the same nonspacing mark twice on one letter (UTS #39 §5.4)
};

struct Problem {
  Fault fault;
  char32_t code_point = 0;  // the first offending one (0 for RepeatedMark)
};

// The tail of the refusal's reason after "nom invalide: ", in the ASCII French
// of §5.1: "caractere invisible U+200B".
std::string describe(const Problem& p);

// Holds one ICU spoof checker (opened once; no global state). Not thread-safe
// for concurrent use, like the engine that owns it.
class LookAlikes {
 public:
  LookAlikes();  // throws std::runtime_error when ICU's data cannot be opened
  ~LookAlikes();
  LookAlikes(LookAlikes&&) noexcept;
  LookAlikes& operator=(LookAlikes&&) noexcept;

  // Why `name` (valid UTF-8, already valid by §4.2) should be refused on its
  // own, or nullopt. A name of ASCII alone passes without asking ICU: the
  // codec has already refused its only suspects (controls, space).
  std::optional<Problem> problem(std::string_view name) const;

  // The UTS #39 skeleton (NFD, then each character mapped to its prototype
  // in confusables.txt, NFD again), as UTF-8. Two names whose skeletons are
  // equal are confusable: "Аlice" (Cyrillic А), "Ａlice", "AIice", "A1ice"
  // and "Alice" all give "Alice"; "rn" and "m" give "rn". ASCII names are
  // asked too, for those last ones. On an ICU failure, the name itself.
  std::string skeleton(std::string_view name) const;

 private:
  struct Close {
    void operator()(USpoofChecker* c) const;
  };
  std::unique_ptr<USpoofChecker, Close> checker_;
};

}  // namespace imup::names
