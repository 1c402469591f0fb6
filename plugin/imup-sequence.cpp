// SPDX-License-Identifier: GPL-2.0-or-later
// The numbering, window, answer-cache and tries rules (PROTOCOL.md §6.1 to
// §6.4, §7, §14), as imup-verify names them (tools/README.md), read again from
// the document:
//
//   seq_not_increasing     a new request numbered not after (§6.2) the
//                          sender's previous new request to that peer
//   seq_gap                a new request more than one after it
//   seq_reused             a new request (another type, or other bytes) on a
//                          number one of the sender's last 64 requests to that
//                          peer still holds: not a resend, which repeats the
//                          bytes (§6.3, §14)
//   window_exceeded        a new request sent while 32 of the sender's
//                          requests are unanswered, or numbered 32 or more
//                          after its oldest unanswered one (§6.4); a relayed
//                          invitation (19 from the server) waits for a
//                          person's decision and holds no window
//   cached_answer_differs  the answer to a resend of an answered request is
//                          not the first answer byte for byte (§6.3)
//   gave_up_early          a request never answered whose sender sent it
//                          fewer times than its tries allow, though the
//                          capture goes on past the latest time of its next
//                          try (§7); on the request's first copy
//
// Sessions (§14): a client's new Connexion (not a resend) starts a new
// session at its endpoint. Its numbering may start anywhere and the next
// requests follow it; the server's next request to it is the base of the
// server's numbering (the server numbers a new session half the space away);
// requests the old session left open are owed no more tries. After an
// accepted Deconnexion, a Connexion with the old one's number and bytes is a
// new session too, not a resend.
//
// A request is "held" (a resend of it is a resend, a new request on its
// number is reused) while it is among the sender's last 64 new requests to
// that peer, its last copy is at most 120 s old (§7's answer cache) and it was
// sent in the sender's current session. A request unanswered longer than its
// sender's tries take (93 s for 5) has been given up and no longer holds the
// window.
//
// The state is the sender's last 64 requests per pair, on the tracker's pairs
// (imup_rule_slots_of), built on the first pass; a request's record is freed
// when it leaves them, and only what gave_up_early needs of a request left
// unanswered is kept, by its first frame (a request answered keeps nothing).
// Findings are kept in the frame's proto data (imup_findings_add), so later
// passes and the GUI show the same; gave_up_early needs the whole capture and
// is shown on later passes (tshark -2, the GUI), as imup.unanswered is.
//
// No object here has a destructor: tvb calls may longjmp.

#include "imup-sequence.h"

#include <string.h>
#include <epan/proto_data.h>

#include "imup-expert.h"
#include "imup-tracking.h"

namespace {

const guint32 HELD_REQUESTS = 64;        // §6.3: the answer cache's last 64 requests
const guint32 WINDOW = 32;               // §6.4
const gint64 NS_PER_S = G_GINT64_CONSTANT(1000000000);
const gint64 ANSWER_CACHE_NS = 120 * NS_PER_S;  // §7
const gint64 FIRST_TIMEOUT_MAX_NS = 3 * NS_PER_S;  // §7: the first retransmission within [2 s, 3 s]

struct request_record {
    guint32 seq;
    guint32 type;
    imup_direction direction;
    gboolean malformed;            // a receiver may drop it: no answer owed
    gboolean answered;
    gboolean resent_after_answer;  // the next answer must repeat the first
    gboolean abandoned;            // its session ended: no more tries owed
    guint32 tries;
    guint32 first_frame;
    guint32 last_frame;
    guint32 answer_frame;
    nstime_t first_time;
    nstime_t last_time;
    guint64 bytes_hash;
    guint64 answer_hash;
    guint32 session;
};

// What gave_up_early needs of a request no longer held and never answered.
struct unanswered {
    guint32 tries;
    nstime_t last_time;
};

guint32 last_judged;  // two IMUP datagrams in one frame: the first is judged
nstime_t capture_end;
wmem_map_t *unanswered_requests;  // first frame -> unanswered
wmem_array_t *senders;            // imup_sender *, every one of the file (file scope)
gboolean kept_all;                // the held requests are in unanswered_requests too

} // namespace

// One sender's requests to one peer.
struct imup_sender {
    request_record **held;  // a ring of `capacity` (4 doubling to 64 as it fills), the oldest at `next`
    guint32 capacity;
    guint32 next;
    gboolean has_last;
    guint32 last_new_seq;
    guint32 session;        // bumped by each new Connexion (§14)
    gboolean session_over;  // an accepted Deconnexion ended it
};

