// SPDX-License-Identifier: GPL-2.0-or-later
// The text of an IMUP datagram (PROTOCOL.md §4, §11): CRLF-ended fields read by
// each type's grammar, or the binary user entries of type 21.
#pragma once

#include "packet-imup.h"

// Registers the text's fields and subtrees (from proto_register_imup).
void imup_text_register(int proto);

// Dissects all bytes after the header (an unknown type's as plain text), adds the
// fields to `tree` and records what it found in `msg`. Never throws on packet
// data: every read is bounded by the captured bytes.
void imup_dissect_text(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                       imup_message *msg);

// True when [offset, offset+length) is a well-formed list of user entries
// (§11); `count` receives the number of entries.
gboolean imup_user_entries_valid(tvbuff_t *tvb, gint offset, gint length, guint32 *count);

// One subtree per user entry, an imup.user; in the joined list of a listing
// one imup.list.user line per entry instead (a field keeps one parent, as
// -T ek needs). Call only on a range imup_user_entries_valid accepted.
void imup_dissect_user_entries(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                               gint offset, gint length, imup_message *msg, gboolean joined);
