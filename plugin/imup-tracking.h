// SPDX-License-Identifier: GPL-2.0-or-later
// What the dissector learns across datagrams, computed once on the first pass:
// per Wireshark conversation (conversation_add_proto_data, as packet-coap.c
// and packet-tftp.c keep theirs) the requests of each side linked to their
// answers, retransmissions, full sequence numbers across the
// 10-bit wrap (as packet-tftp.c extends block numbers), the user behind each
// endpoint, private groups, joined user-list pages and group-update parts,
// and the peer-to-peer conversations type-11 member lines announce (as packet-sdp.c sets up RTP).
#pragma once

#include <epan/conversation.h>

#include "packet-imup.h"

// A user listing: the pages (type-21 answers) of one walk through the list.
struct imup_listing {
    wmem_array_t *page_frames;   // guint32, in order
    wmem_array_t *entry_bytes;   // guint8: the pages' entries, joined
    guint32 users;
    gboolean complete;           // a page without M was seen
};

// A group update (type 11) sent in parts (PROTOCOL.md §9.3): the parts one
// server->client pair carried, and their member lines joined.
struct imup_update {
    wmem_array_t *part_frames;   // guint32, in order
    wmem_array_t *lines;         // imup_member_line, names in file scope
    gboolean complete;           // the part with M clear was seen
};

// One request and what became of it, as the datagram being dissected sees it
// (packet scope: filled from the tracker's compact records on every pass).
struct imup_transaction {
    guint32 id;                  // 1-based, one per request in the file
    guint32 request_type;
    gint32 full_seq;
    guint32 first_frame;
    nstime_t first_time;
    guint32 answer_frame;        // 0 while unanswered (on the first pass: so far)
    const char *connect_name;    // Connexion: the name it asked for (first pass only)
};

// Private group as one client sees it; never changed once made, so frames can
// point at the snapshot that was current for them.
struct imup_group {
    const char *members;
    guint32 mode;                // 0 centralized, 1 decentralized
};

// A copy of a request after the first (rare, so kept apart from the frame state).
struct imup_retransmission {
    guint32 copy_number;            // 2 for the first retransmission
    guint32 previous_copy_frame;
    nstime_t since_first_copy;
    nstime_t since_previous_copy;
    gboolean too_soon;
};

// Everything the tracker decided about one frame, as a view in packet scope.
// What is kept per frame is much smaller (imup-tracking.cpp: 5 bytes in an
// array by frame number, and what only a few frames have in a map); the rest
// comes from the request's record and the endpoints' histories.
struct imup_frame_state {
    gint32 full_seq;
    guint32 duplicate_of;           // answers: the first answer's frame
    const imup_transaction *transaction;  // its own (request) or the one it answers
    const imup_retransmission *retransmission;  // NULL unless a resent request
    const char *src_user;
    const char *dst_user;
    const imup_group *group;        // the client's group, NULL outside one
    const imup_listing *listing;    // type 21 pages
    guint32 page_number;            // 1-based
    const imup_update *update;      // type 11: the update this part belongs to
    guint32 part_number;            // 1-based
    guint32 peer_setup_frame;       // peer-to-peer datagrams: the type-11 that announced them
    guint32 peer_conversations_set_up; // type 11: how many it set up
    guint8 established_convention;  // the sender's first length convention
    guint8 unexpected;              // answers that match no request
    guint8 length_convention_changed;
};

// Length-field conventions a sender can use (for the change detector).
enum : guint32 { IMUP_CONVENTION_NONE = 0, IMUP_CONVENTION_N_MINUS_1 = 1, IMUP_CONVENTION_LITERAL = 2 };

// First pass: computes and stores the frame's state. Every pass: returns its
// view (packet scope), or NULL for a frame not tracked.
imup_frame_state *imup_track(tvbuff_t *tvb, packet_info *pinfo, imup_message *msg, guint32 length_convention_used,
                             dissector_handle_t peer_handle, guint32 min_retransmit_ms);


void imup_tracking_init(void);

// PROTOCOL.md §6.1: whether `answer_type` answers a request of `request_type`
// sent in `request_direction`.
gboolean imup_answer_fits(guint32 request_type, imup_direction request_direction, guint32 answer_type);

// The state the rule modules keep beside the tracker's, on the same pairs
// (one sender's requests to one peer, on Wireshark's conversation) and
// endpoints: opaque here, each module's own. First pass only.
struct imup_sender;  // imup-sequence.cpp
struct imup_pager;   // imup-paging.cpp
struct imup_rule_slots {
    imup_sender **forward;   // the requests the datagram's source sends its destination
    imup_sender **backward;  // the requests the destination sends the source
    imup_pager **src_pager;
    imup_pager **dst_pager;
};
imup_rule_slots imup_rule_slots_of(packet_info *pinfo);
