// SPDX-License-Identifier: GPL-2.0-or-later
// The session, group and peer rules (PROTOCOL.md §5, §6.1, §9, §10, D19), as
// imup-verify names them (tools/README.md), read again from the document:
//
//   not_connected             a client's request, or the server's request to
//                             a client (but a liveness probe), before its
//                             Connexion was accepted; once per client
//   group_without_offer       a Choose mode accepted (8) with no mode offer pending
//   offer_to_member           a group member's Invitation answered by a mode offer
//   message_crosses_rooms     a public Message from a group member accepted (8)
//   message_outside_group     a private Message or a Leave from a client in no
//                             group accepted (8)
//   group_mode_mismatch       an 18 or 19 whose mode bits are not the group's,
//                             or a group update listing addresses (or none)
//                             against the group's mode
//   sender_not_member         a private Message from a client that the last
//                             complete group update sent to it does not list
//   update_part_out_of_order  an 11 sent before the previous part (M set) was
//                             acknowledged, or a 13 between the parts of a list
//   peer_not_member           a new Message straight between two endpoints that
//                             no group update of the capture lists together
//   peer_message_not_private  a Message between peers without state and mode 01
//
// A finding about an answer (the first five) is on the answer, the frame that
// shows the server accepting; the others are on the datagram itself.
//
// What the capture does not show is not judged, as imup-verify does not: a
// client whose session began before the capture is reported not_connected once
// and its group checks are skipped from then on; a peer exchange is judged
// only when one end's whole session is in the capture.
//
// Deliberate differences from imup-verify (also in plugin/README.md):
//   - imup-verify forgets a client idle for 600 s of capture time (its memory
//     is bounded for endless captures); a Wireshark file keeps its state, so a
//     client quiet for longer is not taken for a new one (no not_connected).
//   - an empty 11 keeps the members the client had (§9.3: it only says
//     "accepted"); imup-verify empties its list, so a private message after
//     an empty 11 that followed a list would be sender_not_member there.
//   - resends are the tracker's (same number and type, imup-tracking.cpp), not
//     compared byte for byte: a new request on a number still in use
//     (seq_reused, imup-verify's) is taken for a resend and not judged again.
//   - an 11 with any text fault (warnings included) is not applied, where
//     imup-verify applies one with warnings only.
//   - direction comes from the server port preference (or Decode As); on
//     traffic the heuristic alone claims, the server is not known and only
//     the peer rules apply (imup-verify learns the server port).
//
// Nothing here calls the tvb API: the state is GLib/wmem only, and frames
// without a finding keep nothing.

#include "imup-sessions.h"

#include <string.h>
#include <epan/address.h>
#include <epan/proto_data.h>
#include <epan/to_str.h>

#include "imup-expert.h"
#include "imup-tracking.h"

