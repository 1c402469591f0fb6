// SPDX-License-Identifier: GPL-2.0-or-later
// Every violation imup-verify can report: a stable snake_case name, a
// severity and a one-line explanation (`imup-verify --list-codes`). The
// datagram-level names are the codec's fault names, so the verifier, the
// dissector and the tests speak the same words.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "codec/codec.hpp"

namespace imup::verify {

enum class Severity : std::uint8_t { Warning, Error };

enum class Code : std::uint8_t {
  // Datagram faults, in the codec's Fault order (see from_fault()).
  Truncated, UnknownType, TextTooLong, BadLength, LengthLiteral, ReservedSet, BadStateMode,
  BadUtf8, MissingCrlf, BareLf, MissingField, ExtraField, UnexpectedText, BadName, BadNumber,
  BadAddress, BadUserEntry, TextUserList, OneFieldText, ModeTextMismatch, CrlfInField,
  // Frames below IMUP.
  BadIpChecksum, BadUdpChecksum, ChecksumOffload, TruncatedFrame, BadIpHeader, BadUdpLength,
  FragmentOverlap, FragmentTimeout, FragmentTableFull,
  // Exchanges.
  WrongDirection, LengthConventionChanged, UnexpectedAnswer, DuplicateAnswer, CachedAnswerDiffers, UnansweredRequest,
  UnansweredAtEnd,
  RetransmitTooSoon, TooManyTries, GaveUpEarly, SeqNotIncreasing, SeqGap, SeqReused, WindowExceeded,
  NotConnected, PeerNotMember, GroupWithoutOffer, MessageCrossesRooms, MessageOutsideGroup,
  PeerMessageNotPrivate, OfferToMember, GroupModeMismatch, SenderNotMember, UpdatePartOutOfOrder,
  GroupLimitExceeded,
  // The user list's pages (§11).
  ListPageOrder, ListDuplicateUser, ListMoreFlag, ListPageStart, ListIncomplete,
  kCount
};

struct CodeInfo {
  Code code;
  std::string_view name;
  Severity severity;
  std::string_view explanation;
};

// Every code the verifier can report (crlf_in_field, an encoder-only fault,
// never comes out of a decoder and is left out).
std::span<const CodeInfo> all_codes();
const CodeInfo& info(Code c);
std::optional<Code> code_by_name(std::string_view name);
Code from_fault(Fault f);
// Codes of frame problems reported by the capture reader ("truncated_frame"...).
std::optional<Code> code_of_frame_problem(std::string_view name);

}  // namespace imup::verify
