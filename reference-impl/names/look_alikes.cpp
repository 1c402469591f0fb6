// SPDX-License-Identifier: GPL-2.0-or-later
#include "names/look_alikes.hpp"

#include <unicode/uchar.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <cstdio>
#include <stdexcept>

namespace imup::names {

namespace {

// The one graphic character Unicode draws as nothing that no ICU property
// marks: the Braille cell with no dot raised (U+2801..U+28FF each raise at
// least one; their bits are the dots). The other blanks (U+3164 HANGUL
// FILLER, U+115F, U+1160, U+FFA0, U+2060) are Default_Ignorable_Code_Point.
constexpr char32_t kBrailleBlank = 0x2800;

bool all_ascii(std::string_view s) {
  for (unsigned char b : s)
    if (b >= 0x80) return false;
  return true;
}

std::string hex(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", unsigned(c));
  return buf;
}

}  // namespace

std::string describe(const Problem& p) {
  switch (p.fault) {
    case Fault::BidiControl: return "controle bidirectionnel " + hex(p.code_point);
    case Fault::Noncharacter: return "non-caractere " + hex(p.code_point);
    case Fault::Invisible: return "caractere invisible " + hex(p.code_point);
    case Fault::Unassigned: return "caractere non attribue " + hex(p.code_point);
    case Fault::PrivateUse: return "caractere a usage prive " + hex(p.code_point);
    case Fault::Blank: return "caractere blanc " + hex(p.code_point);
    case Fault::RepeatedMark: return "signe diacritique repete";
  }
  return "caractere refuse";
}

void LookAlikes::Close::operator()(USpoofChecker* c) const { uspoof_close(c); }

LookAlikes::LookAlikes() {
  UErrorCode status = U_ZERO_ERROR;
  USpoofChecker* c = uspoof_open(&status);
  if (U_SUCCESS(status))
    // INVISIBLE: the same nonspacing mark twice in a row of marks. Skeletons
    // are asked for separately and need no check set.
    uspoof_setChecks(c, USPOOF_INVISIBLE, &status);
  if (U_FAILURE(status)) {
    if (c) uspoof_close(c);
    throw std::runtime_error(std::string("ICU spoof checker: ") + u_errorName(status));
  }
  checker_.reset(c);
}

LookAlikes::~LookAlikes() = default;
LookAlikes::LookAlikes(LookAlikes&&) noexcept = default;
LookAlikes& LookAlikes::operator=(LookAlikes&&) noexcept = default;

std::optional<Problem> LookAlikes::problem(std::string_view name) const {
  if (all_ascii(name)) return std::nullopt;
  const auto* s = reinterpret_cast<const std::uint8_t*>(name.data());
  const auto n = static_cast<std::int32_t>(name.size());
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) return Problem{Fault::Unassigned, 0xFFFD};  // not UTF-8: the codec's to refuse
    // Most specific first: U+202E is Default_Ignorable too, and noncharacters
    // are General_Category Cn like unassigned code points.
    if (u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL)) return Problem{Fault::BidiControl, char32_t(c)};
    if (u_hasBinaryProperty(c, UCHAR_NONCHARACTER_CODE_POINT))
      return Problem{Fault::Noncharacter, char32_t(c)};
    if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
      return Problem{Fault::Invisible, char32_t(c)};
    switch (u_charType(c)) {
      case U_UNASSIGNED: return Problem{Fault::Unassigned, char32_t(c)};
      case U_PRIVATE_USE_CHAR: return Problem{Fault::PrivateUse, char32_t(c)};
      default: break;
    }
    if (char32_t(c) == kBrailleBlank) return Problem{Fault::Blank, char32_t(c)};
  }
  UErrorCode status = U_ZERO_ERROR;
  std::int32_t found = uspoof_checkUTF8(checker_.get(), name.data(), n, nullptr, &status);
  if (U_SUCCESS(status) && (found & USPOOF_INVISIBLE)) return Problem{Fault::RepeatedMark, 0};
  return std::nullopt;
}

std::string LookAlikes::skeleton(std::string_view name) const {
  // A name is at most 80 bytes; its skeleton seldom more than twice that.
  std::string out(2 * name.size() + 16, '\0');
  UErrorCode status = U_ZERO_ERROR;
  std::int32_t len = uspoof_getSkeletonUTF8(checker_.get(), 0, name.data(),
                                            static_cast<std::int32_t>(name.size()), out.data(),
                                            static_cast<std::int32_t>(out.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    out.assign(std::size_t(len), '\0');
    status = U_ZERO_ERROR;
    len = uspoof_getSkeletonUTF8(checker_.get(), 0, name.data(),
                                 static_cast<std::int32_t>(name.size()), out.data(), len, &status);
  }
  if (U_FAILURE(status)) return std::string(name);
  out.resize(std::size_t(len));
  return out;
}

}  // namespace imup::names