namespace {

gint64 ns_between(const nstime_t *from, const nstime_t *to)
{
    return (static_cast<gint64>(to->secs) - static_cast<gint64>(from->secs)) * NS_PER_S +
           (static_cast<gint64>(to->nsecs) - static_cast<gint64>(from->nsecs));
}

double seconds(gint64 ns)
{
    return static_cast<double>(ns) / 1e9;
}

// §6.2: (to - from) mod 1024, and "a is after b".
guint32 seq_distance(guint32 from, guint32 to)
{
    return (to - from) & (IMUP_SEQ_SPACE - 1);
}

gboolean seq_after(guint32 a, guint32 b)
{
    guint32 d = seq_distance(b, a);
    return d >= 1 && d < IMUP_SEQ_SPACE / 2;
}

// The datagram's bytes, to tell a resend (the same bytes, §14) from a new
// request or a changed answer: FNV-1a over every byte, with the length.
guint64 fingerprint(tvbuff_t *tvb)
{
    guint length = tvb_captured_length(tvb);
    const guint8 *bytes = tvb_get_ptr(tvb, 0, length);
    guint64 h = G_GUINT64_CONSTANT(0xcbf29ce484222325) ^ length;
    for (guint i = 0; i < length; i++) {
        h ^= bytes[i];
        h *= G_GUINT64_CONSTANT(0x100000001b3);
    }
    return h;
}

imup_sender *sender_at(imup_sender **slot)
{
    if (!*slot) {
        *slot = wmem_new0(wmem_file_scope(), imup_sender);
        if (!senders)
            senders = wmem_array_new(wmem_file_scope(), sizeof(imup_sender *));
        wmem_array_append_one(senders, *slot);
    }
    return *slot;
}

// What a later pass needs of `r`: gave_up_early's figures, for a request
// owed an answer that it never got (so far).
void keep(const request_record *r)
{
    gpointer key = GUINT_TO_POINTER(r->first_frame);
    if (r->answered || r->abandoned || r->malformed) {
        wmem_map_remove(unanswered_requests, key);
        return;
    }
    unanswered *u = static_cast<unanswered *>(wmem_map_lookup(unanswered_requests, key));
    if (!u) {
        u = wmem_new(wmem_file_scope(), unanswered);
        wmem_map_insert(unanswered_requests, key, u);
    }
    u->tries = r->tries;
    u->last_time = r->last_time;
}

// Before the first later pass (and again if the first pass went on, as in a
// live capture): what the requests still held need.
void keep_held(void)
{
    if (kept_all)
        return;
    kept_all = TRUE;
    guint32 count = senders ? wmem_array_get_count(senders) : 0;
    imup_sender *const *all = count ? static_cast<imup_sender *const *>(wmem_array_get_raw(senders)) : NULL;
    for (guint32 i = 0; i < count; i++)
        for (guint32 j = 0; j < all[i]->capacity; j++)
            if (all[i]->held[j])
                keep(all[i]->held[j]);
}

// The newest held request numbered `seq`.
request_record *find(const imup_sender *p, guint32 seq)
{
    for (guint32 i = 1; i <= p->capacity; i++) {
        request_record *r = p->held[(p->next + p->capacity - i) % p->capacity];
        if (r && r->seq == seq)
            return r;
    }
    return NULL;
}

void abandon_open(imup_sender *p)
{
    for (guint32 i = 0; i < p->capacity; i++)
        if (p->held[i] && !p->held[i]->answered)
            p->held[i]->abandoned = TRUE;
}

const char *type_text(guint32 type)
{
    return imup_type_name(type);
}

// §6.1, §6.2: a new request is numbered one after the sender's previous one.
void check_numbering(packet_info *pinfo, imup_sender *p, const request_record *reused, guint32 seq, guint32 type)
{
    if (reused) {
        imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_SEQ_REUSED,
                          "Sequence number %u still belongs to the %s of frame %u (%s), one of the sender's last "
                          "%u requests: a resend repeats its bytes, a new request takes the next number",
                          seq, type_text(reused->type), reused->first_frame,
                          reused->type != type ? "another type" : "same type, other bytes", HELD_REQUESTS);
        return;
    }
    if (!p->has_last) {
        p->has_last = TRUE;
        p->last_new_seq = seq;
        return;
    }
    if (!seq_after(seq, p->last_new_seq)) {
        imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_SEQ_NOT_INCREASING,
                          "New request numbered %u after %u: each new request to a peer is numbered one up",
                          seq, p->last_new_seq);
        return;
    }
    if (seq != ((p->last_new_seq + 1) & (IMUP_SEQ_SPACE - 1)))
        imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_SEQ_GAP,
                          "Numbered %u after %u: %u number(s) skipped", seq, p->last_new_seq,
                          seq_distance(p->last_new_seq, seq) - 1);
    p->last_new_seq = seq;
}

