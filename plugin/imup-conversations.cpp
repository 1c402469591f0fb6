// SPDX-License-Identifier: GPL-2.0-or-later
// Conversations and endpoints by user (issue 16, item 2), registered as
// packet-udp.c and packet-sip.c register theirs (epan/conversation_table.h):
// `tshark -z conv,imup` lists each pair of parties (users, the server, or an
// endpoint whose user the capture does not show), `-z endpoints,imup` each
// party, with datagrams, bytes, first time and duration. The parties are
// AT_STRINGZ addresses, so the GUI's filters read `imup.party == "Sheng"`.
//
// The table's columns are Wireshark's own (frames, bytes, start, duration, and
// their directions); it has no room for a protocol's counts, so the requests
// and retransmissions of each pair and each user are in the stats tree
// `-z imup_parties,tree` (Statistics > IMUP > Parties) beside it.
//
// Nothing here owns an object with a destructor: tvb exceptions are longjmps.

#include "imup-conversations.h"

#include <string.h>
#include <epan/conversation_table.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>

#include "imup-compat.h"
#include "imup-follow.h"
#include "imup-stats.h"

namespace {

int hf_imup_src_party = -1;
int hf_imup_dst_party = -1;
int hf_imup_party = -1;

const char *conv_filter_name(conv_item_t *, conv_filter_type_e filter)
{
    switch (filter) {
    case CONV_FT_SRC_ADDRESS: return "imup.src.party";
    case CONV_FT_DST_ADDRESS: return "imup.dst.party";
    case CONV_FT_ANY_ADDRESS: return "imup.party";
    default: return CONV_FILTER_INVALID;
    }
}

const char *endpoint_filter_name(endpoint_item_t *, conv_filter_type_e filter)
{
    return filter == CONV_FT_ANY_ADDRESS ? "imup.party" : CONV_FILTER_INVALID;
}

ct_dissector_info_t conv_info = { &conv_filter_name };
et_dissector_info_t endpoint_info = { &endpoint_filter_name };

// The datagram's two parties as AT_STRINGZ addresses; FALSE for a datagram
// whose parties were not told.
gboolean parties_of(const void *data, conv_hash_t *hash, tap_flags_t flags, address *src, address *dst)
{
    const imup_tap_record *r = static_cast<const imup_tap_record *>(data);
    if (!r->src_party || !r->dst_party)
        return FALSE;
    hash->flags = flags;
    set_address(src, AT_STRINGZ, static_cast<int>(strlen(r->src_party)) + 1, r->src_party);
    set_address(dst, AT_STRINGZ, static_cast<int>(strlen(r->dst_party)) + 1, r->dst_party);
    return TRUE;
}

tap_packet_status conv_packet(void *pct, packet_info *pinfo, epan_dissect_t *, const void *data, tap_flags_t flags)
{
    conv_hash_t *hash = static_cast<conv_hash_t *>(pct);
    address src, dst;
    if (!parties_of(data, hash, flags, &src, &dst))
        return TAP_PACKET_DONT_REDRAW;
    add_conversation_table_data(hash, &src, &dst, 0, 0, 1, pinfo->fd->pkt_len, &pinfo->rel_ts, &pinfo->abs_ts,
                                &conv_info, CONVERSATION_NONE);
    return TAP_PACKET_REDRAW;
}

tap_packet_status endpoint_packet(void *pit, packet_info *pinfo, epan_dissect_t *, const void *data, tap_flags_t flags)
{
    conv_hash_t *hash = static_cast<conv_hash_t *>(pit);
    address src, dst;
    if (!parties_of(data, hash, flags, &src, &dst))
        return TAP_PACKET_DONT_REDRAW;
    add_endpoint_table_data(hash, &src, 0, TRUE, 1, pinfo->fd->pkt_len, &endpoint_info, ENDPOINT_NONE);
    add_endpoint_table_data(hash, &dst, 0, FALSE, 1, pinfo->fd->pkt_len, &endpoint_info, ENDPOINT_NONE);
    return TAP_PACKET_REDRAW;
}

// `-z imup_parties,tree`: what the table cannot show.
const char *const NODE_PAIRS = "Pairs of parties";
const char *const NODE_PARTIES = "Parties";
int node_pairs, node_parties;

void parties_init(stats_tree *st)
{
    node_pairs = stats_tree_create_node(st, NODE_PAIRS, 0, STAT_DT_INT, TRUE);
    node_parties = stats_tree_create_node(st, NODE_PARTIES, 0, STAT_DT_INT, TRUE);
}

void tick_counts(stats_tree *st, const char *name, int parent, const imup_tap_record *r)
{
    int node = tick_stat_node(st, name, parent, TRUE);
    tick_stat_node(st, "datagrams", node, FALSE);
    if (r->is_request && !r->retransmission)
        tick_stat_node(st, "requests", node, FALSE);
    if (r->retransmission)
        tick_stat_node(st, "retransmissions", node, FALSE);
}

tap_packet_status parties_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *, const void *data, tap_flags_t)
{
    const imup_tap_record *r = static_cast<const imup_tap_record *>(data);
    if (!r->src_party || !r->dst_party)
        return TAP_PACKET_DONT_REDRAW;
    const char *a = r->src_party, *b = r->dst_party;
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    tick_stat_node(st, NODE_PAIRS, 0, TRUE);
    tick_counts(st, wmem_strdup_printf(pinfo->pool, "%s <-> %s", a, b), node_pairs, r);
    tick_stat_node(st, NODE_PARTIES, 0, TRUE);
    tick_counts(st, r->src_party, node_parties, r);
    tick_counts(st, r->dst_party, node_parties, r);
    return TAP_PACKET_REDRAW;
}

} // namespace

