// SPDX-License-Identifier: GPL-2.0-or-later
// `tshark -z imup,tree`: messages by type and by direction, errors by expert
// name, retransmissions, and messages per user. `tshark -z imup,srt`: the
// response time of each request type, from the request's first copy to its
// first answer.

#include "imup-stats.h"

#include <epan/stats_tree.h>
#include <epan/srt_table.h>
#include <epan/tap.h>

int imup_tap = -1;

namespace {

const char *const NODE_TYPES = "Messages by type";
const char *const NODE_DIRECTIONS = "Messages by direction";
const char *const NODE_ERRORS = "Errors and warnings by name";
const char *const NODE_RETRANSMISSIONS = "Retransmissions by type";
const char *const NODE_USERS = "Messages by user";

int node_types, node_directions, node_errors, node_retransmissions, node_users;

const char *direction_name(imup_direction d)
{
    switch (d) {
    case IMUP_DIR_TO_SERVER: return "Client to server";
    case IMUP_DIR_FROM_SERVER: return "Server to client";
    case IMUP_DIR_PEER: return "Peer to peer";
    default: return "Unknown direction";
    }
}

void tree_init(stats_tree *st)
{
    node_types = stats_tree_create_node(st, NODE_TYPES, 0, STAT_DT_INT, TRUE);
    node_directions = stats_tree_create_node(st, NODE_DIRECTIONS, 0, STAT_DT_INT, TRUE);
    node_errors = stats_tree_create_node(st, NODE_ERRORS, 0, STAT_DT_INT, TRUE);
    node_retransmissions = stats_tree_create_node(st, NODE_RETRANSMISSIONS, 0, STAT_DT_INT, TRUE);
    node_users = stats_tree_create_node(st, NODE_USERS, 0, STAT_DT_INT, TRUE);
}

tap_packet_status tree_packet(stats_tree *st, packet_info *, epan_dissect_t *, const void *data, tap_flags_t)
{
    const imup_tap_record *r = static_cast<const imup_tap_record *>(data);
    const char *type = r->known_type ? imup_type_name(r->type) : "Unknown type";
    tick_stat_node(st, NODE_TYPES, 0, TRUE);
    tick_stat_node(st, type, node_types, FALSE);
    tick_stat_node(st, NODE_DIRECTIONS, 0, TRUE);
    tick_stat_node(st, direction_name(r->direction), node_directions, FALSE);
    for (guint32 bit = 0; bit < IMUP_EXPERT_COUNT; bit++) {
        if (r->experts & (G_GUINT64_CONSTANT(1) << bit)) {
            tick_stat_node(st, NODE_ERRORS, 0, TRUE);
            tick_stat_node(st, imup_expert_names[bit], node_errors, FALSE);
        }
    }
    if (r->retransmission) {
        tick_stat_node(st, NODE_RETRANSMISSIONS, 0, TRUE);
        tick_stat_node(st, type, node_retransmissions, FALSE);
    }
    tick_stat_node(st, NODE_USERS, 0, TRUE);
    tick_stat_node(st, r->user ? r->user : "(endpoint not bound to a user)", node_users, FALSE);
    return TAP_PACKET_REDRAW;
}

void srt_init(struct register_srt *, GArray *srt_array)
{
    srt_stat_table *table = init_srt_table("IMUP response time by request type", "IMUP", srt_array,
                                           IMUP_LAST_TYPE + 1, "Request", "imup.type", NULL);
    for (int type = 0; type <= static_cast<int>(IMUP_LAST_TYPE); type++)
        init_srt_table_row(table, type, type == 0 ? "(none)" : imup_type_name(type));
}

tap_packet_status srt_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *, const void *data, tap_flags_t)
{
    const imup_tap_record *r = static_cast<const imup_tap_record *>(data);
    if (!r->answers_request || r->request_type > IMUP_LAST_TYPE)
        return TAP_PACKET_DONT_REDRAW;
    srt_data_t *srt = static_cast<srt_data_t *>(tapdata);
    srt_stat_table *table = g_array_index(srt->srt_array, srt_stat_table *, 0);
    add_srt_table_data(table, static_cast<int>(r->request_type), &r->request_time, pinfo);
    return TAP_PACKET_REDRAW;
}

} // namespace

void imup_register_statistics(void)
{
    imup_tap = register_tap("imup");
    stats_tree_register_plugin("imup", "imup", "IMUP/Messages, errors and users", 0, tree_packet, tree_init, NULL);
    register_srt_table(proto_imup, NULL, 1, srt_packet, srt_init, NULL);
}
