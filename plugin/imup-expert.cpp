// SPDX-License-Identifier: GPL-2.0-or-later
// The expert infos of IMUP (PROTOCOL.md names each of them), registered here
// and counted per datagram for `tshark -z imup,tree`.

#include "imup-expert.h"

#include <stdarg.h>
#include <epan/proto_data.h>

#include "packet-imup.h"

// Static, as Wireshark's checkers expect of hf, ett and ei ids.

static expert_field ei_imup_bad_length = EI_INIT;
static expert_field ei_imup_length_literal = EI_INIT;
static expert_field ei_imup_length_convention_changed = EI_INIT;
static expert_field ei_imup_reserved_set = EI_INIT;
static expert_field ei_imup_bad_state_mode = EI_INIT;
static expert_field ei_imup_unknown_type = EI_INIT;
static expert_field ei_imup_malformed_text = EI_INIT;
static expert_field ei_imup_limit_exceeded = EI_INIT;
static expert_field ei_imup_wrong_direction = EI_INIT;
static expert_field ei_imup_retransmission = EI_INIT;
static expert_field ei_imup_retransmit_too_soon = EI_INIT;
static expert_field ei_imup_too_many_tries = EI_INIT;
static expert_field ei_imup_unanswered = EI_INIT;
static expert_field ei_imup_unexpected_answer = EI_INIT;
static expert_field ei_imup_duplicate_answer = EI_INIT;
static expert_field ei_imup_mode_text_mismatch = EI_INIT;
static expert_field ei_imup_truncated = EI_INIT;
static expert_field ei_imup_not_connected = EI_INIT;
static expert_field ei_imup_group_without_offer = EI_INIT;
static expert_field ei_imup_offer_to_member = EI_INIT;
static expert_field ei_imup_message_crosses_rooms = EI_INIT;
static expert_field ei_imup_message_outside_group = EI_INIT;
static expert_field ei_imup_group_mode_mismatch = EI_INIT;
static expert_field ei_imup_sender_not_member = EI_INIT;
static expert_field ei_imup_update_part_out_of_order = EI_INIT;
static expert_field ei_imup_peer_not_member = EI_INIT;
static expert_field ei_imup_peer_message_not_private = EI_INIT;
static expert_field ei_imup_seq_not_increasing = EI_INIT;
static expert_field ei_imup_seq_gap = EI_INIT;
static expert_field ei_imup_seq_reused = EI_INIT;
static expert_field ei_imup_window_exceeded = EI_INIT;
static expert_field ei_imup_cached_answer_differs = EI_INIT;
static expert_field ei_imup_gave_up_early = EI_INIT;
static expert_field ei_imup_list_page_order = EI_INIT;
static expert_field ei_imup_list_duplicate_user = EI_INIT;
static expert_field ei_imup_list_more_flag = EI_INIT;
static expert_field ei_imup_list_page_start = EI_INIT;
static expert_field ei_imup_list_incomplete = EI_INIT;

// imup_message.experts and the tap record hold one bit per expert info.
static_assert(IMUP_EXPERT_COUNT <= 64, "imup_message.experts has 64 bits: widen it for more expert infos");

// Same order as imup_expert_bit.
static expert_field *const expert_by_bit[IMUP_EXPERT_COUNT] = {
    &ei_imup_bad_length, &ei_imup_length_literal, &ei_imup_length_convention_changed,
    &ei_imup_reserved_set, &ei_imup_bad_state_mode, &ei_imup_unknown_type, &ei_imup_malformed_text,
    &ei_imup_limit_exceeded, &ei_imup_wrong_direction, &ei_imup_retransmission,
    &ei_imup_retransmit_too_soon, &ei_imup_unanswered, &ei_imup_unexpected_answer,
    &ei_imup_duplicate_answer, &ei_imup_mode_text_mismatch, &ei_imup_truncated, &ei_imup_too_many_tries,
    &ei_imup_not_connected, &ei_imup_group_without_offer, &ei_imup_offer_to_member,
    &ei_imup_message_crosses_rooms, &ei_imup_message_outside_group, &ei_imup_group_mode_mismatch,
    &ei_imup_sender_not_member, &ei_imup_update_part_out_of_order, &ei_imup_peer_not_member,
    &ei_imup_peer_message_not_private,
    &ei_imup_seq_not_increasing, &ei_imup_seq_gap, &ei_imup_seq_reused, &ei_imup_window_exceeded,
    &ei_imup_cached_answer_differs, &ei_imup_gave_up_early,
    &ei_imup_list_page_order, &ei_imup_list_duplicate_user, &ei_imup_list_more_flag,
    &ei_imup_list_page_start, &ei_imup_list_incomplete,
};


