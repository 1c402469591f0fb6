// SPDX-License-Identifier: GPL-2.0-or-later
// State across datagrams (PROTOCOL.md §6, §9, §10, §11), built on the first
// pass only: the requests and answers of each side on the conversation's own
// data, the user and group of an endpoint by its whole address and port (never
// a hash of it), and what was decided for a frame memoised, so a second pass
// (tshark -2, or clicking around in Wireshark) shows the same thing and can
// add the links that point forward (a request's answer).
//
// Memory (plugin/README.md, "Memory"): a capture holds one frame record per
// IMUP datagram and one request record per request, so both are small and
// live in arrays (chunks of 4096, by frame number and by request id), never
// in proto data lists: a frame keeps 5 bytes (its request's id and flags), a
// request 24 (frames, first time, type, number). What few frames have (a
// resend's details, a page, a type 11's count, an unexpected answer's number)
// is in a map by frame; what only a List request or a type 11 has, in a map by
// request id. The user and group shown on a frame come from its endpoints'
// histories (one entry per change), the request's working state (last copy,
// direction, the name it asks for) lives only while it can be resent: it is
// freed when a newer request takes its slot.

#include "imup-tracking.h"
#include "imup-chunks.h"

#include <string.h>
#include <epan/proto_data.h>

namespace {

// An endpoint's user and group from a frame on (the last change in it).
struct endpoint_change {
    guint32 frame;
    const char *user;
    const imup_group *group;
};

// What an endpoint is, as far as the capture has told us.
struct endpoint_state {
    const char *user;          // bound by an ACKed Connexion or a member line
    guint32 convention;        // first length convention it used
    const imup_group *group;   // NULL outside a private group
    imup_pager *pager;         // imup-paging.cpp's, as a client listing users
    wmem_array_t *history;     // endpoint_change, by frame; NULL before the first change
};

// A request's record, kept for the whole file (24 bytes).
struct request_record {
    guint32 first_frame;
    guint32 answer_frame;      // 0 while unanswered
    gint64 first_time_ns;
    gint32 full_seq;
    guint8 request_type;
    guint8 has_extra;          // a List request or a type 11: see `extras`
};

// What only a List request or a type 11 has, by request id.
struct request_extra {
    imup_listing *listing;     // List request: the listing it belongs to
    imup_update *update;       // Group update: the update it is a part of
    guint32 part_number;       // 1-based
};

// What only a few frames have, by frame number.
struct frame_extra {
    gint32 full_seq;                    // an unexpected answer's
    imup_retransmission *retransmission;
    imup_listing *listing;              // a page
    guint32 page_number;
    guint32 peer_conversations_set_up;  // a type 11
};

// A request while it can still be resent or answered (first pass only): in
// its pair's slot until a newer request takes the slot.
struct live_request {
    guint32 id;
    gint32 full_seq;
    guint32 request_type;
    guint32 copies;
    guint32 last_frame;
    nstime_t last_time;
    imup_direction direction;
    guint32 mode_bits;
    const char *members;       // file scope
    const char *connect_name;  // file scope
    imup_listing *listing;
};

// One requester's view of one peer: its counter and its requests. A request
// is found by its full sequence number in a ring of up to 1024 slots (one per
// 10-bit value): serial arithmetic never reaches back more than 512 numbers,
// so the slot of a live request is never taken by a newer one (PROTOCOL.md
// §6.2, §6.4). The ring starts at 16 slots and doubles when a request would
// take the slot of one less than 1024 numbers back, so a pair with a few
// requests keeps a few slots.
struct pair_state {
    gboolean have_seq;
    gint32 last_full_seq;          // highest full sequence number of a request
    live_request **slots;          // slot_count entries, allocated on the first request
    guint32 slot_count;            // a power of 2, up to IMUP_SEQ_SPACE
    imup_listing *listing;         // the listing its last List request walked
    imup_update *update;           // server->client: the update being received in parts
    imup_sender *sender;           // imup-sequence.cpp's state of the same requester
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

// A frame's flags.
constexpr guint8 FRAME_TRACKED = 1 << 0;
constexpr guint8 FRAME_UNEXPECTED = 1 << 1;
constexpr guint8 FRAME_CONVENTION_CHANGED = 1 << 2;
constexpr guint8 FRAME_CONVENTION_SHIFT = 3;  // 2 bits: the sender's established convention
constexpr guint8 FRAME_EXTRA = 1 << 5;        // see `frame_extras`
constexpr guint8 FRAME_PEER = 1 << 6;         // on a peer conversation a type 11 set up

// Arrays in chunks of 4096, by frame number and by request id (imup-chunks.h).
constexpr guint32 CHUNK = IMUP_CHUNK;

struct frame_chunk {
    guint32 request[CHUNK];  // the request's id (its own, or the one it answers), 0 for none
    guint8 flags[CHUNK];
};

struct request_chunk {
    request_record records[CHUNK];
};

using chunk_directory = imup_chunk_directory;
inline void *chunk_of(chunk_directory *d, guint32 at, size_t chunk_bytes, gboolean create)
{
    return imup_chunk_of(d, at, chunk_bytes, create);
}

chunk_directory frame_chunks;    // frame_chunk
chunk_directory request_chunks;  // request_chunk
guint32 request_count;           // ids handed out
wmem_map_t *frame_extras;        // frame number -> frame_extra
wmem_map_t *request_extras;      // request id -> request_extra

frame_chunk *frames_at(guint32 frame, gboolean create)
{
    return static_cast<frame_chunk *>(chunk_of(&frame_chunks, frame, sizeof(frame_chunk), create));
}

request_record *request_at(guint32 id)
{
    request_chunk *c = static_cast<request_chunk *>(chunk_of(&request_chunks, id, sizeof(request_chunk), FALSE));
    return c ? &c->records[id & (CHUNK - 1)] : NULL;
}

guint32 new_request_id(void)
{
    guint32 id = ++request_count;
    chunk_of(&request_chunks, id, sizeof(request_chunk), TRUE);
    return id;
}

// The entry of `key` in `map` (made when missing: *made is then TRUE).
template <typename T> T *extra_in(wmem_map_t *map, guint32 key, gboolean *made)
{
    T *e = static_cast<T *>(wmem_map_lookup(map, GUINT_TO_POINTER(key)));
    *made = !e;
    if (!e) {
        e = wmem_new0(wmem_file_scope(), T);
        wmem_map_insert(map, GUINT_TO_POINTER(key), e);
    }
    return e;
}

frame_extra *frame_extra_of(guint32 frame)
{
    gboolean made;
    frame_extra *e = extra_in<frame_extra>(frame_extras, frame, &made);
    if (made)
        frames_at(frame, TRUE)->flags[frame & (CHUNK - 1)] |= FRAME_EXTRA;
    return e;
}

request_extra *request_extra_of(guint32 id)
{
    gboolean made;
    request_extra *e = extra_in<request_extra>(request_extras, id, &made);
    if (made)
        request_at(id)->has_extra = TRUE;
    return e;
}

gint64 ns_of(const nstime_t *t)
{
    return static_cast<gint64>(t->secs) * G_GINT64_CONSTANT(1000000000) + t->nsecs;
}

nstime_t time_of(gint64 ns)
{
    nstime_t t;
    gint64 secs = ns / G_GINT64_CONSTANT(1000000000);
    gint64 nsecs = ns % G_GINT64_CONSTANT(1000000000);
    if (nsecs < 0) {
        secs--;
        nsecs += G_GINT64_CONSTANT(1000000000);
    }
    t.secs = static_cast<time_t>(secs);
    t.nsecs = static_cast<int>(nsecs);
    return t;
}

live_request *find_transaction(const pair_state *pair, gint32 full_seq)
{
    if (!pair->slots)
        return NULL;
    live_request *x = pair->slots[static_cast<guint32>(full_seq) & (pair->slot_count - 1)];
    return x && x->full_seq == full_seq ? x : NULL;
}

const guint32 FIRST_SLOTS = 16;

// In place of the request 1024 numbers back, which can no longer be resent.
void store_transaction(pair_state *pair, live_request *x)
{
    if (!pair->slots) {
        pair->slot_count = FIRST_SLOTS;
        pair->slots = wmem_alloc0_array(wmem_file_scope(), live_request *, FIRST_SLOTS);
    }
    live_request **slot = &pair->slots[static_cast<guint32>(x->full_seq) & (pair->slot_count - 1)];
    // A request of another type on the same number takes its slot (as in the full ring).
    while (*slot && pair->slot_count < IMUP_SEQ_SPACE && (*slot)->full_seq != x->full_seq &&
           ABS(x->full_seq - (*slot)->full_seq) < static_cast<gint32>(IMUP_SEQ_SPACE)) {
        // Distinct modulo the old count, so distinct modulo the new one.
        guint32 count = pair->slot_count * 2;
        live_request **slots = wmem_alloc0_array(wmem_file_scope(), live_request *, count);
        for (guint32 i = 0; i < pair->slot_count; i++)
            if (pair->slots[i])
                slots[static_cast<guint32>(pair->slots[i]->full_seq) & (count - 1)] = pair->slots[i];
        wmem_free(wmem_file_scope(), pair->slots);
        pair->slots = slots;
        pair->slot_count = count;
        slot = &pair->slots[static_cast<guint32>(x->full_seq) & (count - 1)];
    }
    if (*slot)
        wmem_free(wmem_file_scope(), *slot);
    *slot = x;
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

endpoint_state *find_endpoint(const address *addr, guint32 port)
{
    endpoint_key key;
    key.addr = *addr;  // a shallow copy for the lookup
    key.port = port;
    return static_cast<endpoint_state *>(wmem_map_lookup(endpoints, &key));
}

endpoint_state *get_endpoint(const address *addr, guint32 port)
{
    endpoint_state *e = find_endpoint(addr, port);
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

// An endpoint's user and group after `frame`, in its history if they changed.
void note_endpoint(endpoint_state *e, guint32 frame)
{
    guint32 count = e->history ? wmem_array_get_count(e->history) : 0;
    endpoint_change *last =
        count ? static_cast<endpoint_change *>(wmem_array_index(e->history, count - 1)) : NULL;
    if (last ? last->user == e->user && last->group == e->group : !e->user && !e->group)
        return;
    if (last && last->frame == frame) {
        last->user = e->user;
        last->group = e->group;
        return;
    }
    if (!e->history)
        e->history = wmem_array_sized_new(wmem_file_scope(), sizeof(endpoint_change), 2);
    endpoint_change change = { frame, e->user, e->group };
    wmem_array_append_one(e->history, change);
}

// The entry of the last change at or before `frame`, and the one before it.
const endpoint_change *change_at(const endpoint_state *e, guint32 frame, const endpoint_change **before)
{
    *before = NULL;
    if (!e || !e->history)
        return NULL;
    const endpoint_change *changes = static_cast<const endpoint_change *>(wmem_array_get_raw(e->history));
    guint32 low = 0, high = wmem_array_get_count(e->history);  // the first entry after `frame` is in [low, high]
    while (low < high) {
        guint32 mid = low + (high - low) / 2;
        if (changes[mid].frame <= frame)
            low = mid + 1;
        else
            high = mid;
    }
    if (low == 0)
        return NULL;
    if (low >= 2)
        *before = &changes[low - 2];
    return &changes[low - 1];
}

// The user a frame shows for an endpoint: the one bound after it, or, when
// the frame unbound it (the ACK of a Deconnexion), the one before.
const char *user_at(const endpoint_state *e, guint32 frame)
{
    const endpoint_change *before;
    const endpoint_change *c = change_at(e, frame, &before);
    if (!c)
        return NULL;
    if (!c->user && c->frame == frame)
        return before ? before->user : NULL;
    return c->user;
}

const imup_group *group_at(const endpoint_state *e, guint32 frame)
{
    const endpoint_change *before;
    const endpoint_change *c = change_at(e, frame, &before);
    return c ? c->group : NULL;
}

// Type 11 (PROTOCOL.md §9.3): the parts of one update travel one at a time
// on their server->client pair; the lines of parts with M set are kept, and
// the part with M clear completes the list, which then becomes the client's
// group and announces its peers. A lone 11 with M clear is a whole list.
void track_update_part(packet_info *pinfo, const imup_message *msg, live_request *x, pair_state *pair,
                       endpoint_state *dst, dissector_handle_t peer_handle)
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
    request_extra *extra = request_extra_of(x->id);
    extra->update = u;
    extra->part_number = wmem_array_get_count(u->part_frames);
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
        endpoint_state *member = get_endpoint(&addr, lines[i].port);
        member->user = lines[i].name;
        note_endpoint(member, frame);
    }
    guint32 mode = have_endpoints ? 1 : dst->group ? dst->group->mode : 0;
    dst->group = new_group(members, mode);
    guint32 set_up = set_up_peer_conversations(pinfo, lines, count, peer_handle);
    if (set_up)
        frame_extra_of(frame)->peer_conversations_set_up = set_up;
}

// The client a datagram concerns: the one that sent it, or the one the server sends to.
const endpoint_state *client_of(const imup_message *msg, const endpoint_state *src, const endpoint_state *dst)
{
    return msg->direction == IMUP_DIR_FROM_SERVER ? dst : src;
}

// Returns the request's id.
guint32 track_request(packet_info *pinfo, imup_message *msg, pair_state *pair, endpoint_state *dst,
                      guint32 min_retransmit_ms, dissector_handle_t peer_handle, const char **connect_name)
{
    gint32 full = pair->have_seq ? extend_seq(pair->last_full_seq, msg->seq) : static_cast<gint32>(msg->seq);
    live_request *x = find_transaction(pair, full);
    if (x && x->request_type == msg->type) {
        // The same request again: a retransmission (PROTOCOL.md §6.3, §7).
        x->copies++;
        imup_retransmission *rt = wmem_new(wmem_file_scope(), imup_retransmission);
        rt->copy_number = x->copies;
        rt->previous_copy_frame = x->last_frame;
        nstime_t first_time = time_of(request_at(x->id)->first_time_ns);
        nstime_delta(&rt->since_first_copy, &pinfo->abs_ts, &first_time);
        nstime_delta(&rt->since_previous_copy, &pinfo->abs_ts, &x->last_time);
        guint64 since_ms = static_cast<guint64>(rt->since_previous_copy.secs) * 1000 +
                           rt->since_previous_copy.nsecs / 1000000;
        rt->too_soon = rt->since_previous_copy.secs < 0 || since_ms < min_retransmit_ms;
        frame_extra_of(pinfo->num)->retransmission = rt;
        x->last_frame = pinfo->num;
        x->last_time = pinfo->abs_ts;
    } else {
        x = wmem_new0(wmem_file_scope(), live_request);
        x->id = new_request_id();
        request_record *r = request_at(x->id);
        r->first_frame = pinfo->num;
        r->first_time_ns = ns_of(&pinfo->abs_ts);
        r->full_seq = full;
        r->request_type = static_cast<guint8>(msg->type);
        x->request_type = msg->type;
        x->full_seq = full;
        x->last_frame = pinfo->num;
        x->last_time = pinfo->abs_ts;
        x->copies = 1;
        x->direction = msg->direction;
        x->mode_bits = msg->low_bits & 0x3;
        if (msg->members)
            x->members = wmem_strdup(wmem_file_scope(), msg->members);
        if (msg->type == IMUP_CONNEXION && msg->name)
            x->connect_name = wmem_strdup(wmem_file_scope(), msg->name);
        if (msg->type == IMUP_LIST_REQUEST) {
            // An empty request starts a listing; a start id continues the open one.
            if (!msg->list_request_has_start || !pair->listing || pair->listing->complete) {
                pair->listing = wmem_new0(wmem_file_scope(), imup_listing);
                pair->listing->page_frames = wmem_array_new(wmem_file_scope(), sizeof(guint32));
                pair->listing->entry_bytes = wmem_array_new(wmem_file_scope(), 1);
            }
            x->listing = pair->listing;
        }
        store_transaction(pair, x);

        // Requests that change what the capture knows, whatever their answer.
        if (msg->type == IMUP_GROUP_UPDATE && msg->direction != IMUP_DIR_TO_SERVER) {
            track_update_part(pinfo, msg, x, pair, dst, peer_handle);
        } else if (msg->type == IMUP_GROUP_CLOSED && msg->direction != IMUP_DIR_TO_SERVER) {
            dst->group = NULL;
            pair->update = NULL;  // never sent between parts: an unfinished list is void
        }
    }
    if (!pair->have_seq || full > pair->last_full_seq) {
        pair->last_full_seq = full;
        pair->have_seq = TRUE;
    }
    *connect_name = x->connect_name;
    return x->id;
}

// Returns the id of the request answered, 0 for an unexpected answer.
guint32 track_answer(tvbuff_t *tvb, packet_info *pinfo, imup_message *msg, pair_state *pair, endpoint_state *src,
                     endpoint_state *dst, const char **connect_name)
{
    // `pair` has the answer's destination as requester.
    gint32 full = pair->have_seq ? extend_seq(pair->last_full_seq, msg->seq) : static_cast<gint32>(msg->seq);
    live_request *x = pair->have_seq ? find_transaction(pair, full) : NULL;
    if (!x || !answer_fits(x->request_type, x->direction, msg->type)) {
        if (full != static_cast<gint32>(msg->seq))
            frame_extra_of(pinfo->num)->full_seq = full;
        return 0;
    }
    *connect_name = x->connect_name;
    request_record *r = request_at(x->id);
    if (r->answer_frame != 0)
        return x->id;  // a duplicate answer
    r->answer_frame = pinfo->num;

    // What a first answer settles.
    switch (x->request_type) {
    case IMUP_CONNEXION:
        if (msg->type == IMUP_ACK && x->connect_name)
            dst->user = x->connect_name;
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
        if (x->listing && msg->user_list_valid) {
            imup_listing *l = x->listing;
            guint32 frame = pinfo->num;
            wmem_array_append_one(l->page_frames, frame);
            gint length = tvb_captured_length_remaining(tvb, IMUP_HEADER_BYTES);
            if (length > 0)
                wmem_array_append(l->entry_bytes, tvb_get_ptr(tvb, IMUP_HEADER_BYTES, length), length);
            l->users += msg->user_count;
            if (!msg->more_pages)
                l->complete = TRUE;
            frame_extra *e = frame_extra_of(frame);
            e->listing = l;
            e->page_number = wmem_array_get_count(l->page_frames);
        }
        break;
    default:
        break;
    }
    return x->id;
}

// The setup frame of a peer-to-peer conversation a type 11 set up, else 0.
guint32 peer_setup_frame_of(packet_info *pinfo)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return 0;
    imup_conversation *data = static_cast<imup_conversation *>(conversation_get_proto_data(conv, proto_imup));
    return data ? data->peer_setup_frame : 0;
}

// The frame's view, from what was kept (every pass but the frame's first).
imup_frame_state *frame_view(packet_info *pinfo, const imup_message *msg, guint32 id, guint8 flags,
                             const char *connect_name)
{
    imup_frame_state *fs = wmem_new0(pinfo->pool, imup_frame_state);
    guint32 frame = pinfo->num;
    const frame_extra *fe =
        flags & FRAME_EXTRA ? static_cast<const frame_extra *>(wmem_map_lookup(frame_extras, GUINT_TO_POINTER(frame)))
                            : NULL;
    fs->full_seq = fe && fe->full_seq ? fe->full_seq : static_cast<gint32>(msg->seq);
    fs->unexpected = (flags & FRAME_UNEXPECTED) != 0;
    fs->length_convention_changed = (flags & FRAME_CONVENTION_CHANGED) != 0;
    fs->established_convention = static_cast<guint8>((flags >> FRAME_CONVENTION_SHIFT) & 3);
    if (fe) {
        fs->retransmission = fe->retransmission;
        fs->listing = fe->listing;
        fs->page_number = fe->page_number;
        fs->peer_conversations_set_up = fe->peer_conversations_set_up;
    }
    if (id) {
        const request_record *r = request_at(id);
        imup_transaction *t = wmem_new0(pinfo->pool, imup_transaction);
        t->id = id;
        t->request_type = r->request_type;
        t->full_seq = r->full_seq;
        t->first_frame = r->first_frame;
        t->first_time = time_of(r->first_time_ns);
        t->answer_frame = r->answer_frame;
        t->connect_name = connect_name;
        fs->transaction = t;
        fs->full_seq = r->full_seq;
        if (msg->is_answer && r->answer_frame != frame)
            fs->duplicate_of = r->answer_frame;
        if (msg->is_request && r->has_extra) {
            const request_extra *re =
                static_cast<const request_extra *>(wmem_map_lookup(request_extras, GUINT_TO_POINTER(id)));
            fs->update = re->update;
            fs->part_number = re->part_number;
        }
    }
    if (flags & FRAME_PEER)
        fs->peer_setup_frame = peer_setup_frame_of(pinfo);
    const endpoint_state *src = find_endpoint(&pinfo->src, pinfo->srcport);
    const endpoint_state *dst = find_endpoint(&pinfo->dst, pinfo->destport);
    fs->src_user = user_at(src, frame);
    fs->dst_user = user_at(dst, frame);
    fs->group = group_at(client_of(msg, src, dst), frame);
    return fs;
}

void reset_tracking(void)
{
    frame_chunks.chunks = NULL;
    frame_chunks.count = 0;
    request_chunks.chunks = NULL;
    request_chunks.count = 0;
    request_count = 0;
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
    frame_extras = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    request_extras = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    register_init_routine(reset_tracking);
}

imup_frame_state *imup_track(tvbuff_t *tvb, packet_info *pinfo, imup_message *msg, guint32 length_convention_used,
                             dissector_handle_t peer_handle, guint32 min_retransmit_ms)
{
    guint32 frame = pinfo->num;
    guint32 slot = frame & (CHUNK - 1);
    if (PINFO_FD_VISITED(pinfo)) {
        frame_chunk *c = frames_at(frame, FALSE);
        if (!c || !(c->flags[slot] & FRAME_TRACKED))
            return NULL;
        return frame_view(pinfo, msg, c->request[slot], c->flags[slot], NULL);
    }
    // A datagram quoted in an ICMP error is not a new event of the exchange.
    if (pinfo->flags.in_error_pkt)
        return NULL;
    frame_chunk *c = frames_at(frame, TRUE);
    if (c->flags[slot] & FRAME_TRACKED)  // a frame with two IMUP datagrams (tunnelled) keeps the first one's state
        return frame_view(pinfo, msg, c->request[slot], c->flags[slot], NULL);

    route r = get_route(pinfo);
    endpoint_state *src = r.src;
    endpoint_state *dst = r.dst;
    guint8 flags = FRAME_TRACKED;

    // A sender that switches length conventions (PROTOCOL.md §3); the first
    // convention it used stays the reference, so one odd datagram is flagged once.
    if (length_convention_used != IMUP_CONVENTION_NONE) {
        if (src->convention == IMUP_CONVENTION_NONE)
            src->convention = length_convention_used;
        else if (src->convention != length_convention_used)
            flags |= FRAME_CONVENTION_CHANGED;
    }
    flags |= static_cast<guint8>((src->convention & 3) << FRAME_CONVENTION_SHIFT);

    guint32 id = 0;
    const char *connect_name = NULL;
    if (msg->is_answer) {
        id = track_answer(tvb, pinfo, msg, r.backward, src, dst, &connect_name);
        if (!id)
            flags |= FRAME_UNEXPECTED;
    } else if (msg->is_request) {
        id = track_request(pinfo, msg, r.forward, dst, min_retransmit_ms, peer_handle, &connect_name);
    }
    if (msg->direction == IMUP_DIR_PEER && peer_setup_frame_of(pinfo))
        flags |= FRAME_PEER;
    note_endpoint(src, frame);
    note_endpoint(dst, frame);

    c->request[slot] = id;
    c->flags[slot] |= flags;  // FRAME_EXTRA may be set already
    return frame_view(pinfo, msg, id, c->flags[slot], connect_name);
}
