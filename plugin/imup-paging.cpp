// SPDX-License-Identifier: GPL-2.0-or-later
// The user list's paging (PROTOCOL.md §11), as imup-verify names its rules
// (tools/README.md), read again from the document. Per client, one listing at
// a time: a 4 with an empty text starts one, a 4 with a start id continues the
// open one (the last page had M set), or starts a walk from there; a page is
// the first answer (21) to the client's 4 of its number.
//
//   list_page_order      a page whose ids do not go up from the id its
//                        request asked for (reported once per page)
//   list_duplicate_user  an id already on an earlier page of the listing
//   list_more_flag       M on a page with no entry, or with room left for the
//                        longest entry (4 + 80 bytes): the server fills each page
//   list_page_start      the next page asked for from another id than the last
//                        one received + 1 (on the request)
//   list_incomplete      a listing whose last page had M set is never
//                        continued: on the 4 that starts a new listing, or, at
//                        the end of the capture, on that last page when the
//                        client had its request's tries (93 s) to ask on
//
// Malformed List requests are dropped by the server and not followed; resends
// and repeated answers are told by imup-sequence.cpp (by their bytes).
//
// State per client endpoint (on the tracker's, imup_rule_slots_of), first pass
// only; findings in the frame's proto data. The end-of-capture list_incomplete
// is shown on later passes (tshark -2, the GUI).
//
// No object here has a destructor: tvb calls may longjmp.

#include "imup-paging.h"

#include <string.h>
#include <epan/proto_data.h>

#include "imup-expert.h"
#include "imup-tracking.h"

namespace {

const guint32 PAGE_KEY = 0x50414745;  // "PAGE": a page's listing, on the page's frame
const gint16 NOT_ASKED = -2;
const gint16 FIRST_PAGE = -1;         // a 4 without a start id
// §11: a name is at most 80 bytes, so an entry at most 4 + 80: a page with
// that much room left could have held the next user, whoever it is.
const guint32 LONGEST_ENTRY_BYTES = 4 + IMUP_MAX_NAME_BYTES;

} // namespace

// One client's walk through the list.
struct imup_pager {
    gboolean open;               // the last page had M set
    gint32 last_id;              // the last id the listing received, -1 before any
    guint8 ids[(IMUP_MAX_USER_ID + 1) / 8];  // the ids the listing holds
    guint32 last_page_frame;
    nstime_t last_page_time;
    gint16 asked[IMUP_SEQ_SPACE];  // by the 4's sequence number: its start id, FIRST_PAGE or NOT_ASKED
};

namespace {

imup_pager *pager_at(imup_pager **slot)
{
    if (!*slot) {
        imup_pager *l = wmem_new0(wmem_file_scope(), imup_pager);
        l->last_id = -1;
        for (guint32 i = 0; i < IMUP_SEQ_SPACE; i++)
            l->asked[i] = NOT_ASKED;
        *slot = l;
    }
    return *slot;
}

void restart(imup_pager *l)
{
    l->open = FALSE;
    l->last_id = -1;
    memset(l->ids, 0, sizeof l->ids);
}

void list_request(packet_info *pinfo, const imup_message *msg, imup_pager *l)
{
    if (!msg->list_request_has_start) {
        if (l->open)
            imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_LIST_INCOMPLETE,
                              "A new listing begins, but the last page (frame %u) said more users follow (M) and "
                              "id %d on was never asked for", l->last_page_frame, l->last_id + 1);
        restart(l);
    } else if (l->open) {
        if (static_cast<gint32>(msg->list_start_id) != l->last_id + 1)
            imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_LIST_PAGE_START,
                              "Asks for the page from id %u, but the last page (frame %u) ended at id %d: the next "
                              "page starts at %d", msg->list_start_id, l->last_page_frame, l->last_id, l->last_id + 1);
    } else {
        restart(l);  // a start id with no open listing: a walk from there
    }
    l->asked[msg->seq & (IMUP_SEQ_SPACE - 1)] =
        msg->list_request_has_start ? static_cast<gint16>(msg->list_start_id & IMUP_MAX_USER_ID) : FIRST_PAGE;
}