namespace {

// The proto-data key of a frame's findings (imup-tracking.cpp uses 0).
const guint32 FINDINGS_KEY = 0x53455353;  // "SESS"

// A frame's findings, and the little its messages need to say more.
constexpr guint32 F_NOT_CONNECTED = 1u << 0;
constexpr guint32 F_GROUP_WITHOUT_OFFER = 1u << 1;
constexpr guint32 F_OFFER_TO_MEMBER = 1u << 2;
constexpr guint32 F_CROSSES_ROOMS = 1u << 3;
constexpr guint32 F_OUTSIDE_GROUP = 1u << 4;
constexpr guint32 F_MODE_MISMATCH = 1u << 5;
constexpr guint32 F_SENDER_NOT_MEMBER = 1u << 6;
constexpr guint32 F_PART_OUT_OF_ORDER = 1u << 7;
constexpr guint32 F_PEER_NOT_MEMBER = 1u << 8;
constexpr guint32 F_PEER_NOT_PRIVATE = 1u << 9;
// Details.
constexpr guint32 F_GROUP_DECENTRALIZED = 1u << 16;  // group_mode_mismatch: the group's mode is 01
constexpr guint32 F_MISMATCH_IN_LIST = 1u << 17;     // group_mode_mismatch: an 11's member lines
constexpr guint32 F_OUTSIDE_BY_LEAVE = 1u << 18;     // message_outside_group: a Leave's ACK
constexpr guint32 F_PART_THEN_CLOSED = 1u << 19;     // update_part_out_of_order: a 13

const gint32 MODE_UNKNOWN = -1;

struct member {
    const char *name;  // interned
    guint32 ipv4;      // network byte order
    guint16 port;
    gboolean has_endpoint;
};

struct member_list {
    member *items;
    guint32 count;
    guint32 capacity;
};

// One endpoint as a client of the server, or as a member another client's
// group update lists (a peer).
struct endpoint_session {
    gboolean with_server;    // seen in client-server traffic
    gboolean listed;         // named with its address by a decentralized update
    gboolean connected;      // an accepted Connexion (or assumed: state_unknown)
    gboolean state_unknown;  // its session began before the capture: no group checks
    gboolean in_group;
    gboolean pending_offer;  // its Invitation got a mode offer, no Choose mode accepted yet
    gboolean members_known;  // `members` is a complete list the server sent it
    gboolean assembly_open;  // the last part it was sent had M set
    gboolean part_unacked;   // ... and that part is not acknowledged yet
    gint32 group_mode;       // 0 centralized, 1 decentralized (the bits), or MODE_UNKNOWN
    guint32 session_start;   // the frame of the Connexion its current session began with
    const char *name;        // from its accepted Connexion (interned)
    const char *pending_name;
    member_list members;
    member_list assembling;
};

struct endpoint_key {
    address addr;
    guint32 port;
};

wmem_map_t *endpoints;      // endpoint_key -> endpoint_session
wmem_map_t *by_name;        // name (interned) -> endpoint_session that connected with it
wmem_map_t *names;          // interned names
wmem_map_t *open_requests;  // request id (imup_transaction) -> request record, until its first answer
guint32 last_judged;        // the frame judged last (two IMUP datagrams in a frame: the first's)
wmem_allocator_t *scratch;  // the packet's pool, while a frame is judged

// What an answer needs of its request: the low header bits, who sent it.
constexpr guint32 REC_LOW = 0xF, REC_FROM_SERVER = 0x100, REC_PRESENT = 0x10000;

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

endpoint_session *find_endpoint(const address *addr, guint32 port)
{
    endpoint_key key;
    key.addr = *addr;  // a shallow copy for the lookup
    key.port = port;
    return static_cast<endpoint_session *>(wmem_map_lookup(endpoints, &key));
}

endpoint_session *get_endpoint(const address *addr, guint32 port)
{
    endpoint_session *e = find_endpoint(addr, port);
    if (!e) {
        endpoint_key *stored = wmem_new(wmem_file_scope(), endpoint_key);
        copy_address_wmem(wmem_file_scope(), &stored->addr, addr);
        stored->port = port;
        e = wmem_new0(wmem_file_scope(), endpoint_session);
        e->group_mode = MODE_UNKNOWN;
        wmem_map_insert(endpoints, stored, e);
    }
    return e;
}

// One copy of each name, whatever the number of lists naming it.
const char *intern(const char *name, gsize length)
{
    char *probe = wmem_strndup(scratch, name, length);
    const char *known = static_cast<const char *>(wmem_map_lookup(names, probe));
    if (known)
        return known;
    char *stored = wmem_strdup(wmem_file_scope(), probe);
    wmem_map_insert(names, stored, stored);
    return stored;
}

// The first name of a text field: up to a comma, a space or the end (a
// Connexion's name, an Invitation's first name).
const char *first_name(const char *text)
{
    return intern(text, strcspn(text, ", \r\n"));
}

void list_append(member_list *l, const member &m)
{
    if (l->count == l->capacity) {
        guint32 capacity = l->capacity ? l->capacity * 2 : 8;
        l->items = static_cast<member *>(wmem_realloc(wmem_file_scope(), l->items, capacity * sizeof(member)));
        l->capacity = capacity;
    }
    l->items[l->count++] = m;
}

gboolean same_endpoint(const member &m, const address *addr, guint32 port)
{
    return m.has_endpoint && m.port == port && addr->type == AT_IPv4 && addr->len == 4 &&
           memcmp(addr->data, &m.ipv4, 4) == 0;
}

// Whether the last complete list client `c` was sent names the endpoint.
gboolean lists_endpoint(const endpoint_session *c, const address *addr, guint32 port)
{
    if (!c || !c->members_known)
        return FALSE;
    for (guint32 i = 0; i < c->members.count; i++)
        if (same_endpoint(c->members.items[i], addr, port))
            return TRUE;
    return FALSE;
}

gboolean lists_name(const endpoint_session *c, const char *name)
{
    for (guint32 i = 0; i < c->members.count; i++)
        if (strcmp(c->members.items[i].name, name) == 0)
            return TRUE;
    return FALSE;
}

void leave_group(endpoint_session *c)
{
    c->in_group = FALSE;
    c->group_mode = MODE_UNKNOWN;
    c->members_known = FALSE;
    c->members.count = 0;
}

// A new session at the endpoint (§14), or none after its Deconnexion: as a
// fresh client, but what it is to the capture (a client, a listed member).
void forget_session(endpoint_session *c)
{
    c->connected = c->state_unknown = c->in_group = c->pending_offer = FALSE;
    c->members_known = c->assembly_open = c->part_unacked = FALSE;
    c->group_mode = MODE_UNKNOWN;
    c->name = c->pending_name = NULL;
    c->members.count = 0;
    c->assembling.count = 0;
}

guint32 state_bits(const imup_message *msg) { return (msg->low_bits >> 2) & 3; }
guint32 mode_bits(const imup_message *msg) { return msg->low_bits & 3; }
gboolean text_faulty(const imup_message *msg) { return (msg->experts >> IMUP_EXPERT_MALFORMED_TEXT) & 1; }

// §10: a new Message straight between two endpoints must be between members
// that some complete list of the capture, the sender's or the receiver's, links.
guint32 check_peer(packet_info *pinfo)
{
    const endpoint_session *a = find_endpoint(&pinfo->src, pinfo->srcport);
    const endpoint_session *b = find_endpoint(&pinfo->dst, pinfo->destport);
    if (lists_endpoint(a, &pinfo->dst, pinfo->destport) || lists_endpoint(b, &pinfo->src, pinfo->srcport))
        return 0;
    // Judged only with one end whose whole session is in the capture.
    auto judged = [](const endpoint_session *c) { return c && c->with_server && c->connected && !c->state_unknown; };
    return judged(a) || judged(b) ? F_PEER_NOT_MEMBER : 0;
}

// §9.2, §9.6: the mode bits of an 18 or a 19 against the group's mode.
guint32 check_modes(const imup_message *msg, const endpoint_session *c, gboolean to_server)
{
    if (c->state_unknown)
        return 0;
    gint32 expected = MODE_UNKNOWN;
    if (to_server && msg->type == IMUP_MESSAGE) {
        if (state_bits(msg) == 0)
            expected = 0;  // a public message is centralized
        else if (c->in_group)
            expected = c->group_mode;
    } else if (to_server && msg->type == IMUP_INVITATION) {
        expected = c->in_group ? c->group_mode : 0;  // from the public room: 00
    } else if (!to_server && msg->type == IMUP_INVITATION && msg->members) {
        // To an invitee: the inviter's group's mode; the inviter is named first.
        const char *inviter = first_name(msg->members);
        const endpoint_session *i = static_cast<const endpoint_session *>(wmem_map_lookup(by_name, inviter));
        if (i && i->name == inviter && i->in_group && !i->state_unknown)
            expected = i->group_mode;
    }
    if (expected == MODE_UNKNOWN || static_cast<gint32>(mode_bits(msg)) == expected)
        return 0;
    return F_MODE_MISMATCH | (expected == 1 ? F_GROUP_DECENTRALIZED : 0);
}

// §9.3, D19: a part of a group update to client `c`. Parts with M accumulate;
// the part without M completes the list, which only then is the membership.
guint32 group_update(const imup_message *msg, endpoint_session *c)
{
    guint32 found = c->part_unacked ? F_PART_OUT_OF_ORDER : 0;
    if (text_faulty(msg))
        return found;  // a client drops it
    if (!c->assembly_open)
        c->assembling.count = 0;
    for (guint32 i = 0; i < msg->member_line_count; i++) {
        const imup_member_line &line = msg->member_lines[i];
        member m;
        m.name = intern(line.name, strlen(line.name));
        m.ipv4 = line.ipv4;
        m.port = line.port;
        m.has_endpoint = line.has_endpoint;
        list_append(&c->assembling, m);
    }
    c->assembly_open = c->part_unacked = msg->more_parts;
    if (msg->more_parts)
        return found;
    c->in_group = TRUE;
    if (c->assembling.count == 0)
        return found;  // "your invitation was accepted": the members stay as they were
    member_list complete = c->assembling;
    c->assembling = c->members;
    c->assembling.count = 0;
    c->members = complete;
    c->members_known = TRUE;
    guint32 with_address = 0;
    for (guint32 i = 0; i < complete.count; i++) {
        if (!complete.items[i].has_endpoint)
            continue;
        with_address++;
        address addr;
        set_address(&addr, AT_IPv4, 4, &complete.items[i].ipv4);
        get_endpoint(&addr, complete.items[i].port)->listed = TRUE;
    }
    gint32 listed_mode = with_address == complete.count ? 1 : with_address == 0 ? 0 : MODE_UNKNOWN;
    if (listed_mode != MODE_UNKNOWN && c->group_mode != MODE_UNKNOWN && listed_mode != c->group_mode &&
        !c->state_unknown)
        found |= F_MODE_MISMATCH | F_MISMATCH_IN_LIST | (c->group_mode == 1 ? F_GROUP_DECENTRALIZED : 0);
    if (listed_mode != MODE_UNKNOWN)
        c->group_mode = listed_mode;
    return found;
}

// Requests whose answer changes a session, kept until their first answer.
gboolean answer_matters(guint32 type)
{
    switch (type) {
    case IMUP_CONNEXION: case IMUP_DECONNEXION: case IMUP_LEAVE: case IMUP_GROUP_UPDATE:
    case IMUP_GROUP_CLOSED: case IMUP_MESSAGE: case IMUP_INVITATION: case IMUP_CHOOSE_MODE:
        return TRUE;
    default:
        return FALSE;
    }
}

// A copy the tracker takes for a resend (same number and type) that is a new
// request of a new session (§14): a Connexion from a client not connected,
// or one asking for another name; a client's request whose previous copy was
// sent in its session before the current one (a new session numbers afresh).
gboolean new_despite_resend(const imup_message *msg, const imup_frame_state *fs, const endpoint_session *c,
                            gboolean to_server)
{
    const imup_transaction *t = fs->transaction;
    if (!to_server || !t)
        return FALSE;
    if (msg->type == IMUP_CONNEXION)
        return !c->connected || (msg->name && t->connect_name && strcmp(msg->name, t->connect_name) != 0);
    return fs->retransmission->previous_copy_frame < c->session_start;
}

guint32 request(packet_info *pinfo, const imup_message *msg, const imup_frame_state *fs, endpoint_session *c,
                gboolean to_server)
{
    const imup_transaction *t = fs->transaction;
    if (fs->retransmission && !new_despite_resend(msg, fs, c, to_server))
        return 0;  // judged on its first copy
    if (t && answer_matters(msg->type))
        wmem_map_insert(open_requests, GUINT_TO_POINTER(t->id),
                        GUINT_TO_POINTER(REC_PRESENT | (msg->low_bits & REC_LOW) | (to_server ? 0 : REC_FROM_SERVER)));
    guint32 found = 0;
    if (to_server && msg->type == IMUP_CONNEXION) {
        // A new Connexion (not a resend) ends the session there (§14).
        if (c->connected)
            forget_session(c);
        c->session_start = pinfo->num;
    }
    // The client's own Connexion, and the server's probe (which may prove a
    // new endpoint's return path, §14), may come before the session is accepted.
    gboolean exempt = to_server ? msg->type == IMUP_CONNEXION : msg->type == IMUP_PROBE;
    if (!c->connected && !exempt) {
        found |= F_NOT_CONNECTED;
        c->connected = TRUE;  // once per client
        c->state_unknown = TRUE;
    }
    if (!to_server && msg->type == IMUP_GROUP_CLOSED && c->assembly_open)
        found |= F_PART_OUT_OF_ORDER | F_PART_THEN_CLOSED;
    if (!to_server && msg->type == IMUP_GROUP_UPDATE)
        found |= group_update(msg, c);
    if (to_server && msg->type == IMUP_CONNEXION && msg->name && msg->name[0])
        c->pending_name = first_name(msg->name);
    if (msg->type == IMUP_MESSAGE || msg->type == IMUP_INVITATION)
        found |= check_modes(msg, c, to_server);
    if (to_server && msg->type == IMUP_MESSAGE && state_bits(msg) == 1 && c->in_group && c->members_known &&
        !c->state_unknown && c->name && !lists_name(c, c->name))
        found |= F_SENDER_NOT_MEMBER;
    return found;
}

// The first answer to a request of client `c`'s exchange with the server.
guint32 answer(const imup_message *msg, const imup_frame_state *fs, endpoint_session *c)
{
    const imup_transaction *t = fs->transaction;
    if (fs->unexpected || !t)
        return 0;
    guint32 record = GPOINTER_TO_UINT(wmem_map_remove(open_requests, GUINT_TO_POINTER(t->id)));
    if (!record)
        return 0;  // a repeated answer, or a request no session rule follows
    guint32 low = record & REC_LOW;
    gboolean from_server = (record & REC_FROM_SERVER) != 0;
    gboolean ack = msg->type == IMUP_ACK;
    guint32 found = 0;
    switch (t->request_type) {
    case IMUP_CONNEXION:
        c->connected = ack;
        if (ack && c->pending_name) {
            c->name = c->pending_name;
            wmem_map_insert(by_name, c->name, c);
        }
        break;
    case IMUP_DECONNEXION:
        forget_session(c);
        break;
    case IMUP_GROUP_UPDATE:
        if (low & 0x8)
            c->part_unacked = FALSE;
        break;
    case IMUP_INVITATION:
        if (!from_server && msg->type == IMUP_MODE_OFFER) {
            if (c->in_group && !c->state_unknown)
                found |= F_OFFER_TO_MEMBER;
            c->pending_offer = TRUE;
        }
        if (from_server && msg->type == IMUP_ACCEPT) {
            c->in_group = TRUE;
            c->group_mode = static_cast<gint32>(low & 3);
        }
        break;
    case IMUP_CHOOSE_MODE:
        if (ack) {
            if (!c->pending_offer && !c->state_unknown)
                found |= F_GROUP_WITHOUT_OFFER;
            c->in_group = TRUE;
            c->group_mode = static_cast<gint32>(low & 3);
        }
        c->pending_offer = FALSE;
        break;
    case IMUP_LEAVE:
        if (ack && !c->in_group && !c->state_unknown)
            found |= F_OUTSIDE_GROUP | F_OUTSIDE_BY_LEAVE;
        leave_group(c);
        break;
    case IMUP_GROUP_CLOSED:
        leave_group(c);
        c->assembly_open = c->part_unacked = FALSE;
        break;
    case IMUP_MESSAGE:
        if (ack && !c->state_unknown) {
            gboolean private_room = ((low >> 2) & 3) == 1;
            if (private_room && !c->in_group)
                found |= F_OUTSIDE_GROUP;
            if (!private_room && c->in_group)
                found |= F_CROSSES_ROOMS;
        }
        break;
    default:
        break;
    }
    return found;
}

// First pass: what this datagram breaks, as the state so far shows it.
guint32 judge(packet_info *pinfo, const imup_message *msg, const imup_frame_state *fs)
{
    scratch = pinfo->pool;
    // Receivers drop unknown types and types sent the wrong way (§5).
    if (!msg->known_type || ((msg->experts >> IMUP_EXPERT_WRONG_DIRECTION) & 1))
        return 0;
    imup_direction direction = msg->direction;
    if (direction == IMUP_DIR_UNKNOWN) {
        // Between two ports neither of which is a server's: direct traffic
        // when one end is a client or a listed member (as imup-verify
        // classifies it), of the two types peers send.
        if (!find_endpoint(&pinfo->src, pinfo->srcport) && !find_endpoint(&pinfo->dst, pinfo->destport))
            return 0;
        if (msg->type != IMUP_MESSAGE && msg->type != IMUP_ACK)
            return 0;
        direction = IMUP_DIR_PEER;
    }
    if (direction == IMUP_DIR_PEER) {
        if (msg->type != IMUP_MESSAGE)
            return 0;
        guint32 found = state_bits(msg) != 1 || mode_bits(msg) != 1 ? F_PEER_NOT_PRIVATE : 0;
        if (!fs->retransmission)
            found |= check_peer(pinfo);
        return found;
    }
    gboolean to_server = direction == IMUP_DIR_TO_SERVER;
    endpoint_session *c = to_server ? get_endpoint(&pinfo->src, pinfo->srcport)
                                    : get_endpoint(&pinfo->dst, pinfo->destport);
    c->with_server = TRUE;
    if (msg->is_request)
        return request(pinfo, msg, fs, c, to_server);
    if (msg->is_answer)
        return answer(msg, fs, c);
    return 0;
}

const char *endpoint_text(packet_info *pinfo, const address *addr, guint32 port)
{
    return wmem_strdup_printf(pinfo->pool, "%s:%u", address_to_str(pinfo->pool, addr), port);
}

guint32 request_frame(const imup_frame_state *fs)
{
    return fs->transaction ? fs->transaction->first_frame : 0;
}

// The findings' expert infos, on every pass.
void add_experts(packet_info *pinfo, proto_item *item, imup_message *msg, const imup_frame_state *fs,
                 guint32 found)
{
    const char *group_mode = found & F_GROUP_DECENTRALIZED ? "decentralized (01)" : "centralized (00)";
    if (found & F_NOT_CONNECTED) {
        gboolean to_server = msg->direction == IMUP_DIR_TO_SERVER;
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_NOT_CONNECTED),
                               "Client %s has no accepted Connect in this capture (reported once per client; "
                               "its group checks are skipped from here on)",
                               to_server ? endpoint_text(pinfo, &pinfo->src, pinfo->srcport)
                                         : endpoint_text(pinfo, &pinfo->dst, pinfo->destport));
    }
    if (found & F_GROUP_WITHOUT_OFFER)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_GROUP_WITHOUT_OFFER),
                               "Choose mode (frame %u) accepted with no mode offer pending for this client",
                               request_frame(fs));
    if (found & F_OFFER_TO_MEMBER)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_OFFER_TO_MEMBER),
                               "Invitation (frame %u) from a group member answered with a mode offer, not 8: "
                               "a member invites into its own group", request_frame(fs));
    if (found & F_CROSSES_ROOMS)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MESSAGE_CROSSES_ROOMS),
                               "Public message (frame %u) from a group member acknowledged, not answered 15",
                               request_frame(fs));
    if (found & F_OUTSIDE_GROUP)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MESSAGE_OUTSIDE_GROUP),
                               "%s (frame %u) from a client in no group acknowledged, not answered 16",
                               found & F_OUTSIDE_BY_LEAVE ? "Leave" : "Private message", request_frame(fs));
    if (found & F_MODE_MISMATCH) {
        if (found & F_MISMATCH_IN_LIST)
            expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_GROUP_MODE_MISMATCH),
                                   "The group is %s but this update lists its members %s", group_mode,
                                   found & F_GROUP_DECENTRALIZED ? "without addresses" : "with addresses");
        else
            expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_GROUP_MODE_MISMATCH),
                                   "Mode bits %u%u, but the group's mode is %s", (msg->low_bits >> 1) & 1,
                                   msg->low_bits & 1, group_mode);
    }
    if (found & F_SENDER_NOT_MEMBER)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_SENDER_NOT_MEMBER),
                               "'%s' sent a private message, but the last group update sent to it does not list it",
                               fs->src_user ? fs->src_user : "The sender");
    if ((found & F_PART_OUT_OF_ORDER) && (found & F_PART_THEN_CLOSED))
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_UPDATE_PART_OUT_OF_ORDER),
                               "Group closed sent between the parts of a group update (more parts were announced)");
    else if (found & F_PART_OUT_OF_ORDER)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_UPDATE_PART_OUT_OF_ORDER),
                               "Group update sent before the client acknowledged the previous part "
                               "(parts go one at a time, each after the last one's ACK)");
    if (found & F_PEER_NOT_MEMBER)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_PEER_NOT_MEMBER),
                               "No group update lists %s and %s in one decentralized group",
                               endpoint_text(pinfo, &pinfo->src, pinfo->srcport),
                               endpoint_text(pinfo, &pinfo->dst, pinfo->destport));
    if (found & F_PEER_NOT_PRIVATE)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_PEER_MESSAGE_NOT_PRIVATE),
                               "State %u, mode %u on a message sent straight to a peer: only a decentralized "
                               "group's messages (state 1, mode 1) go there",
                               state_bits(msg), mode_bits(msg));
}

void reset_sessions(void)
{
    last_judged = 0;
}

} // namespace

void imup_sessions_register(void)
{
    endpoints = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), endpoint_hash, endpoint_equal);
    by_name = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash, g_str_equal);
    names = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash, g_str_equal);
    open_requests = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    register_init_routine(reset_sessions);
}

void imup_sessions(packet_info *pinfo, proto_item *item, imup_message *msg, const imup_frame_state *fs)
{
    guint32 found;
    if (PINFO_FD_VISITED(pinfo) || pinfo->num == last_judged) {
        found = GPOINTER_TO_UINT(p_get_proto_data(wmem_file_scope(), pinfo, proto_imup, FINDINGS_KEY));
    } else {
        last_judged = pinfo->num;
        found = judge(pinfo, msg, fs);
        if (found)
            p_add_proto_data(wmem_file_scope(), pinfo, proto_imup, FINDINGS_KEY, GUINT_TO_POINTER(found));
    }
    if (found)
        add_experts(pinfo, item, msg, fs, found);
}
