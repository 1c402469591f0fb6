// SPDX-License-Identifier: GPL-2.0-or-later
// The session, group and peer rules of IMUP (docs/PROTOCOL.md §5, §6.1, §9,
// §10, D19) as expert infos, named as imup-verify's codes (tools/README.md):
// not_connected, group_without_offer, offer_to_member, message_crosses_rooms,
// message_outside_group, group_mode_mismatch, sender_not_member,
// update_part_out_of_order, peer_not_member, peer_message_not_private.
//
// An independent reading of the rules (it shares no code with the codec or
// the verifier, which tests/plugin/test-sessions.sh holds it against). The
// state is per endpoint, built on the first pass; a frame keeps a record only
// when it carries a finding (a bitmask in its proto data), so later passes and
// the GUI show the same.
#pragma once

#include "packet-imup.h"

struct imup_frame_state;

// From proto_register_imup.
void imup_sessions_register(void);

// After imup_track(): judges the datagram on the first pass, and adds the
// findings' expert infos to `item` on every pass (whether or not a tree is
// built). `fs` is the tracker's state of the frame (never NULL).
void imup_sessions(packet_info *pinfo, proto_item *item, imup_message *msg, const imup_frame_state *fs);
