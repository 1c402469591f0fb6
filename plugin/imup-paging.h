// SPDX-License-Identifier: GPL-2.0-or-later
// The user list's paging rules (docs/PROTOCOL.md §11) as expert infos, named as
// imup-verify's codes (tools/README.md): list_page_order, list_duplicate_user,
// list_more_flag, list_page_start, list_incomplete. An independent reading of
// §11 (no code shared with the codec or the verifier).
#pragma once

#include "packet-imup.h"
#include "imup-sequence.h"

// First pass, after imup_sequence_judge() said what the datagram is to its
// exchange: a client's new List request, or the first answer to one.
void imup_paging_judge(tvbuff_t *tvb, packet_info *pinfo, const imup_message *msg, const imup_exchange *exchange);

// Later passes: list_incomplete on a listing's last page when the capture
// ends long after it without the next page asked for.
void imup_paging_after_capture(packet_info *pinfo, proto_item *item, imup_message *msg, guint32 max_tries);
