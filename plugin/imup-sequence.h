// SPDX-License-Identifier: GPL-2.0-or-later
// The numbering, window, answer-cache and tries rules of IMUP (docs/PROTOCOL.md
// §6.1 to §6.4, §7, §14) as expert infos, named as imup-verify's codes
// (tools/README.md): seq_not_increasing, seq_gap, seq_reused, window_exceeded,
// cached_answer_differs, gave_up_early.
//
// An independent reading of the rules: it shares no code with the codec or the
// verifier (tests/plugin/test-sequence-rules.sh and test-sessions-parity.sh
// hold the two against each other). It tells a resend by its bytes (§14), not
// by number and type alone as the tracker's links do.
#pragma once

#include "packet-imup.h"

// What the sequence rules made of a datagram, for the paging rules.
struct imup_exchange {
    gboolean new_request;    // a request that is not a resend of one still held
    gboolean first_answer;   // an answer that closes its request for the first time
    guint32 request_type;    // first_answer: the type of the request it closes
};

// The proto-data key under which the rule modules keep a frame's findings.
enum : guint32 { IMUP_RULE_FINDINGS_KEY = 0x52554C45 };  // "RULE"

// From proto_register_imup.
void imup_sequence_register(void);

// First pass: judges the datagram (`tvb` is the IMUP datagram) and fills
// `exchange`; returns FALSE on later passes and for datagrams not judged.
// `max_tries` is the tries preference (§7).
gboolean imup_sequence_judge(tvbuff_t *tvb, packet_info *pinfo, const imup_message *msg, guint32 max_tries,
                             imup_exchange *exchange);

// Later passes: the findings only the whole capture shows (gave_up_early on
// a request's first copy), added to `item`.
void imup_sequence_after_capture(packet_info *pinfo, proto_item *item, imup_message *msg, guint32 max_tries);

// The sum of the latest waits of a conforming sender over `tries` tries (§7:
// 3 s, doubling; 93 s for 5): how long it may still be waiting for an answer.
gint64 imup_give_up_ns(guint32 tries);

// A datagram a receiver drops as malformed (a fault a lenient reader does
// not read on): its request is owed no answer.
gboolean imup_text_malformed(const imup_message *msg);

// The time of the last IMUP datagram of the first pass (the capture's end, on
// later passes).
const nstime_t *imup_capture_end(void);
