// SPDX-License-Identifier: GPL-2.0-or-later
// State across datagrams (PROTOCOL.md §6, §9, §10, §11), built on the first
// pass only: the requests and answers of each side on the conversation's own
// data, the user and group of an endpoint by its whole address and port (never
// a hash of it), and what was decided for a frame memoised with
// p_add_proto_data, so a second pass (tshark -2, or clicking around in
// Wireshark) shows the same thing and can add the links that point forward (a
// request's answer).

#include "imup-tracking.h"

#include <string.h>
#include <epan/proto_data.h>

namespace {

// What an endpoint is, as far as the capture has told us.
struct endpoint_state {
    const char *user;          // bound by an ACKed Connexion or a member line
    guint32 convention;        // first length convention it used
    const imup_group *group;   // NULL outside a private group
    imup_pager *pager;         // imup-paging.cpp's, as a client listing users
};

struct transaction_extra;

// One requester's view of one peer: its counter and its requests. A request
// is found by its full sequence number in a ring of 1024 slots (one per 10-bit
// value): serial arithmetic never reaches back more than 512 numbers, so the
// slot of a live request is never taken by a newer one (PROTOCOL.md §6.2, §6.4).
struct pair_state {
    gboolean have_seq;
    gint32 last_full_seq;          // highest full sequence number of a request
    transaction_extra **slots;     // IMUP_SEQ_SPACE entries, allocated on the first request
    imup_listing *listing;         // the listing its last List request walked
    imup_update *update;           // server->client: the update being received in parts
    imup_sender *sender;           // imup-sequence.cpp's state of the same requester
};

// The transaction map needs the request's direction and its extra data too.
struct transaction_extra {
    imup_transaction t;
    imup_direction direction;
    guint32 mode_bits;
    const char *members;
};

// IMUP's data on a Wireshark conversation (one UDP address/port pair), as
// packet-coap.c and packet-tftp.c keep theirs: the state of each side as a
// requester of the other. Side 0 is the endpoint that sent the first datagram
// seen (or, for a conversation a type 11 set up, the first member of the pair).
struct imup_conversation {
    address addr0;             // file scope
    guint32 port0;
    pair_state sides[2];       // sides[i]: requests from side i to the other
    guint32 peer_setup_frame;  // a peer-to-peer conversation: the type 11 that announced it
};

// The endpoint key: an address (any type, compared whole) and a port.
struct endpoint_key {
    address addr;
    guint32 port;
};

// The datagram's endpoints and its conversation's two directions.
struct route {
    endpoint_state *src;
    endpoint_state *dst;
    pair_state *forward;   // the source as requester
    pair_state *backward;  // the destination as requester
};

transaction_extra *find_transaction(const pair_state *pair, gint32 full_seq)
{
    if (!pair->slots)
        return NULL;
    transaction_extra *x = pair->slots[static_cast<guint32>(full_seq) & (IMUP_SEQ_SPACE - 1)];
    return x && x->t.full_seq == full_seq ? x : NULL;
}

void store_transaction(pair_state *pair, transaction_extra *x)
{
    if (!pair->slots)
        pair->slots = wmem_alloc0_array(wmem_file_scope(), transaction_extra *, IMUP_SEQ_SPACE);
    pair->slots[static_cast<guint32>(x->t.full_seq) & (IMUP_SEQ_SPACE - 1)] = x;
}

// The user and the group of an endpoint hold across its conversations (with
// the server and with its peers), and Wireshark keeps no data per endpoint:
// they are kept here, keyed by the whole address and port.
wmem_map_t *endpoints;  // endpoint_key -> endpoint_state

guint endpoint_hash(gconstpointer key)
{
    const endpoint_key *k = static_cast<const endpoint_key *>(key);
    return add_address_to_hash(k->port * 2654435761u, &k->addr);
}

gboolean endpoint_equal(gconstpointer a, gconstpointer b)
{
    const endpoint_key *x = static_cast<const endpoint_key *>(a);
    const endpoint_key *y = static_cast<const endpoint_key *>(b);
    return x->port == y->port && addresses_equal(&x->addr, &y->addr);
}

endpoint_state *get_endpoint(const address *addr, guint32 port)
{
    endpoint_key key;
    key.addr = *addr;  // a shallow copy for the lookup
    key.port = port;
    endpoint_state *e = static_cast<endpoint_state *>(wmem_map_lookup(endpoints, &key));
    if (!e) {
        endpoint_key *stored = wmem_new(wmem_file_scope(), endpoint_key);
        copy_address_wmem(wmem_file_scope(), &stored->addr, addr);
        stored->port = port;
        e = wmem_new0(wmem_file_scope(), endpoint_state);
        wmem_map_insert(endpoints, stored, e);
    }
    return e;
}

// The conversation's IMUP data, made when it has none; `addr0`/`port0` become
// side 0.
imup_conversation *conversation_data(conversation_t *conv, const address *addr0, guint32 port0)
{
    imup_conversation *c = static_cast<imup_conversation *>(conversation_get_proto_data(conv, proto_imup));
    if (!c) {
        c = wmem_new0(wmem_file_scope(), imup_conversation);
        copy_address_wmem(wmem_file_scope(), &c->addr0, addr0);
        c->port0 = port0;
        conversation_add_proto_data(conv, proto_imup, c);
    }
    return c;
}

route get_route(packet_info *pinfo)
{
    imup_conversation *c = conversation_data(find_or_create_conversation(pinfo), &pinfo->src, pinfo->srcport);
    int from = pinfo->srcport == c->port0 && addresses_equal(&pinfo->src, &c->addr0) ? 0 : 1;
    // A datagram from an endpoint to itself: both directions are side 0's.
    int to = pinfo->destport == c->port0 && addresses_equal(&pinfo->dst, &c->addr0) ? 0 : 1;
    route r;
    r.src = get_endpoint(&pinfo->src, pinfo->srcport);
    r.dst = get_endpoint(&pinfo->dst, pinfo->destport);
    r.forward = &c->sides[from];
    r.backward = &c->sides[to];
    return r;
}

const imup_group *new_group(const char *members, guint32 mode)
{
    imup_group *g = wmem_new(wmem_file_scope(), imup_group);
    g->members = members;
    g->mode = mode;
    return g;
}

// Serial-number arithmetic over the 10-bit space (PROTOCOL.md §6.2): the full
// number nearest to `reference` whose low 10 bits are `seq`.
gint32 extend_seq(gint32 reference, guint32 seq)
{
    guint32 ref_low = static_cast<guint32>(reference) & (IMUP_SEQ_SPACE - 1);
    guint32 delta = (seq - ref_low) & (IMUP_SEQ_SPACE - 1);
    if (delta < IMUP_SEQ_SPACE / 2)
        return reference + static_cast<gint32>(delta);
    return reference - static_cast<gint32>(IMUP_SEQ_SPACE - delta);
}

// PROTOCOL.md §6.1: which answers a request can get.
gboolean answer_fits(guint32 request_type, imup_direction request_direction, guint32 answer_type)
{
    switch (request_type) {
    case IMUP_CONNEXION: return answer_type == IMUP_ACK || answer_type == IMUP_CONNEXION_INVALIDE;
    case IMUP_DECONNEXION: return answer_type == IMUP_ACK;
    case IMUP_LIST_REQUEST: return answer_type == IMUP_USER_LIST;
    case IMUP_LEAVE: return answer_type == IMUP_ACK || answer_type == IMUP_GROUP_ENDED;
    case IMUP_RELAY: case IMUP_GROUP_UPDATE: case IMUP_PROBE: case IMUP_GROUP_CLOSED:
        return answer_type == IMUP_ACK;
    case IMUP_MESSAGE:
        return answer_type == IMUP_ACK || answer_type == IMUP_UNKNOWN_RECIPIENT ||
               answer_type == IMUP_CROSSES_ROOMS || answer_type == IMUP_GROUP_ENDED;
    case IMUP_INVITATION: {
        gboolean from_client = answer_type == IMUP_MODE_OFFER || answer_type == IMUP_ACK ||
                               answer_type == IMUP_UNKNOWN_RECIPIENT || answer_type == IMUP_LIMIT_REACHED;
        gboolean from_server = answer_type == IMUP_ACCEPT || answer_type == IMUP_REFUSE;
        if (request_direction == IMUP_DIR_TO_SERVER)
            return from_client;
        if (request_direction == IMUP_DIR_FROM_SERVER)
            return from_server;
        return from_client || from_server;
    }
    case IMUP_CHOOSE_MODE:
        return answer_type == IMUP_ACK || answer_type == IMUP_GROUP_ENDED || answer_type == IMUP_LIMIT_REACHED;
    default:
        return FALSE;
    }
}

void set_address_ipv4(address *addr, const guint32 *ipv4_network_order)
{
    set_address(addr, AT_IPv4, 4, ipv4_network_order);
}

// PROTOCOL.md §10: members talk directly, on the endpoints the server listed.
// Like packet-sdp.c handing RTP its ports, set up one conversation per pair of
// members so their datagrams reach this dissector whatever ports they use.
guint32 set_up_peer_conversations(packet_info *pinfo, const imup_member_line *lines, guint32 count,
                                  dissector_handle_t peer_handle)
{
    guint32 created = 0;
    for (guint32 i = 0; i < count; i++) {
        const imup_member_line &a = lines[i];
        if (!a.has_endpoint)
            continue;
        for (guint32 j = i + 1; j < count; j++) {
            const imup_member_line &b = lines[j];
            if (!b.has_endpoint || (a.ipv4 == b.ipv4 && a.port == b.port))
                continue;
            address addr_a, addr_b;
            set_address_ipv4(&addr_a, &a.ipv4);
            set_address_ipv4(&addr_b, &b.ipv4);
            conversation_t *conv = find_conversation(pinfo->num, &addr_a, &addr_b, CONVERSATION_UDP,
                                                     a.port, b.port, 0);
            if (conv) {
                // Never take over a conversation another dissector owns.
                dissector_handle_t owner = conversation_get_dissector(conv, pinfo->num);
                if (owner && dissector_handle_get_protocol_index(owner) != proto_imup)
                    continue;
                imup_conversation *known =
                    static_cast<imup_conversation *>(conversation_get_proto_data(conv, proto_imup));
                if (known && known->peer_setup_frame)
                    continue;  // set up by an earlier type 11
            } else {
                conv = conversation_new(pinfo->num, &addr_a, &addr_b, CONVERSATION_UDP, a.port, b.port, 0);
            }
            conversation_data(conv, &addr_a, a.port)->peer_setup_frame = pinfo->num;
            conversation_set_dissector(conv, peer_handle);
            created++;
        }
    }
    return created;
}

// Type 11 (PROTOCOL.md §9.3): the parts of one update travel one at a time
// on their server->client pair; the lines of parts with M set are kept, and
// the part with M clear completes the list, which then becomes the client's
// group and announces its peers. A lone 11 with M clear is a whole list.
void track_update_part(packet_info *pinfo, const imup_message *msg, transaction_extra *x, pair_state *pair,
                       endpoint_state *dst, dissector_handle_t peer_handle, imup_frame_state *fs)
{
    imup_update *u = pair->update;
    if (!u || u->complete) {
        u = wmem_new0(wmem_file_scope(), imup_update);
        u->part_frames = wmem_array_new(wmem_file_scope(), sizeof(guint32));
        u->lines = wmem_array_new(wmem_file_scope(), sizeof(imup_member_line));
        pair->update = u;
    }
    guint32 frame = pinfo->num;
    wmem_array_append_one(u->part_frames, frame);
    for (guint32 i = 0; i < msg->member_line_count; i++) {
        imup_member_line line = msg->member_lines[i];
        line.name = wmem_strdup(wmem_file_scope(), line.name);
        wmem_array_append_one(u->lines, line);
    }
    x->t.update = u;
    x->t.part_number = wmem_array_get_count(u->part_frames);
    if (msg->more_parts)
        return;  // the list goes on in the next 11
    u->complete = TRUE;

    guint32 count = wmem_array_get_count(u->lines);
    const imup_member_line *lines = static_cast<const imup_member_line *>(wmem_array_get_raw(u->lines));
    // An empty 11 only says "accepted" (§9.3): the members stay as they were.
    const char *members;
    if (count == 0 && dst->group) {
        members = dst->group->members;
    } else {
        wmem_strbuf_t *names = wmem_strbuf_new(wmem_file_scope(), "");
        for (guint32 i = 0; i < count; i++) {
            if (i > 0)
                wmem_strbuf_append_c(names, ',');
            wmem_strbuf_append(names, lines[i].name);
        }
        members = wmem_strbuf_get_str(names);
    }
    gboolean have_endpoints = FALSE;
    for (guint32 i = 0; i < count; i++) {
        if (!lines[i].has_endpoint)
            continue;
        have_endpoints = TRUE;
        address addr;
        set_address_ipv4(&addr, &lines[i].ipv4);
        get_endpoint(&addr, lines[i].port)->user = lines[i].name;
    }
    guint32 mode = have_endpoints ? 1 : dst->group ? dst->group->mode : 0;
    dst->group = new_group(members, mode);
    fs->peer_conversations_set_up = set_up_peer_conversations(pinfo, lines, count, peer_handle);
}

// The client a datagram concerns: the one that sent it, or the one the server sends to.
endpoint_state *client_of(imup_message *msg, endpoint_state *src, endpoint_state *dst)
{
    return msg->direction == IMUP_DIR_FROM_SERVER ? dst : src;
}

void track_request(packet_info *pinfo, imup_message *msg, imup_frame_state *fs, pair_state *pair,
                   endpoint_state *dst, guint32 min_retransmit_ms, dissector_handle_t peer_handle)
{
    gint32 full = pair->have_seq ? extend_seq(pair->last_full_seq, msg->seq) : static_cast<gint32>(msg->seq);
    fs->full_seq = full;
    transaction_extra *x = find_transaction(pair, full);
    if (x && x->t.request_type == msg->type) {
        // The same request again: a retransmission (PROTOCOL.md §6.3, §7).
        x->t.copies++;
        imup_retransmission *rt = wmem_new(wmem_file_scope(), imup_retransmission);
        rt->copy_number = x->t.copies;
        rt->previous_copy_frame = x->t.last_frame;
        nstime_delta(&rt->since_first_copy, &pinfo->abs_ts, &x->t.first_time);
        nstime_delta(&rt->since_previous_copy, &pinfo->abs_ts, &x->t.last_time);
        guint64 since_ms = static_cast<guint64>(rt->since_previous_copy.secs) * 1000 +
                           rt->since_previous_copy.nsecs / 1000000;
        rt->too_soon = rt->since_previous_copy.secs < 0 || since_ms < min_retransmit_ms;
        fs->retransmission = rt;
        x->t.last_frame = pinfo->num;
        x->t.last_time = pinfo->abs_ts;
    } else {
        x = wmem_new0(wmem_file_scope(), transaction_extra);
        x->t.request_type = msg->type;
        x->t.full_seq = full;
        x->t.first_frame = x->t.last_frame = pinfo->num;
        x->t.first_time = x->t.last_time = pinfo->abs_ts;
        x->t.copies = 1;
        x->direction = msg->direction;
        x->mode_bits = msg->low_bits & 0x3;
        if (msg->members)
            x->members = wmem_strdup(wmem_file_scope(), msg->members);
        if (msg->type == IMUP_CONNEXION && msg->name)
            x->t.connect_name = wmem_strdup(wmem_file_scope(), msg->name);
        if (msg->type == IMUP_LIST_REQUEST) {
            // An empty request starts a listing; a start id continues the open one.
            if (!msg->list_request_has_start || !pair->listing || pair->listing->complete) {
                pair->listing = wmem_new0(wmem_file_scope(), imup_listing);
                pair->listing->page_frames = wmem_array_new(wmem_file_scope(), sizeof(guint32));
                pair->listing->entry_bytes = wmem_array_new(wmem_file_scope(), 1);
            }
            x->t.listing = pair->listing;
        }
        store_transaction(pair, x);

        // Requests that change what the capture knows, whatever their answer.
        if (msg->type == IMUP_GROUP_UPDATE && msg->direction != IMUP_DIR_TO_SERVER) {
            track_update_part(pinfo, msg, x, pair, dst, peer_handle, fs);
        } else if (msg->type == IMUP_GROUP_CLOSED && msg->direction != IMUP_DIR_TO_SERVER) {
            dst->group = NULL;
            pair->update = NULL;  // never sent between parts: an unfinished list is void
        }
    }
    if (!pair->have_seq || full > pair->last_full_seq) {
        pair->last_full_seq = full;
        pair->have_seq = TRUE;
    }
    fs->transaction = &x->t;
    fs->update = x->t.update;
    fs->part_number = x->t.part_number;
}

void track_answer(tvbuff_t *tvb, packet_info *pinfo, imup_message *msg, imup_frame_state *fs, pair_state *pair,
                  endpoint_state *src, endpoint_state *dst)
{
    // `pair` has the answer's destination as requester.
    if (!pair->have_seq) {
        fs->full_seq = static_cast<gint32>(msg->seq);
        fs->unexpected = TRUE;
        return;
    }
    gint32 full = extend_seq(pair->last_full_seq, msg->seq);
    fs->full_seq = full;
    transaction_extra *x = find_transaction(pair, full);
    if (!x || !answer_fits(x->t.request_type, x->direction, msg->type)) {
        fs->unexpected = TRUE;
        return;
    }
    fs->transaction = &x->t;
    if (x->t.answer_frame != 0) {
        if (x->t.answer_frame != pinfo->num)
            fs->duplicate_of = x->t.answer_frame;
        return;
    }
    x->t.answer_frame = pinfo->num;
    x->t.answer_time = pinfo->abs_ts;
    x->t.answer_type = msg->type;

    // What a first answer settles.
    switch (x->t.request_type) {
    case IMUP_CONNEXION:
        if (msg->type == IMUP_ACK && x->t.connect_name)
            dst->user = x->t.connect_name;
        break;
    case IMUP_DECONNEXION:
        dst->user = NULL;
        dst->group = NULL;
        break;
    case IMUP_LEAVE:
        dst->group = NULL;
        break;
    case IMUP_CHOOSE_MODE:
        if (msg->type == IMUP_ACK)
            dst->group = new_group(dst->user ? dst->user : "", x->mode_bits);
        break;
    case IMUP_INVITATION:
        if (msg->type == IMUP_ACCEPT)
            src->group = new_group(x->members ? x->members : "", x->mode_bits);
        break;
    case IMUP_LIST_REQUEST:
        if (x->t.listing && msg->user_list_valid) {
            imup_listing *l = x->t.listing;
            guint32 frame = pinfo->num;
            wmem_array_append_one(l->page_frames, frame);
            gint length = tvb_captured_length_remaining(tvb, IMUP_HEADER_BYTES);
            if (length > 0)
                wmem_array_append(l->entry_bytes, tvb_get_ptr(tvb, IMUP_HEADER_BYTES, length), length);
            l->users += msg->user_count;
            if (!msg->more_pages)
                l->complete = TRUE;
            fs->listing = l;
            fs->page_number = wmem_array_get_count(l->page_frames);
        }
        break;
    default:
        break;
    }
}

} // namespace

