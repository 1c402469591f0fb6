// SPDX-License-Identifier: GPL-2.0-or-later
#include "violation_codes.hpp"

#include <array>
#include <string_view>
#include <vector>

#include "codec/limits.hpp"

namespace imup::verify {
namespace {

using enum Code;
constexpr Severity W = Severity::Warning;
constexpr Severity E = Severity::Error;

// An explanation that names protocol limits (codec/limits.hpp), composed at
// compile time from text and numbers so that the table stays constexpr.
struct ComposedText {
  std::array<char, 256> chars{};
  std::size_t size = 0;
  constexpr void add(std::string_view text) {
    for (char ch : text) chars[size++] = ch;
  }
  constexpr void add(std::size_t n) {
    char digits[20];
    std::size_t k = 0;
    do digits[k++] = char('0' + n % 10);
    while (n /= 10);
    while (k) chars[size++] = digits[--k];
  }
  constexpr std::string_view view() const { return {chars.data(), size}; }
};
template <class... Parts>
constexpr ComposedText compose(Parts... parts) {
  ComposedText t;
  (t.add(parts), ...);
  return t;
}
constexpr std::string_view sv(const char* s) { return s; }
constexpr ComposedText kTextTooLong =
    compose(sv("more than "), kMaxTextBytes, sv(" text bytes: the limit is exceeded (§8)"));
constexpr ComposedText kSeqReused =
    compose(sv("a new request (other bytes or another type) on a sequence number still among the "
               "sender's last "),
            kAnswerCacheEntries, sv(" requests: not a resend (§6.3, §14)"));
constexpr ComposedText kWindowExceeded =
    compose(sv("a request sent with "), kWindow, sv(" unanswered, or "), kWindow,
            sv(" numbers after an unanswered one, to one peer (§6.4)"));
constexpr ComposedText kRetransmitTooSoon = compose(
    sv("a request sent again less than "), std::size_t(kMinRetransmitInterval.count() / 1000),
    sv(" s after the previous try (§7)"));

constexpr std::array<CodeInfo, std::size_t(Code::kCount)> kCodes{{
    {Truncated, "truncated", E, "datagram shorter than the 4-byte header (§5)"},
    {UnknownType, "unknown_type", E, "type 0 or above 21: receivers drop it (§5)"},
    {TextTooLong, "text_too_long", E, kTextTooLong.view()},
    {BadLength, "bad_length", W, "length field fits no convention; the text is the bytes after the header (§3)"},
    {LengthLiteral, "length_literal", W, "length field counts the text bytes instead of bytes - 1 (§3)"},
    {ReservedSet, "reserved_set", W, "reserved header bits are not zero (§2)"},
    {BadStateMode, "bad_state_mode", E, "state or mode bits hold the invalid value 10 or 11 (§2)"},
    {BadUtf8, "bad_utf8", E, "the text is not valid UTF-8 (malformed text, §4.1)"},
    {MissingCrlf, "missing_crlf", W, "the last field has no CRLF terminator (§4.1)"},
    {BareLf, "bare_lf", W, "a field ends with LF alone instead of CRLF (§4.1)"},
    {MissingField, "missing_field", E, "a field the type's grammar requires is absent (§4.3)"},
    {ExtraField, "extra_field", E, "more fields than the type's grammar allows (§4.3)"},
    {UnexpectedText, "unexpected_text", E, "text where the type's grammar allows none (§4.1)"},
    {BadName, "bad_name", E, "a user name breaks §4.2 (1-20 characters, no space, comma or control)"},
    {BadNumber, "bad_number", E, "a user id that is not a decimal number 0..1023 (§4.3)"},
    {BadAddress, "bad_address", E, "a member line's ipv4:port is malformed (§9.3)"},
    {BadUserEntry, "bad_user_entry", E, "a user-list entry overruns the text or is invalid (§11)"},
    {TextUserList, "text_user_list", W, "a user list sent as plain text, not entries (§11)"},
    {OneFieldText, "one_field_text", W, "a relayed message without its sender field (§13)"},
    {ModeTextMismatch, "mode_text_mismatch", W, "type 20's text names another mode than its bits (§9.2)"},
    {CrlfInField, "crlf_in_field", E, "a field value holds CR or LF (§4.1)"},
    {BadIpChecksum, "bad_ip_checksum", E, "the IPv4 header checksum is wrong"},
    {BadUdpChecksum, "bad_udp_checksum", E, "the UDP checksum is wrong (and not an offload artefact)"},
    {ChecksumOffload, "checksum_offload", W, "checksum left for the NIC to fill in: capture taken on the sending host"},
    {TruncatedFrame, "truncated_frame", E, "the frame ends before its IPv4 or UDP header says"},
    {BadIpHeader, "bad_ip_header", E, "the IPv4 header length or fragment offset is impossible"},
    {BadUdpLength, "bad_udp_length", E, "the UDP length disagrees with the IPv4 packet"},
    {FragmentOverlap, "fragment_overlap", W, "an IPv4 fragment rewrites bytes already received"},
    {FragmentTimeout, "fragment_timeout", W, "an IPv4 datagram's fragments never all arrived within 30 s"},
    {FragmentTableFull, "fragment_table_full", W, "too many IPv4 datagrams in reassembly at once; the oldest was dropped"},
    {WrongDirection, "wrong_direction", E, "a type sent by the side that may not send it (§5)"},
    {LengthConventionChanged, "length_convention_changed", W,
     "a sender's length field switched between n - 1 and the literal count (§3)"},
    {UnexpectedAnswer, "unexpected_answer", E, "an answer that matches no request by peer, sequence number and type (§6.1)"},
    {DuplicateAnswer, "duplicate_answer", E, "a request answered again although it was not sent again (§6.3, §7)"},
    {CachedAnswerDiffers, "cached_answer_differs", E, "the answer to a duplicate request is not the first answer byte for byte (§6.3)"},
    {UnansweredRequest, "unanswered_request", E, "a request never answered, though the capture lasts past its last try's timeout (§6.1, §7)"},
    {UnansweredAtEnd, "unanswered_at_end", W, "the capture ends before a request's tries ran out, with no answer seen yet"},
    {RetransmitTooSoon, "retransmit_too_soon", E, kRetransmitTooSoon.view()},
    {TooManyTries, "too_many_tries", E, "a request sent more times than the allowed tries (§7)"},
    {GaveUpEarly, "gave_up_early", E, "a sender stopped resending an unanswered request before its tries ran out, though the capture lasts past the next try's latest time (§7)"},
    {SeqNotIncreasing, "seq_not_increasing", E, "a new request's sequence number is not after the sender's previous one (§6.1, §6.2)"},
    {SeqGap, "seq_gap", W, "a sender skipped sequence numbers (a request lost before the capture point?)"},
    {SeqReused, "seq_reused", E, kSeqReused.view()},
    {WindowExceeded, "window_exceeded", E, kWindowExceeded.view()},
    {NotConnected, "not_connected", E, "traffic for a client before its Connexion was accepted (§5, §6.1)"},
    {PeerNotMember, "peer_not_member", E, "direct traffic between endpoints not in one decentralized group (§10)"},
    {GroupWithoutOffer, "group_without_offer", E, "a Choose mode accepted with no mode offer pending (§9.2)"},
    {MessageCrossesRooms, "message_crosses_rooms", E, "a public message from a group member was accepted instead of answered 15 (§9.6)"},
    {MessageOutsideGroup, "message_outside_group", E, "a private message or Leave from a client in no group was accepted instead of answered 16 (§9.5, §9.6)"},
    {PeerMessageNotPrivate, "peer_message_not_private", E, "a message between peers without state 01 and mode 01 (§10)"},
    {OfferToMember, "offer_to_member", E, "a group member's Invitation answered with a mode offer instead of 8: it invites into its own group (§9.2)"},
    {GroupModeMismatch, "group_mode_mismatch", E, "mode bits of an 18 or 19 (or a type-11 list's addresses) that differ from the group's mode as the flow set it (§9.2, §9.3, §9.6)"},
    {SenderNotMember, "sender_not_member", E, "a private message from a client that the last complete group update (11) sent to it does not list (§9.3, §9.6)"},
    {UpdatePartOutOfOrder, "update_part_out_of_order", E, "an 11 or 13 sent to a client before the previous part of a multi-part group update was acknowledged, or between its parts (D19)"},
    {GroupLimitExceeded, "group_limit_exceeded", E, "a group update (11, all its parts) listing, or an Invitation (19) naming, more members than a group may have (§8: 100; senders refuse to build such a datagram)"},
    {ListPageOrder, "list_page_order", E, "a user-list page whose ids do not go up from the id its request asked for (§11)"},
    {ListDuplicateUser, "list_duplicate_user", E, "a user id on two pages of one listing (§11: each page starts after the last id received)"},
    {ListMoreFlag, "list_more_flag", E, "M (more users follow) on a page with no entry, or with room left for another (§11: as many whole entries as fit)"},
    {ListPageStart, "list_page_start", W, "the next page asked for from another id than the last one received + 1 (§11)"},
    {ListIncomplete, "list_incomplete", W, "a listing whose last page said more users follow was never continued, though the client had time (§11)"},
}};

}  // namespace

std::span<const CodeInfo> all_codes() {
  static const auto observable = [] {
    std::vector<CodeInfo> v;
    for (const auto& c : kCodes)
      if (c.code != CrlfInField) v.push_back(c);
    return v;
  }();
  return observable;
}
const CodeInfo& info(Code c) { return kCodes[std::size_t(c)]; }

std::optional<Code> code_by_name(std::string_view name) {
  for (const auto& c : all_codes())
    if (c.name == name) return c.code;
  return std::nullopt;
}

Code from_fault(Fault f) { return Code(std::uint8_t(f)); }

std::optional<Code> code_of_frame_problem(std::string_view name) {
  for (auto c : {TruncatedFrame, BadIpHeader, BadUdpLength, FragmentOverlap, FragmentTimeout,
                 FragmentTableFull})
    if (info(c).name == name) return c;
  return std::nullopt;
}

}  // namespace imup::verify
