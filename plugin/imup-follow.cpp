// SPDX-License-Identifier: GPL-2.0-or-later
// Following a chat like a TCP stream (issue 16, item 1), as packet-udp.c and
// packet-sip.c register theirs (epan/follow.h): a chat is the public room of
// a server, a private group, or the direct messages of a pair of users. Each
// datagram that belongs to one (a message, its relays, the answers to them,
// the group's and the session's events) gets the chat's number, `imup.chat`,
// decided on the first pass and kept per frame; the follow tap carries one
// transcript line per datagram: time, sender, recipients where they matter,
// the text, and what the capture shows about delivery (acknowledged,
// retransmitted, refused with the error).
//
// Nothing here owns an object with a destructor: tvb exceptions are longjmps.

#include "imup-follow.h"

#include <string.h>
#include <epan/to_str.h>
#include <epan/follow.h>
#include <epan/tap.h>

#include "imup-chunks.h"
#include "imup-compat.h"

namespace {

int hf_imup_chat = -1;
int imup_follow_tap = -1;

enum chat_kind : guint8 { CHAT_PUBLIC = 0, CHAT_GROUP = 1, CHAT_DIRECT = 2 };

struct chat {
    guint32 number;
    chat_kind kind;
    const char *title;  // file scope
};

// First-pass state, file scope (rebuilt for each capture by chats_init).
struct follow_state {
    wmem_map_t *by_key;          // "public|server", "dm|a|b" -> chat
    // Chat number + 1 (0: none) by frame number, and by request id
    // (imup_transaction::id: its answers and copies follow it). Arrays, not
    // maps: a map node per frame would cost more than the tracker's state.
    imup_chunk_directory of_frame;
    imup_chunk_directory of_request;
    wmem_array_t *by_number;     // chat *, by chat number
    wmem_map_t *group_of_client; // "address:port" -> chat: the client's current private group
    wmem_map_t *endpoint_of_user;// user name -> "address:port"
    guint32 count;
};

follow_state *state;

void chats_init(void)
{
    state = wmem_new0(wmem_file_scope(), follow_state);
    state->by_key = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
    state->by_number = wmem_array_new(wmem_file_scope(), sizeof(chat *));
    state->group_of_client = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
    state->endpoint_of_user = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
    state->count = 0;
}

void chats_cleanup(void)
{
    state = NULL;  // its memory is the file scope's
}

chat *new_chat(chat_kind kind, const char *title)
{
    chat *c = wmem_new0(wmem_file_scope(), chat);
    c->number = state->count++;
    c->kind = kind;
    c->title = title;
    wmem_array_append_one(state->by_number, c);
    return c;
}

// The chat stored in `d` at `at`, or NULL.
chat *chat_at(imup_chunk_directory *d, guint32 at)
{
    guint32 v = imup_u32_get(d, at);
    return v ? *static_cast<chat **>(wmem_array_index(state->by_number, v - 1)) : NULL;
}
void keep_chat(imup_chunk_directory *d, guint32 at, const chat *c)
{
    imup_u32_set(d, at, c->number + 1);
}

chat *chat_by_key(const char *key, chat_kind kind, const char *title)
{
    chat *c = static_cast<chat *>(wmem_map_lookup(state->by_key, key));
    if (!c) {
        c = new_chat(kind, title);
        wmem_map_insert(state->by_key, wmem_strdup(wmem_file_scope(), key), c);
    }
    return c;
}

const char *endpoint_key(wmem_allocator_t *scope, const address *addr, guint32 port)
{
    char *a = address_to_str(scope, addr);
    return wmem_strdup_printf(scope, "%s:%u", a, port);
}

// The client's endpoint: the side that is not the server's.
const char *client_endpoint(packet_info *pinfo, const imup_message *msg, wmem_allocator_t *scope)
{
    if (msg->direction == IMUP_DIR_FROM_SERVER)
        return endpoint_key(scope, &pinfo->dst, pinfo->destport);
    return endpoint_key(scope, &pinfo->src, pinfo->srcport);
}

const char *server_endpoint(packet_info *pinfo, const imup_message *msg, wmem_allocator_t *scope)
{
    if (msg->direction == IMUP_DIR_FROM_SERVER)
        return endpoint_key(scope, &pinfo->src, pinfo->srcport);
    return endpoint_key(scope, &pinfo->dst, pinfo->destport);
}

chat *group_of(const char *endpoint)
{
    return static_cast<chat *>(wmem_map_lookup(state->group_of_client, endpoint));
}

void set_group(const char *endpoint, chat *c)
{
    if (c && group_of(endpoint) == c)
        return;  // no new key for every datagram between the same peers
    if (c)
        wmem_map_insert(state->group_of_client, wmem_strdup(wmem_file_scope(), endpoint), c);
    else
        wmem_map_remove(state->group_of_client, endpoint);
}

chat *new_group(const char *founder)
{
    return new_chat(CHAT_GROUP, wmem_strdup_printf(wmem_file_scope(), "private group of %s", founder));
}

chat *public_room(packet_info *pinfo, const imup_message *msg)
{
    const char *server = server_endpoint(pinfo, msg, pinfo->pool);
    return chat_by_key(wmem_strdup_printf(pinfo->pool, "public|%s", server), CHAT_PUBLIC,
                       wmem_strdup_printf(wmem_file_scope(), "public room of %s", server));
}

chat *direct_chat(packet_info *pinfo, const char *a, const char *b)
{
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    return chat_by_key(wmem_strdup_printf(pinfo->pool, "dm|%s|%s", a, b), CHAT_DIRECT,
                       wmem_strdup_printf(wmem_file_scope(), "direct messages of %s and %s", a, b));
}

// The group of the user of that name, if the capture bound the name to an endpoint.
chat *group_of_user(const char *name)
{
    const char *endpoint = static_cast<const char *>(wmem_map_lookup(state->endpoint_of_user, name));
    return endpoint ? group_of(endpoint) : NULL;
}

const char *first_name(packet_info *pinfo, const char *names)
{
    if (!names)
        return NULL;
    const char *comma = strchr(names, ',');
    return comma ? wmem_strndup(pinfo->pool, names, comma - names) : names;
}

guint32 state_bits(const imup_message *msg)
{
    return (msg->low_bits >> 2) & 3;
}

// First pass: which chat a request belongs to, and what it changes.
chat *chat_of_request(packet_info *pinfo, const imup_message *msg, const imup_frame_state *fs)
{
    const char *client = client_endpoint(pinfo, msg, pinfo->pool);
    const char *client_name = imup_party_of(pinfo, msg, fs, msg->direction != IMUP_DIR_FROM_SERVER);
    switch (msg->type) {
    case IMUP_CONNEXION: case IMUP_DECONNEXION:
        return msg->direction == IMUP_DIR_TO_SERVER ? public_room(pinfo, msg) : NULL;
    case IMUP_MESSAGE:
        if (msg->direction == IMUP_DIR_PEER) {
            const char *dst = endpoint_key(pinfo->pool, &pinfo->dst, pinfo->destport);
            chat *c = group_of(client);
            if (!c)
                c = group_of(dst);
            if (!c)
                c = new_group(client_name);
            set_group(client, c);
            set_group(dst, c);
            return c;
        }
        if (msg->direction != IMUP_DIR_TO_SERVER)
            return NULL;
        if (msg->recipient)
            return direct_chat(pinfo, client_name, msg->recipient);
        // A group member's message goes to its group, whatever its state bits
        // say: the server relays it there (section 5 sends state 00 from a
        // member, and the server accepts it); a refusal (15) shows there.
        if (chat *c = group_of(client))
            return c;
        if (state_bits(msg) == 1) {
            chat *c = new_group(client_name);
            set_group(client, c);
            return c;
        }
        return public_room(pinfo, msg);
    case IMUP_RELAY:
        if (msg->recipient && msg->sender)
            return direct_chat(pinfo, msg->sender, msg->recipient);
        if (chat *c = group_of(client))
            return c;
        return public_room(pinfo, msg);
    case IMUP_LEAVE:
        return group_of(client);
    case IMUP_GROUP_CLOSED: {
        chat *c = group_of(client);
        set_group(client, NULL);
        return c;
    }
    case IMUP_GROUP_UPDATE: {
        chat *c = group_of(client);
        for (guint32 i = 0; !c && i < msg->member_line_count; i++)
            c = group_of_user(msg->member_lines[i].name);
        if (c)
            set_group(client, c);
        return c;
    }
    case IMUP_INVITATION: {
        if (msg->direction != IMUP_DIR_FROM_SERVER)
            return NULL;
        const char *inviter = first_name(pinfo, msg->members);
        if (!inviter)
            return NULL;
        chat *c = group_of_user(inviter);
        if (!c) {
            c = new_group(wmem_strdup(wmem_file_scope(), inviter));
            const char *endpoint = static_cast<const char *>(wmem_map_lookup(state->endpoint_of_user, inviter));
            if (endpoint)
                set_group(endpoint, c);
        }
        return c;
    }
    default:
        return NULL;
    }
}

// First pass: the chat of an answer is its request's; a few answers change
// the client's group.
chat *chat_of_answer(packet_info *pinfo, const imup_message *msg, const imup_frame_state *fs)
{
    const imup_transaction *t = fs->transaction;
    if (!t || fs->unexpected)
        return NULL;
    chat *c = chat_at(&state->of_request, t->id);
    const char *client = client_endpoint(pinfo, msg, pinfo->pool);
    if (msg->type == IMUP_ACK && t->request_type == IMUP_CHOOSE_MODE && msg->direction == IMUP_DIR_FROM_SERVER &&
        !fs->duplicate_of) {
        c = group_of(client);
        if (!c) {
            c = new_group(imup_party_of(pinfo, msg, fs, FALSE));
            set_group(client, c);
        }
        keep_chat(&state->of_request, t->id, c);
        return c;
    }
    if (!c)
        return NULL;
    if (msg->type == IMUP_ACCEPT && t->request_type == IMUP_INVITATION)
        set_group(client, c);
    if ((msg->type == IMUP_ACK && t->request_type == IMUP_LEAVE) || msg->type == IMUP_GROUP_ENDED)
        set_group(client, NULL);
    return c;
}

chat *decide(packet_info *pinfo, const imup_message *msg, const imup_frame_state *fs)
{
    if (msg->direction == IMUP_DIR_UNKNOWN)
        return NULL;
    // Names seen on the client's side bind it to its endpoint.
    const char *user = msg->direction == IMUP_DIR_FROM_SERVER ? fs->dst_user : fs->src_user;
    if (user && msg->direction != IMUP_DIR_PEER) {
        const char *endpoint = client_endpoint(pinfo, msg, pinfo->pool);
        const char *known = static_cast<const char *>(wmem_map_lookup(state->endpoint_of_user, user));
        if (!known || strcmp(known, endpoint) != 0)
            wmem_map_insert(state->endpoint_of_user, known ? user : wmem_strdup(wmem_file_scope(), user),
                            wmem_strdup(wmem_file_scope(), endpoint));
    }
    if (msg->is_request) {
        if (fs->transaction) {
            chat *earlier = chat_at(&state->of_request, fs->transaction->id);
            if (earlier || fs->retransmission)
                return earlier;
        }
        chat *c = chat_of_request(pinfo, msg, fs);
        if (c && fs->transaction)
            keep_chat(&state->of_request, fs->transaction->id, c);
        return c;
    }
    return chat_of_answer(pinfo, msg, fs);
}

// --- The transcript line ---------------------------------------------------

struct follow_tap_record {
    guint32 chat;
    imup_direction direction;
    const char *line;  // packet scope, ends with a newline
};

const char *clock_of(packet_info *pinfo)
{
    guint64 secs = static_cast<guint64>(pinfo->abs_ts.secs) % 86400;
    guint32 ms = static_cast<guint32>(pinfo->abs_ts.nsecs / 1000000);
    return wmem_strdup_printf(pinfo->pool, "%02u:%02u:%02u.%03u", static_cast<guint32>(secs / 3600),
                              static_cast<guint32>(secs / 60 % 60), static_cast<guint32>(secs % 60), ms);
}

const char *or_empty(const char *s)
{
    return s ? s : "";
}

// "the server" in a sentence, a user or an endpoint as it is.
const char *who(const char *party)
{
    return strcmp(party, "server") == 0 ? "the server" : party;
}

const char *transcript_line(packet_info *pinfo, const imup_message *msg, const imup_frame_state *fs)
{
    wmem_allocator_t *pool = pinfo->pool;
    const char *from = who(imup_party_of(pinfo, msg, fs, TRUE));
    const char *to = who(imup_party_of(pinfo, msg, fs, FALSE));
    const imup_transaction *t = fs->transaction;
    guint32 request_frame = t ? t->first_frame : 0;
    const char *body;
    switch (msg->type) {
    case IMUP_MESSAGE:
        if (msg->direction == IMUP_DIR_PEER)
            body = wmem_strdup_printf(pool, "%s -> %s: %s (peer to peer)", from, to, or_empty(msg->message));
        else if (msg->recipient)
            body = wmem_strdup_printf(pool, "%s -> %s: %s", from, msg->recipient, or_empty(msg->message));
        else
            body = wmem_strdup_printf(pool, "%s: %s", from, or_empty(msg->message));
        break;
    case IMUP_RELAY:
        body = msg->sender ? wmem_strdup_printf(pool, "  relayed to %s: %s (from %s)", to, or_empty(msg->message), msg->sender)
                           : wmem_strdup_printf(pool, "  relayed to %s: %s", to, or_empty(msg->message));
        break;
    case IMUP_CONNEXION:
        body = wmem_strdup_printf(pool, "*** %s connects as %s", from, or_empty(msg->name));
        break;
    case IMUP_DECONNEXION:
        body = wmem_strdup_printf(pool, "*** %s disconnects", from);
        break;
    case IMUP_LEAVE:
        body = wmem_strdup_printf(pool, "*** %s leaves the group", from);
        break;
    case IMUP_GROUP_CLOSED:
        body = wmem_strdup_printf(pool, "*** the server closes the group for %s: %s", to, or_empty(msg->reason));
        break;
    case IMUP_GROUP_UPDATE:
        if (msg->member_line_count == 0)
            body = wmem_strdup_printf(pool, "*** the server tells %s its invitation was accepted (empty group update)", to);
        else
            body = wmem_strdup_printf(pool, "*** the server tells %s the members: %s%s", to, or_empty(msg->members),
                                      msg->more_parts ? " (more follow)" : "");
        break;
    case IMUP_INVITATION:
        body = wmem_strdup_printf(pool, "*** the server invites %s (members %s)", to, or_empty(msg->members));
        break;
    case IMUP_ACCEPT:
        body = wmem_strdup_printf(pool, "*** %s accepts the invitation (frame %u)", from, request_frame);
        break;
    case IMUP_REFUSE:
        body = wmem_strdup_printf(pool, "*** %s refuses the invitation (frame %u)", from, request_frame);
        break;
    case IMUP_ACK:
        if (t && t->request_type == IMUP_CHOOSE_MODE)
            body = wmem_strdup_printf(pool, "*** %s opens the group (Choose mode accepted, frame %u)", to, request_frame);
        else if (t && t->request_type == IMUP_CONNEXION)
            body = wmem_strdup_printf(pool, "*** %s is connected (frame %u acknowledged)", to, request_frame);
        else if (t && t->request_type == IMUP_DECONNEXION)
            body = wmem_strdup_printf(pool, "*** %s is disconnected (frame %u acknowledged)", to, request_frame);
        else if (t && t->request_type == IMUP_LEAVE)
            body = wmem_strdup_printf(pool, "*** %s has left the group (frame %u acknowledged)", to, request_frame);
        else
            body = wmem_strdup_printf(pool, "  acknowledged by %s (frame %u)", from, request_frame);
        break;
    default:  // the refusals: 2, 14, 15, 16, 17
        body = wmem_strdup_printf(pool, "  refused by %s: %s \"%s\" (frame %u)", from, imup_type_name(msg->type),
                                  or_empty(msg->reason), request_frame);
        break;
    }
    const char *mark = "";
    if (fs->retransmission)
        mark = wmem_strdup_printf(pool, " [retransmission %u of frame %u]", fs->retransmission->copy_number - 1,
                                  request_frame);
    else if (fs->duplicate_of)
        mark = wmem_strdup_printf(pool, " [duplicate answer, first in frame %u]", fs->duplicate_of);
    return wmem_strdup_printf(pool, "%s %s%s\n", clock_of(pinfo), body, mark);
}

// --- The follow stream's callbacks ------------------------------------------

// GUI's Follow on a selected packet: its chat.
gchar *chat_conv_filter(epan_dissect_t *, packet_info *pinfo, guint *stream, guint *sub_stream)
{
    if (!state)
        return NULL;
    chat *c = chat_at(&state->of_frame, pinfo->num);
    if (!c)
        return NULL;
    *stream = c->number;
    *sub_stream = 0;
    return g_strdup_printf("imup.chat eq %u", c->number);
}

gchar *chat_index_filter(guint stream, guint)
{
    return g_strdup_printf("imup.chat eq %u", stream);
}

// `-z follow,imup,ascii,A:P,B:Q`: the chat datagrams between two endpoints.
gchar *chat_address_filter(address *src_addr, address *dst_addr, int src_port, int dst_port)
{
    const char *ip = src_addr->type == AT_IPv6 ? "ipv6" : "ip";
    char *a = address_to_str(NULL, src_addr);
    char *b = address_to_str(NULL, dst_addr);
    gchar *filter = g_strdup_printf("imup.chat && ((%s.src eq %s && udp.srcport eq %d && %s.dst eq %s && udp.dstport eq %d) || "
                                    "(%s.src eq %s && udp.srcport eq %d && %s.dst eq %s && udp.dstport eq %d))",
                                    ip, a, src_port, ip, b, dst_port, ip, b, dst_port, ip, a, src_port);
    wmem_free(NULL, a);
    wmem_free(NULL, b);
    return filter;
}

gchar *chat_port_to_display(wmem_allocator_t *allocator, guint port)
{
    return wmem_strdup_printf(allocator, "%u", port);
}

#if IMUP_FOLLOW_HAS_STREAM_COUNT
guint32 chat_count(void)
{
    return state ? state->count : 0;
}
#endif

// One follow record per datagram, its text the transcript line. Node 0 is the
// client side of the chat's first datagram, node 1 the server (or, peer to
// peer, the first datagram's destination); records from the server, or from
// another peer than node 0, are node 1's.
tap_packet_status chat_follow_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *, const void *data, tap_flags_t)
{
    follow_info_t *info = static_cast<follow_info_t *>(tapdata);
    const follow_tap_record *r = static_cast<const follow_tap_record *>(data);
    gboolean from_server = r->direction == IMUP_DIR_FROM_SERVER;
    if (info->client_port == 0) {
        info->client_port = from_server ? pinfo->destport : pinfo->srcport;
        copy_address(&info->client_ip, from_server ? &pinfo->dst : &pinfo->src);
        info->server_port = from_server ? pinfo->srcport : pinfo->destport;
        copy_address(&info->server_ip, from_server ? &pinfo->src : &pinfo->dst);
    }
    if (r->direction == IMUP_DIR_PEER)
        from_server = !(addresses_equal(&info->client_ip, &pinfo->src) && info->client_port == pinfo->srcport);
    follow_record_t *record = g_new0(follow_record_t, 1);
    guint len = static_cast<guint>(strlen(r->line));
    record->data = g_byte_array_sized_new(len);
    g_byte_array_append(record->data, reinterpret_cast<const guint8 *>(r->line), len);
    record->packet_num = pinfo->num;
    record->abs_ts = pinfo->abs_ts;
    record->is_server = from_server;
    info->bytes_written[from_server ? 1 : 0] += len;
    info->payload = g_list_prepend(info->payload, record);
    return TAP_PACKET_DONT_REDRAW;
}

} // namespace