// The page's entries (§11: a word {status 2, id 10, name length 20}, then the
// name), already found well-formed by imup-text.cpp.
void list_page(tvbuff_t *tvb, packet_info *pinfo, const imup_message *msg, imup_pager *l)
{
    gint16 start = l->asked[msg->seq & (IMUP_SEQ_SPACE - 1)];
    if (start == NOT_ASKED)
        return;  // its request was malformed
    l->asked[msg->seq & (IMUP_SEQ_SPACE - 1)] = NOT_ASKED;
    gint32 previous = start == FIRST_PAGE ? -1 : start - 1;
    gboolean order_reported = FALSE;
    guint32 entries = 0;
    gint end = tvb_captured_length(tvb);
    for (gint offset = IMUP_HEADER_BYTES; offset + 4 <= end; entries++) {
        guint32 word = tvb_get_ntohl(tvb, offset);
        gint32 id = static_cast<gint32>((word >> 20) & IMUP_MAX_USER_ID);
        offset += 4 + static_cast<gint>(word & 0xFFFFF);
        if (id <= previous && !order_reported) {
            if (start != FIRST_PAGE && previous == start - 1)
                imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_LIST_PAGE_ORDER,
                                  "User id %d on the page asked for from id %d: ids go up, from the id asked for",
                                  id, start);
            else
                imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_LIST_PAGE_ORDER,
                                  "User id %d after id %d: ids go up, from the id asked for", id, previous);
            order_reported = TRUE;
        }
        guint8 bit = static_cast<guint8>(1u << (id & 7));
        if (l->ids[id >> 3] & bit)
            imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_LIST_DUPLICATE_USER,
                              "User id %d is already on an earlier page of this listing", id);
        l->ids[id >> 3] |= bit;
        if (id > previous)
            previous = id;
        l->last_id = id;
    }
    if (msg->more_pages) {
        if (entries == 0)
            imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_LIST_MORE_FLAG,
                              "More users follow (M) on a page with no entry: the client has no id to ask on from");
        else if (IMUP_MAX_TEXT_BYTES - msg->text_bytes >= LONGEST_ENTRY_BYTES)
            imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_LIST_MORE_FLAG,
                              "More users follow (M) on a page of %u bytes: %u bytes free would hold the next user, "
                              "whoever it is", msg->text_bytes, IMUP_MAX_TEXT_BYTES - msg->text_bytes);
    }
    l->open = msg->more_pages;
    l->last_page_frame = pinfo->num;
    l->last_page_time = pinfo->abs_ts;
    p_add_proto_data(wmem_file_scope(), pinfo, proto_imup, PAGE_KEY, l);
}

} // namespace

void imup_paging_judge(tvbuff_t *tvb, packet_info *pinfo, const imup_message *msg, const imup_exchange *exchange)
{
    if (msg->type == IMUP_LIST_REQUEST && msg->direction == IMUP_DIR_TO_SERVER && exchange->new_request &&
        !imup_text_malformed(msg)) {
        list_request(pinfo, msg, pager_at(imup_rule_slots_of(pinfo).src_pager));
    } else if (msg->type == IMUP_USER_LIST && msg->direction == IMUP_DIR_FROM_SERVER && exchange->first_answer &&
               exchange->request_type == IMUP_LIST_REQUEST && msg->user_list_valid) {
        imup_pager *l = *imup_rule_slots_of(pinfo).dst_pager;
        if (l)
            list_page(tvb, pinfo, msg, l);
    }
}

void imup_paging_after_capture(packet_info *pinfo, proto_item *item, imup_message *msg, guint32 max_tries)
{
    if (!PINFO_FD_VISITED(pinfo))
        return;
    const imup_pager *l =
        static_cast<const imup_pager *>(p_get_proto_data(wmem_file_scope(), pinfo, proto_imup, PAGE_KEY));
    if (!l || !l->open || l->last_page_frame != pinfo->num)
        return;  // not the page the client's listing was left open on
    nstime_t after;
    nstime_delta(&after, imup_capture_end(), &l->last_page_time);
    gint64 after_ns = static_cast<gint64>(after.secs) * G_GINT64_CONSTANT(1000000000) + after.nsecs;
    if (after_ns > imup_give_up_ns(max_tries))
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_LIST_INCOMPLETE),
                               "This page said more users follow (M), but no request for the page from id %d came "
                               "in the %.3f s the capture went on", l->last_id + 1, nstime_to_sec(&after));
}