const char *const imup_expert_names[IMUP_EXPERT_COUNT] = {
    "bad_length", "length_literal", "length_convention_changed", "reserved_set", "bad_state_mode",
    "unknown_type", "malformed_text", "limit_exceeded", "wrong_direction", "retransmission",
    "retransmit_too_soon", "unanswered", "unexpected_answer", "duplicate_answer",
    "mode_text_mismatch", "truncated", "too_many_tries",
    "not_connected", "group_without_offer", "offer_to_member", "message_crosses_rooms",
    "message_outside_group", "group_mode_mismatch", "sender_not_member", "update_part_out_of_order",
    "peer_not_member", "peer_message_not_private",
    "seq_not_increasing", "seq_gap", "seq_reused", "window_exceeded", "cached_answer_differs",
    "gave_up_early",
    "list_page_order", "list_duplicate_user", "list_more_flag", "list_page_start", "list_incomplete",
};

expert_field *imup_expert_counted(imup_message *msg, imup_expert_bit which)
{
    msg->experts |= G_GUINT64_CONSTANT(1) << which;
    if (which == IMUP_EXPERT_MALFORMED_TEXT)
        msg->text_faults++;
    return expert_by_bit[which];
}

namespace {

struct finding {
    imup_expert_bit which;
    const char *text;  // file scope
    finding *next;
};

} // namespace

void imup_findings_add(packet_info *pinfo, guint32 key, imup_expert_bit which, const char *format, ...)
{
    finding *f = wmem_new(wmem_file_scope(), finding);
    va_list ap;
    va_start(ap, format);
    f->text = wmem_strdup_vprintf(wmem_file_scope(), format, ap);
    va_end(ap);
    f->which = which;
    f->next = NULL;
    finding *head = static_cast<finding *>(p_get_proto_data(wmem_file_scope(), pinfo, proto_imup, key));
    if (!head) {
        p_add_proto_data(wmem_file_scope(), pinfo, proto_imup, key, f);
        return;
    }
    while (head->next)
        head = head->next;  // in the order found
    head->next = f;
}

void imup_findings_report(packet_info *pinfo, proto_item *item, imup_message *msg, guint32 key)
{
    for (const finding *f = static_cast<const finding *>(p_get_proto_data(wmem_file_scope(), pinfo, proto_imup, key));
         f; f = f->next)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, f->which), "%s", f->text);
}

void imup_expert(packet_info *pinfo, proto_item *item, imup_message *msg, imup_expert_bit which)
{
    expert_add_info(pinfo, item, imup_expert_counted(msg, which));
}

