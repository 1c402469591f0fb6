// SPDX-License-Identifier: GPL-2.0-or-later
// Statistics over IMUP traffic: `tshark -z imup,tree` (messages by type and
// direction, errors by type, retransmissions, per user) and `tshark -z
// imup,srt` (response time by request type).
#pragma once

#include "packet-imup.h"

// What the dissector tells its tap about one datagram (packet scope).
struct imup_tap_record {
    guint32 type;
    gboolean known_type;
    imup_direction direction;
    guint64 experts;             // bits of imup_expert_bit
    gboolean retransmission;
    const char *user;            // the client's user name, if known
    gboolean answers_request;    // a first answer: the response time is known
    guint32 request_type;
    nstime_t request_time;
    gboolean is_request;
    const char *src_party;       // the conversation table's parties (imup-conversations.cpp)
    const char *dst_party;
};

extern int imup_tap;

// Called from proto_register_imup.
void imup_register_statistics(void);