gboolean imup_answer_fits(guint32 request_type, imup_direction request_direction, guint32 answer_type)
{
    return answer_fits(request_type, request_direction, answer_type);
}

imup_rule_slots imup_rule_slots_of(packet_info *pinfo)
{
    route r = get_route(pinfo);
    imup_rule_slots slots;
    slots.forward = &r.forward->sender;
    slots.backward = &r.backward->sender;
    slots.src_pager = &r.src->pager;
    slots.dst_pager = &r.dst->pager;
    return slots;
}

void imup_tracking_init(void)
{
    endpoints = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), endpoint_hash, endpoint_equal);
}


// The setup frame of a peer-to-peer conversation a type 11 set up, else 0.
static guint32 imup_peer_setup_frame(packet_info *pinfo)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return 0;
    imup_conversation *data = static_cast<imup_conversation *>(conversation_get_proto_data(conv, proto_imup));
    return data ? data->peer_setup_frame : 0;
}

imup_frame_state *imup_track(tvbuff_t *tvb, packet_info *pinfo, imup_message *msg, guint32 length_convention_used,
                             dissector_handle_t peer_handle, guint32 min_retransmit_ms)
{
    if (PINFO_FD_VISITED(pinfo))
        return static_cast<imup_frame_state *>(p_get_proto_data(wmem_file_scope(), pinfo, proto_imup, 0));
    // A datagram quoted in an ICMP error is not a new event of the exchange.
    if (pinfo->flags.in_error_pkt)
        return NULL;
    imup_frame_state *fs = static_cast<imup_frame_state *>(p_get_proto_data(wmem_file_scope(), pinfo, proto_imup, 0));
    if (fs)
        return fs;  // a frame with two IMUP datagrams (tunnelled) keeps the first one's state

    fs = wmem_new0(wmem_file_scope(), imup_frame_state);
    p_add_proto_data(wmem_file_scope(), pinfo, proto_imup, 0, fs);

    route r = get_route(pinfo);
    endpoint_state *src = r.src;
    endpoint_state *dst = r.dst;

    // A sender that switches length conventions (PROTOCOL.md §3); the first
    // convention it used stays the reference, so one odd datagram is flagged once.
    if (length_convention_used != IMUP_CONVENTION_NONE) {
        if (src->convention == IMUP_CONVENTION_NONE)
            src->convention = length_convention_used;
        else if (src->convention != length_convention_used)
            fs->length_convention_changed = TRUE;
    }
    fs->established_convention = static_cast<guint8>(src->convention);

    // The datagram that unbinds a user (the ACK of a Deconnexion) still names it.
    const char *src_user_before = src->user;
    const char *dst_user_before = dst->user;

    if (msg->is_answer)
        track_answer(tvb, pinfo, msg, fs, r.backward, src, dst);
    else if (msg->is_request)
        track_request(pinfo, msg, fs, r.forward, dst, min_retransmit_ms, peer_handle);
    else
        fs->full_seq = static_cast<gint32>(msg->seq);

    if (msg->direction == IMUP_DIR_PEER)
        fs->peer_setup_frame = imup_peer_setup_frame(pinfo);

    fs->src_user = src->user ? src->user : src_user_before;
    fs->dst_user = dst->user ? dst->user : dst_user_before;
    endpoint_state *client = client_of(msg, src, dst);
    fs->group = client->group;
    return fs;
}