const char *imup_party_of(packet_info *pinfo, const imup_message *msg, const imup_frame_state *fs, gboolean source)
{
    gboolean server_side = source ? msg->direction == IMUP_DIR_FROM_SERVER : msg->direction == IMUP_DIR_TO_SERVER;
    if (server_side)
        return "server";
    const char *user = fs ? (source ? fs->src_user : fs->dst_user) : NULL;
    if (user)
        return user;
    return source ? endpoint_key(pinfo->pool, &pinfo->src, pinfo->srcport)
                  : endpoint_key(pinfo->pool, &pinfo->dst, pinfo->destport);
}

void imup_follow_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const imup_message *msg,
                       const imup_frame_state *fs)
{
    if (!state)
        return;
    chat *c;
    if (!PINFO_FD_VISITED(pinfo)) {
        c = decide(pinfo, msg, fs);
        if (c)
            keep_chat(&state->of_frame, pinfo->num, c);
    } else {
        c = chat_at(&state->of_frame, pinfo->num);
    }
    if (!c)
        return;
    proto_item *item = proto_tree_add_uint(tree, hf_imup_chat, tvb, 0, 0, c->number);
    proto_item_set_generated(item);
    proto_item_append_text(item, " (%s)", c->title);
    if (!have_tap_listener(imup_follow_tap))
        return;
    follow_tap_record *r = wmem_new0(pinfo->pool, follow_tap_record);
    r->chat = c->number;
    r->direction = msg->direction;
    r->line = transcript_line(pinfo, msg, fs);
    tap_queue_packet(imup_follow_tap, pinfo, r);
}

void imup_follow_register(void)
{
    static hf_register_info hf[] = {
        { &hf_imup_chat, { "Chat", "imup.chat", FT_UINT32, BASE_DEC, NULL, 0x0,
          "The chat this datagram belongs to (public room, private group or direct messages), numbered in the "
          "order of the chats' first datagrams; Follow > IMUP Stream and -z follow,imup select one", HFILL } },
    };
    proto_register_field_array(proto_imup, hf, G_N_ELEMENTS(hf));
    register_init_routine(chats_init);
    register_cleanup_routine(chats_cleanup);
    imup_follow_tap = register_tap("imup_follow");
    IMUP_REGISTER_FOLLOW_STREAM(proto_imup, "imup_follow", chat_conv_filter, chat_index_filter, chat_address_filter,
                                chat_port_to_display, chat_follow_packet, chat_count);
}