void imup_expert_register(int proto)
{
    // Groups by Wireshark's meaning: PI_MALFORMED only where the datagram
    // cannot be read (shorter than its header, or cut by the capture); the
    // draft's deviations that receivers report and read on are PI_PROTOCOL.
    // Severity by consequence: PI_ERROR where a receiver drops the datagram
    // (PROTOCOL.md sections 2, 5, 8), PI_WARN where it reports and carries on,
    // PI_NOTE where nothing is wrong with the exchange itself.
    static ei_register_info ei[] = {
        { &ei_imup_bad_length, { "imup.bad_length", PI_PROTOCOL, PI_WARN,
          "Length field fits no convention", EXPFILL } },
        { &ei_imup_length_literal, { "imup.length_literal", PI_PROTOCOL, PI_NOTE,
          "Length field is the literal count, not n-1", EXPFILL } },
        { &ei_imup_length_convention_changed, { "imup.length_convention_changed", PI_PROTOCOL, PI_WARN,
          "Sender changed length convention", EXPFILL } },
        { &ei_imup_reserved_set, { "imup.reserved_set", PI_PROTOCOL, PI_WARN,
          "Reserved bits set", EXPFILL } },
        { &ei_imup_bad_state_mode, { "imup.bad_state_mode", PI_PROTOCOL, PI_ERROR,
          "Invalid state or mode bits", EXPFILL } },
        { &ei_imup_unknown_type, { "imup.unknown_type", PI_PROTOCOL, PI_ERROR,
          "Unknown message type", EXPFILL } },
        { &ei_imup_malformed_text, { "imup.malformed_text", PI_PROTOCOL, PI_WARN,
          "Malformed text", EXPFILL } },
        { &ei_imup_limit_exceeded, { "imup.limit_exceeded", PI_PROTOCOL, PI_ERROR,
          "Protocol limit exceeded", EXPFILL } },
        { &ei_imup_wrong_direction, { "imup.wrong_direction", PI_PROTOCOL, PI_ERROR,
          "Type sent in a direction it is not valid in", EXPFILL } },
        { &ei_imup_retransmission, { "imup.retransmission", PI_SEQUENCE, PI_NOTE,
          "Retransmission", EXPFILL } },
        { &ei_imup_retransmit_too_soon, { "imup.retransmit_too_soon", PI_SEQUENCE, PI_WARN,
          "Retransmitted too soon", EXPFILL } },
        { &ei_imup_unanswered, { "imup.unanswered", PI_SEQUENCE, PI_WARN,
          "Request never answered in this capture", EXPFILL } },
        { &ei_imup_unexpected_answer, { "imup.unexpected_answer", PI_SEQUENCE, PI_WARN,
          "Answer that matches no outstanding request", EXPFILL } },
        { &ei_imup_duplicate_answer, { "imup.duplicate_answer", PI_SEQUENCE, PI_NOTE,
          "Duplicate answer", EXPFILL } },
        { &ei_imup_mode_text_mismatch, { "imup.mode_text_mismatch", PI_PROTOCOL, PI_WARN,
          "Mode text disagrees with the mode bits", EXPFILL } },
        { &ei_imup_truncated, { "imup.truncated", PI_MALFORMED, PI_ERROR,
          "Datagram shorter than the 4-byte header: dropped", EXPFILL } },
        { &ei_imup_too_many_tries, { "imup.too_many_tries", PI_SEQUENCE, PI_WARN,
          "More tries than allowed", EXPFILL } },
        // The session, group and peer rules (imup-sessions.cpp): the names and
        // severities of imup-verify's codes (tools/README.md: all errors).
        { &ei_imup_not_connected, { "imup.not_connected", PI_PROTOCOL, PI_ERROR,
          "Traffic for a client before its Connect was accepted", EXPFILL } },
        { &ei_imup_group_without_offer, { "imup.group_without_offer", PI_PROTOCOL, PI_ERROR,
          "Choose mode accepted with no mode offer pending", EXPFILL } },
        { &ei_imup_offer_to_member, { "imup.offer_to_member", PI_PROTOCOL, PI_ERROR,
          "A group member's Invitation answered with a mode offer instead of 8", EXPFILL } },
        { &ei_imup_message_crosses_rooms, { "imup.message_crosses_rooms", PI_PROTOCOL, PI_ERROR,
          "Public message from a group member accepted instead of answered 15", EXPFILL } },
        { &ei_imup_message_outside_group, { "imup.message_outside_group", PI_PROTOCOL, PI_ERROR,
          "Private message or Leave from a client in no group accepted instead of answered 16", EXPFILL } },
        { &ei_imup_group_mode_mismatch, { "imup.group_mode_mismatch", PI_PROTOCOL, PI_ERROR,
          "Mode bits (or a group update's addresses) differ from the group's mode", EXPFILL } },
        { &ei_imup_sender_not_member, { "imup.sender_not_member", PI_PROTOCOL, PI_ERROR,
          "Private message from a client its last group update does not list", EXPFILL } },
        { &ei_imup_update_part_out_of_order, { "imup.update_part_out_of_order", PI_SEQUENCE, PI_ERROR,
          "Group update or Group closed before the previous part was acknowledged", EXPFILL } },
        { &ei_imup_peer_not_member, { "imup.peer_not_member", PI_PROTOCOL, PI_ERROR,
          "Direct traffic between endpoints not in one decentralized group", EXPFILL } },
        { &ei_imup_peer_message_not_private, { "imup.peer_message_not_private", PI_PROTOCOL, PI_ERROR,
          "Message between peers without state 01 and mode 01", EXPFILL } },
        // Numbering, window, answer cache and tries (imup-sequence.cpp), and
        // the user list's paging (imup-paging.cpp): imup-verify's names and
        // severities (tools/README.md). Sequence rules in PI_SEQUENCE, the
        // list's in PI_PROTOCOL.
        { &ei_imup_seq_not_increasing, { "imup.seq_not_increasing", PI_SEQUENCE, PI_ERROR,
          "New request numbered not after the sender's previous one", EXPFILL } },
        { &ei_imup_seq_gap, { "imup.seq_gap", PI_SEQUENCE, PI_WARN,
          "New request skips sequence numbers", EXPFILL } },
        { &ei_imup_seq_reused, { "imup.seq_reused", PI_SEQUENCE, PI_ERROR,
          "New request on a number still among the sender's last 64 (other bytes: not a resend)", EXPFILL } },
        { &ei_imup_window_exceeded, { "imup.window_exceeded", PI_SEQUENCE, PI_ERROR,
          "New request outside the window of 32 numbers", EXPFILL } },
        { &ei_imup_cached_answer_differs, { "imup.cached_answer_differs", PI_SEQUENCE, PI_ERROR,
          "Answer to a resend differs from the first answer", EXPFILL } },
        { &ei_imup_gave_up_early, { "imup.gave_up_early", PI_SEQUENCE, PI_ERROR,
          "Sender stopped resending an unanswered request before its tries ran out", EXPFILL } },
        { &ei_imup_list_page_order, { "imup.list_page_order", PI_PROTOCOL, PI_ERROR,
          "User ids do not go up from the id asked for", EXPFILL } },
        { &ei_imup_list_duplicate_user, { "imup.list_duplicate_user", PI_PROTOCOL, PI_ERROR,
          "User already on an earlier page of this listing", EXPFILL } },
        { &ei_imup_list_more_flag, { "imup.list_more_flag", PI_PROTOCOL, PI_ERROR,
          "More pages (M) on a page with no entry or with room for another", EXPFILL } },
        { &ei_imup_list_page_start, { "imup.list_page_start", PI_PROTOCOL, PI_WARN,
          "Next page asked for from another id than the last one received + 1", EXPFILL } },
        { &ei_imup_list_incomplete, { "imup.list_incomplete", PI_PROTOCOL, PI_WARN,
          "Listing whose last page said more users follow was not continued", EXPFILL } },
    };

    expert_module_t *expert = expert_register_protocol(proto);
    expert_register_field_array(expert, ei, G_N_ELEMENTS(ei));
}
