// SPDX-License-Identifier: GPL-2.0-or-later
// Statistics > Conversations and Endpoints by user (issue 16, item 2): the
// parties of each datagram (a user's name, "server", or address:port where
// no user is known), as `imup.src.party`, `imup.dst.party` and `imup.party`,
// and the conversation table over the `imup` tap (imup-conversations.cpp).
#pragma once

#include "packet-imup.h"
#include "imup-tracking.h"

// Called from proto_register_imup.
void imup_conversations_register(void);

// Every datagram, every pass: adds the party fields (hidden) and returns the
// two parties (packet scope) for the tap record. fs may be NULL.
void imup_conversations_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const imup_message *msg,
                              const imup_frame_state *fs, const char **src_party, const char **dst_party);
