// SPDX-License-Identifier: GPL-2.0-or-later
// Chats, followed like TCP streams (issue 16): the public room of each server,
// each private group (centralized or peer to peer) and each pair of users
// exchanging direct messages is a chat, numbered in the order of its first
// datagram; `imup.chat` carries the number and `tshark -z follow,imup,ascii,N`
// prints chat N as a client's transcript (imup-follow.cpp).
#pragma once

#include "packet-imup.h"
#include "imup-tracking.h"

// Called from proto_register_imup: the imup.chat field, the follow tap and
// the follow stream.
void imup_follow_register(void);

// Called for every known-type datagram the tracker followed (fs not NULL), on
// every pass: on the first it decides the datagram's chat, then it shows
// imup.chat and, when a follow is listening, queues the transcript line.
// No object with a destructor: it adds tree items.
void imup_follow_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const imup_message *msg,
                       const imup_frame_state *fs);

// The party the tracker knows behind an endpoint of the datagram: the user's
// name, "server" for the server's side, or "address:port" (packet scope).
const char *imup_party_of(packet_info *pinfo, const imup_message *msg, const imup_frame_state *fs, gboolean source);
