// SPDX-License-Identifier: GPL-2.0-or-later
// What the parts of the IMUP dissector share: the protocol's constants
// (docs/PROTOCOL.md), the protocol id, and the record one datagram's
// dissection fills in as it goes.
#pragma once

#include <glib.h>
#include <epan/packet.h>
#include <epan/expert.h>

#include "imup-expert.h"

extern "C" {
void proto_register_imup(void);
void proto_reg_handoff_imup(void);
}

// PROTOCOL.md §1, §2, §8.
enum : guint32 {
    IMUP_DEFAULT_PORT = 2017,
    IMUP_HEADER_BYTES = 4,
    IMUP_MAX_TEXT_BYTES = 1024,
    IMUP_MAX_NAME_CHARS = 20,
    IMUP_MAX_NAME_BYTES = 80,
    IMUP_MAX_GROUP_MEMBERS = 100,
    IMUP_MAX_USER_ID = 1023,
    IMUP_SEQ_SPACE = 1024,
};

// PROTOCOL.md §5.
enum imup_type : guint32 {
    IMUP_CONNEXION = 1,
    IMUP_CONNEXION_INVALIDE = 2,
    IMUP_DECONNEXION = 3,
    IMUP_LIST_REQUEST = 4,
    IMUP_ACCEPT = 5,
    IMUP_REFUSE = 6,
    IMUP_LEAVE = 7,
    IMUP_ACK = 8,
    IMUP_RELAY = 9,
    IMUP_MODE_OFFER = 10,
    IMUP_GROUP_UPDATE = 11,
    IMUP_PROBE = 12,
    IMUP_GROUP_CLOSED = 13,
    IMUP_UNKNOWN_RECIPIENT = 14,
    IMUP_CROSSES_ROOMS = 15,
    IMUP_GROUP_ENDED = 16,
    IMUP_LIMIT_REACHED = 17,
    IMUP_MESSAGE = 18,
    IMUP_INVITATION = 19,
    IMUP_CHOOSE_MODE = 20,
    IMUP_USER_LIST = 21,
    IMUP_LAST_TYPE = 21,
};

// Which way a datagram travels, decided by the server port preference: a
// datagram whose source port is a server port comes from the server.
enum imup_direction : guint32 {
    IMUP_DIR_UNKNOWN = 0,
    IMUP_DIR_TO_SERVER = 1,
    IMUP_DIR_FROM_SERVER = 2,
    IMUP_DIR_PEER = 3,
};

enum imup_length_convention : guint32 {
    IMUP_LENGTH_AUTOMATIC = 0,
    IMUP_LENGTH_N_MINUS_1 = 1,  // the specification's rule
    IMUP_LENGTH_LITERAL = 2,    // the count used once in the draft
};

// One member line of a type-11 text (PROTOCOL.md §9.3, §10).
struct imup_member_line {
    const char *name;       // packet scope
    gboolean has_endpoint;
    guint32 ipv4;           // network byte order
    guint16 port;
};

// What one datagram says, gathered while its text is dissected (packet scope).
struct imup_message {
    guint32 seq;
    guint32 type;
    guint32 length_field;
    guint32 low_bits;
    guint32 text_bytes;
    imup_direction direction;
    gboolean known_type;
    gboolean is_request;
    gboolean is_answer;

    // Text fields the Info column, the tracker and the statistics use.
    const char *name;            // 1, 3
    const char *message;         // 9, 18
    const char *sender;          // 9
    const char *recipient;       // 9, 18
    const char *reason;          // 2, 10, 13..17
    const char *members;         // 11, 19: comma-joined names
    guint32 member_count;
    imup_member_line *member_lines;  // 11
    guint32 member_line_count;
    gboolean members_have_endpoints;
    gboolean list_request_has_start; // 4
    guint32 list_start_id;
    gboolean user_list_valid;    // 21: a well-formed entry list
    guint32 user_count;
    gboolean more_pages;         // 21: M bit
    gboolean more_parts;         // 11: M bit, the member list goes on in the next 11 (§9.3)
    const char *mode_text;       // 20

    guint64 experts;             // bit per imup_expert_bit, for the statistics
    guint32 text_faults;         // imup.malformed_text reports
    guint32 text_warnings;       // ... of them, the ones a lenient reader reads on (a field's terminator)

    // The text as read once from the tvb; when it is valid UTF-8 its fields are
    // copied straight from these bytes.
    tvbuff_t *text_tvb;
    const guint8 *text;
    gint text_captured;
    gboolean text_is_utf8;
};

// Field ids are static to the file that registers them: packet-imup.cpp for
// the header and the tracker's links, imup-text.cpp for the text,
// imup-expert.cpp for the expert infos.
extern int proto_imup;

const char *imup_type_name(guint32 type);