void imup_conversations_frame(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const imup_message *msg,
                              const imup_frame_state *fs, const char **src_party, const char **dst_party)
{
    *src_party = imup_party_of(pinfo, msg, fs, TRUE);
    *dst_party = imup_party_of(pinfo, msg, fs, FALSE);
    if (!tree)
        return;
    proto_item *item = proto_tree_add_string(tree, hf_imup_src_party, tvb, 0, 0, *src_party);
    proto_item_set_hidden(item);
    item = proto_tree_add_string(tree, hf_imup_dst_party, tvb, 0, 0, *dst_party);
    proto_item_set_hidden(item);
    // imup.party matches either end, as ip.addr does.
    const char *ends[] = {*src_party, *dst_party};
    for (const char *party : ends) {
        item = proto_tree_add_string(tree, hf_imup_party, tvb, 0, 0, party);
        proto_item_set_hidden(item);
    }
}

void imup_conversations_register(void)
{
    static hf_register_info hf[] = {
        { &hf_imup_src_party, { "Source party", "imup.src.party", FT_STRING, BASE_NONE, NULL, 0x0,
          "Who sent the datagram: the user's name, \"server\", or address:port where no user is known", HFILL } },
        { &hf_imup_dst_party, { "Destination party", "imup.dst.party", FT_STRING, BASE_NONE, NULL, 0x0,
          "Who the datagram is for: the user's name, \"server\", or address:port where no user is known", HFILL } },
        { &hf_imup_party, { "Party", "imup.party", FT_STRING, BASE_NONE, NULL, 0x0,
          "Either party of the datagram (the Conversations and Endpoints tables' filters)", HFILL } },
    };
    proto_register_field_array(proto_imup, hf, G_N_ELEMENTS(hf));
    register_conversation_table(proto_imup, TRUE, conv_packet, endpoint_packet);
    stats_tree_register_plugin("imup", "imup_parties", "IMUP/Parties: datagrams, requests, retransmissions", 0,
                               parties_packet, parties_init, NULL);
}
