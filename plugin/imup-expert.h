// SPDX-License-Identifier: GPL-2.0-or-later
// The expert infos of IMUP, in one place that the header, text and tracker
// code all report through, and that counts them for the statistics.
#pragma once

#include <glib.h>
#include <epan/packet.h>
#include <epan/expert.h>

struct imup_message;

// One bit per expert info, so the statistics can count them by name.
enum imup_expert_bit : guint32 {
    IMUP_EXPERT_BAD_LENGTH,
    IMUP_EXPERT_LENGTH_LITERAL,
    IMUP_EXPERT_LENGTH_CONVENTION_CHANGED,
    IMUP_EXPERT_RESERVED_SET,
    IMUP_EXPERT_BAD_STATE_MODE,
    IMUP_EXPERT_UNKNOWN_TYPE,
    IMUP_EXPERT_MALFORMED_TEXT,
    IMUP_EXPERT_LIMIT_EXCEEDED,
    IMUP_EXPERT_WRONG_DIRECTION,
    IMUP_EXPERT_RETRANSMISSION,
    IMUP_EXPERT_RETRANSMIT_TOO_SOON,
    IMUP_EXPERT_UNANSWERED,
    IMUP_EXPERT_UNEXPECTED_ANSWER,
    IMUP_EXPERT_DUPLICATE_ANSWER,
    IMUP_EXPERT_MODE_TEXT_MISMATCH,
    IMUP_EXPERT_TRUNCATED,
    IMUP_EXPERT_TOO_MANY_TRIES,
    // Session, group and peer rules (imup-sessions.cpp).
    IMUP_EXPERT_NOT_CONNECTED,
    IMUP_EXPERT_GROUP_WITHOUT_OFFER,
    IMUP_EXPERT_OFFER_TO_MEMBER,
    IMUP_EXPERT_MESSAGE_CROSSES_ROOMS,
    IMUP_EXPERT_MESSAGE_OUTSIDE_GROUP,
    IMUP_EXPERT_GROUP_MODE_MISMATCH,
    IMUP_EXPERT_SENDER_NOT_MEMBER,
    IMUP_EXPERT_UPDATE_PART_OUT_OF_ORDER,
    IMUP_EXPERT_PEER_NOT_MEMBER,
    IMUP_EXPERT_PEER_MESSAGE_NOT_PRIVATE,
    // Numbering, window, answer cache and tries (imup-sequence.cpp).
    IMUP_EXPERT_SEQ_NOT_INCREASING,
    IMUP_EXPERT_SEQ_GAP,
    IMUP_EXPERT_SEQ_REUSED,
    IMUP_EXPERT_WINDOW_EXCEEDED,
    IMUP_EXPERT_CACHED_ANSWER_DIFFERS,
    IMUP_EXPERT_GAVE_UP_EARLY,
    // The user list's paging (imup-paging.cpp).
    IMUP_EXPERT_LIST_PAGE_ORDER,
    IMUP_EXPERT_LIST_DUPLICATE_USER,
    IMUP_EXPERT_LIST_MORE_FLAG,
    IMUP_EXPERT_LIST_PAGE_START,
    IMUP_EXPERT_LIST_INCOMPLETE,
    IMUP_EXPERT_COUNT,
};

// The names after "imup.", for the statistics.
extern const char *const imup_expert_names[IMUP_EXPERT_COUNT];

// Registers the expert infos of protocol `proto` (from proto_register_imup).
void imup_expert_register(int proto);

// Adds the expert info with its registered message (expert_add_info).
void imup_expert(packet_info *pinfo, proto_item *item, imup_message *msg, imup_expert_bit which);

// For expert_add_info_format, where the message carries data or says more than
// the registered one: counts the expert for the statistics and returns it.
expert_field *imup_expert_counted(imup_message *msg, imup_expert_bit which);

// A finding of the first pass that every later pass shows again: its expert
// info and its text, kept (file scope) in the frame's proto data under `key`.
// imup_findings_add() records one (first pass); imup_findings_report() adds
// the frame's recorded findings to `item`, on every pass, tree or no tree.
void imup_findings_add(packet_info *pinfo, guint32 key, imup_expert_bit which, const char *format, ...)
    G_GNUC_PRINTF(4, 5);
void imup_findings_report(packet_info *pinfo, proto_item *item, imup_message *msg, guint32 key);