// §6.4: the window spans 32 numbers from the oldest unanswered request that
// holds it.
void check_window(packet_info *pinfo, const imup_sender *p, guint32 seq, guint32 max_tries)
{
    guint32 open = 0;
    const request_record *oldest = NULL;
    for (guint32 i = 0; i < p->capacity; i++) {
        const request_record *r = p->held[(p->next + i) % p->capacity];
        if (!r || r->answered)
            continue;
        if (r->direction == IMUP_DIR_FROM_SERVER && r->type == IMUP_INVITATION)
            continue;  // a relayed invitation waits for a person's decision
        if (ns_between(&r->first_time, &pinfo->abs_ts) > imup_give_up_ns(max_tries))
            continue;  // its tries have run out: its sender has given it up
        open++;
        if (!oldest)
            oldest = r;
    }
    if (open >= WINDOW)
        imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_WINDOW_EXCEEDED,
                          "%u requests to this peer already unanswered: the window holds %u", open, WINDOW);
    else if (oldest && seq_after(seq, oldest->seq) && seq_distance(oldest->seq, seq) >= WINDOW)
        imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_WINDOW_EXCEEDED,
                          "Request %u (frame %u) is still unanswered, %u numbers back: a new request is numbered "
                          "less than %u after the oldest unanswered one",
                          oldest->seq, oldest->first_frame, seq_distance(oldest->seq, seq), WINDOW);
}

gboolean text_malformed(const imup_message *msg)
{
    const guint64 dropped = (G_GUINT64_CONSTANT(1) << IMUP_EXPERT_LIMIT_EXCEEDED) |
                            (G_GUINT64_CONSTANT(1) << IMUP_EXPERT_BAD_STATE_MODE) |
                            (G_GUINT64_CONSTANT(1) << IMUP_EXPERT_TRUNCATED);
    return msg->text_faults > msg->text_warnings || (msg->experts & dropped) != 0;
}

void record(packet_info *pinfo, imup_sender *p, const imup_message *msg, guint64 hash)
{
    request_record *r = wmem_new0(wmem_file_scope(), request_record);
    r->seq = msg->seq;
    r->type = msg->type;
    r->direction = msg->direction;
    r->malformed = text_malformed(msg);
    r->tries = 1;
    r->first_frame = r->last_frame = pinfo->num;
    r->first_time = r->last_time = pinfo->abs_ts;
    r->bytes_hash = hash;
    r->session = p->session;
    if (p->next == p->capacity && p->capacity < HELD_REQUESTS) {
        // Full before it ever wrapped: the oldest is at 0, and stays there.
        guint32 capacity = p->capacity ? p->capacity * 2 : 4;
        request_record **held = wmem_alloc0_array(wmem_file_scope(), request_record *, capacity);
        if (p->capacity) {
            memcpy(held, p->held, p->capacity * sizeof *held);
            wmem_free(wmem_file_scope(), p->held);
        }
        p->held = held;
        p->capacity = capacity;
    }
    p->next %= p->capacity;
    request_record *oldest = p->held[p->next];
    if (oldest) {
        keep(oldest);  // no longer held: it can be neither resent nor answered
        wmem_free(wmem_file_scope(), oldest);
    }
    p->held[p->next] = r;  // in place of the oldest
    p->next++;  // brought back into the ring on the next request
}

void judge_request(tvbuff_t *tvb, packet_info *pinfo, const imup_message *msg, guint32 max_tries,
                   const imup_rule_slots &slots, imup_exchange *exchange)
{
    imup_sender *p = sender_at(slots.forward);
    guint64 hash = fingerprint(tvb);
    gboolean starts_session = msg->type == IMUP_CONNEXION &&
                              (msg->direction == IMUP_DIR_TO_SERVER || msg->direction == IMUP_DIR_UNKNOWN);
    request_record *r = find(p, msg->seq);
    if (r && (ns_between(&r->last_time, &pinfo->abs_ts) > ANSWER_CACHE_NS || r->session != p->session))
        r = NULL;  // gone from the answer cache, or a number of a session now over
    if (r && r->type == msg->type && r->bytes_hash == hash && !(starts_session && p->session_over)) {
        // The same request again: a resend.
        r->tries++;
        r->last_frame = pinfo->num;
        r->last_time = pinfo->abs_ts;
        if (r->answered)
            r->resent_after_answer = TRUE;
        return;
    }
    exchange->new_request = TRUE;
    if (starts_session) {
        // §14: a new session, numbered afresh; the server numbers its side anew too.
        p->session++;
        p->session_over = FALSE;
        p->has_last = TRUE;
        p->last_new_seq = msg->seq;
        imup_sender *server = sender_at(slots.backward);
        server->has_last = FALSE;
        abandon_open(server);
        abandon_open(p);
    } else {
        check_numbering(pinfo, p, r, msg->seq, msg->type);
        check_window(pinfo, p, msg->seq, max_tries);
    }
    record(pinfo, p, msg, hash);
}

void judge_answer(tvbuff_t *tvb, packet_info *pinfo, const imup_message *msg, const imup_rule_slots &slots,
                  imup_exchange *exchange)
{
    imup_sender *p = *slots.backward;  // the requests of the answer's destination
    request_record *r = p ? find(p, msg->seq) : NULL;
    if (!r || !imup_answer_fits(r->type, r->direction, msg->type))
        return;  // unexpected: the tracker's imup.unexpected_answer
    guint64 hash = fingerprint(tvb);
    if (r->answered) {
        if (r->resent_after_answer && hash != r->answer_hash)
            imup_findings_add(pinfo, IMUP_RULE_FINDINGS_KEY, IMUP_EXPERT_CACHED_ANSWER_DIFFERS,
                              "The answer to the resend of frame %u differs from the first answer (frame %u): "
                              "a duplicate request gets the cached answer again, byte for byte",
                              r->last_frame, r->answer_frame);
        r->resent_after_answer = FALSE;
        return;  // a repeat without a resend: the tracker's imup.duplicate_answer
    }
    r->answered = TRUE;
    r->answer_hash = hash;
    r->answer_frame = pinfo->num;
    exchange->first_answer = TRUE;
    exchange->request_type = r->type;
    if (r->type == IMUP_DECONNEXION && msg->type == IMUP_ACK && msg->direction != IMUP_DIR_PEER) {
        // The session is over: neither side owes the other more tries.
        abandon_open(p);
        p->session_over = TRUE;
        if (*slots.forward)
            abandon_open(*slots.forward);
    }
}

void reset_sequence(void)
{
    last_judged = 0;
    nstime_set_zero(&capture_end);
    senders = NULL;
    kept_all = FALSE;
}

} // namespace

// The latest a conforming sender waits after try `tries` (§7: 3 s, doubling).
static gint64 imup_timeout_after_try_ns(guint32 tries)
{
    guint32 doublings = tries == 0 ? 0 : tries - 1;
    return FIRST_TIMEOUT_MAX_NS << (doublings < 20 ? doublings : 20);
}

gint64 imup_give_up_ns(guint32 tries)
{
    gint64 total = 0;
    for (guint32 t = 1; t <= tries && t <= 21; t++)
        total += imup_timeout_after_try_ns(t);
    return total;
}

const nstime_t *imup_capture_end(void)
{
    return &capture_end;
}

void imup_sequence_register(void)
{
    unanswered_requests = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
    register_init_routine(reset_sequence);
}

gboolean imup_sequence_judge(tvbuff_t *tvb, packet_info *pinfo, const imup_message *msg, guint32 max_tries,
                             imup_exchange *exchange)
{
    memset(exchange, 0, sizeof *exchange);
    if (PINFO_FD_VISITED(pinfo) || pinfo->flags.in_error_pkt || pinfo->num == last_judged)
        return FALSE;
    last_judged = pinfo->num;
    kept_all = FALSE;
    if (nstime_cmp(&pinfo->abs_ts, &capture_end) > 0)
        capture_end = pinfo->abs_ts;
    // Receivers drop unknown types and types sent the wrong way (§5).
    if (!msg->known_type || ((msg->experts >> IMUP_EXPERT_WRONG_DIRECTION) & 1))
        return FALSE;
    imup_rule_slots slots = imup_rule_slots_of(pinfo);
    if (msg->is_request)
        judge_request(tvb, pinfo, msg, max_tries, slots, exchange);
    else
        judge_answer(tvb, pinfo, msg, slots, exchange);
    return TRUE;
}

gboolean imup_text_malformed(const imup_message *msg)
{
    return text_malformed(msg);
}

void imup_sequence_after_capture(packet_info *pinfo, proto_item *item, imup_message *msg, guint32 max_tries)
{
    if (!PINFO_FD_VISITED(pinfo))
        return;
    keep_held();
    const unanswered *r =
        static_cast<const unanswered *>(wmem_map_lookup(unanswered_requests, GUINT_TO_POINTER(pinfo->num)));
    if (!r || r->tries >= max_tries)
        return;
    gint64 quiet = ns_between(&r->last_time, &capture_end);
    gint64 due = imup_timeout_after_try_ns(r->tries);
    if (quiet > due)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_GAVE_UP_EARLY),
                               "Sent %u of %u tries, then nothing for %.3f s (to the capture's last IMUP datagram), "
                               "though try %u was due within %.3f s of the last",
                               r->tries, max_tries, seconds(quiet), r->tries + 1, seconds(due));
}
