// SPDX-License-Identifier: GPL-2.0-or-later
// Reads the text of each IMUP type by the grammars of PROTOCOL.md §4.3.
// The text is read once as a byte array of the captured bytes, so no read can
// run past the packet; tree items then point back into the tvb. Nothing here
// owns an object with a destructor: tvb exceptions are longjmps.

#include "imup-text.h"

#include <string.h>
#include <epan/to_str.h>

#include "imup-compat.h"

// Text (§4, §11), in protocol order.
static int hf_imup_text = -1;
static int hf_imup_text_field = -1;
static int hf_imup_message = -1;
static int hf_imup_sender = -1;
static int hf_imup_recipient = -1;
static int hf_imup_member = -1;
static int hf_imup_member_addr = -1;
static int hf_imup_member_port = -1;
static int hf_imup_inviter = -1;
static int hf_imup_reason = -1;
static int hf_imup_invite_text = -1;
static int hf_imup_mode_text = -1;
static int hf_imup_list_start_id = -1;
static int hf_imup_user = -1;
static int hf_imup_user_status = -1;
static int hf_imup_user_id = -1;
static int hf_imup_user_name_length = -1;
static int hf_imup_user_name = -1;  // Connexion, Deconnexion, member lines, user entries
static int hf_imup_list_user = -1;

static gint ett_imup_text = -1;
static gint ett_imup_member = -1;
static gint ett_imup_user = -1;

static const value_string imup_user_status_vals[] = {
    { 0, "Public room" }, { 1, "In a private group" }, { 2, "Invalid (10)" }, { 3, "Invalid (11)" }, { 0, NULL }
};

static const char *imup_name_problem(const guint8 *bytes, gint length);

namespace {

enum terminator { TERM_NONE, TERM_CRLF, TERM_LF };

// One field of the text: bytes [offset, offset+length) of the tvb, and how it ended.
struct text_field {
    gint offset;
    gint length;
    terminator ends_with;
};

struct text_fields {
    text_field *items;
    guint32 count;
};

constexpr gint TEXT_OFFSET = IMUP_HEADER_BYTES;

// Splits the text into fields ended by CRLF, or by a bare LF or nothing (both
// reported). A CR inside a field is reported too: a field never holds one.
text_fields split_fields(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                         imup_message *msg, const guint8 *text, gint length)
{
    guint32 lines = 1;
    for (gint i = 0; i < length; i++)
        lines += text[i] == '\n';
    text_fields fields = { wmem_alloc_array(pinfo->pool, text_field, lines), 0 };

    gint start = 0;
    while (start < length) {
        const guint8 *lf = static_cast<const guint8 *>(memchr(text + start, '\n', length - start));
        gint end = lf ? static_cast<gint>(lf - text) : length;
        text_field &f = fields.items[fields.count++];
        f.offset = TEXT_OFFSET + start;
        if (!lf) {
            f.length = end - start;
            f.ends_with = TERM_NONE;
        } else if (end > start && text[end - 1] == '\r') {
            f.length = end - start - 1;
            f.ends_with = TERM_CRLF;
        } else {
            f.length = end - start;
            f.ends_with = TERM_LF;
        }
        if (memchr(text + start, '\r', f.length)) {
            proto_item *item = proto_tree_add_item(tree, hf_imup_text_field, tvb, f.offset, f.length, ENC_UTF_8);
            expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                                   "A field holds a CR that does not end it");
        }
        start = lf ? end + 1 : length;
    }
    return fields;
}

// Reports a field's terminator if it is not CRLF (PROTOCOL.md §4.1).
void check_terminator(packet_info *pinfo, proto_item *item, imup_message *msg, const text_field &f)
{
    if (f.ends_with != TERM_CRLF)
        msg->text_warnings++;  // a lenient reader reads on (PROTOCOL.md §4.1)
    if (f.ends_with == TERM_LF)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                               "Field ends with a bare LF, not CRLF");
    else if (f.ends_with == TERM_NONE)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                               "Last field has no CRLF terminator");
}

// The string at [offset, offset+length): copied from the text when it is known
// to be valid UTF-8 (much cheaper), else decoded by the tvb with replacements.
const char *string_at(tvbuff_t *tvb, packet_info *pinfo, const imup_message *msg, gint offset, gint length)
{
    if (msg->text_is_utf8 && tvb == msg->text_tvb && offset >= TEXT_OFFSET &&
        offset + length <= TEXT_OFFSET + msg->text_captured)
        return wmem_strndup(pinfo->pool, reinterpret_cast<const char *>(msg->text) + (offset - TEXT_OFFSET), length);
    return reinterpret_cast<const char *>(tvb_get_string_enc(pinfo->pool, tvb, offset, length, ENC_UTF_8));
}

const char *field_string(tvbuff_t *tvb, packet_info *pinfo, const imup_message *msg, const text_field &f)
{
    return string_at(tvb, pinfo, msg, f.offset, f.length);
}

// Adds one text field as `hf`, checks its terminator and returns its value.
const char *add_field(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, imup_message *msg,
                      int hf, const text_field &f, proto_item **item_out = nullptr)
{
    proto_item *item = proto_tree_add_item(tree, hf, tvb, f.offset, f.length, ENC_UTF_8);
    check_terminator(pinfo, item, msg, f);
    if (item_out)
        *item_out = item;
    return field_string(tvb, pinfo, msg, f);
}

// Adds a user-name field and reports a name that breaks §4.2.
const char *add_name(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, imup_message *msg,
                     int hf, const guint8 *name_bytes, gint offset, gint length)
{
    proto_item *item = proto_tree_add_item(tree, hf, tvb, offset, length, ENC_UTF_8);
    const char *problem = imup_name_problem(name_bytes, length);
    if (problem)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                               "Invalid user name: %s", problem);
    return string_at(tvb, pinfo, msg, offset, length);
}

void report_field_count(packet_info *pinfo, proto_item *text_item, imup_message *msg,
                        guint32 have, guint32 min, guint32 max, const char *what)
{
    if (have < min)
        expert_add_info_format(pinfo, text_item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                               "Missing field: %s", what);
    else if (have > max)
        expert_add_info_format(pinfo, text_item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                               "%u fields where at most %u are defined", have, max);
}

gboolean parse_decimal(const guint8 *p, gint length, guint32 max_digits, guint32 max_value, guint32 *value)
{
    if (length < 1 || static_cast<guint32>(length) > max_digits)
        return FALSE;
    guint32 v = 0;
    for (gint i = 0; i < length; i++) {
        if (p[i] < '0' || p[i] > '9')
            return FALSE;
        v = v * 10 + (p[i] - '0');
    }
    if (v > max_value)
        return FALSE;
    *value = v;
    return TRUE;
}

// "ipv4:port" (PROTOCOL.md §4.3). The address is returned in network byte order.
gboolean parse_endpoint(const guint8 *p, gint length, guint32 *ipv4, guint16 *port)
{
    guint32 octets[4];
    gint pos = 0;
    for (int i = 0; i < 4; i++) {
        gint start = pos;
        while (pos < length && p[pos] >= '0' && p[pos] <= '9')
            pos++;
        if (!parse_decimal(p + start, pos - start, 3, 255, &octets[i]))
            return FALSE;
        char expected = i < 3 ? '.' : ':';
        if (pos >= length || p[pos] != expected)
            return FALSE;
        pos++;
    }
    guint32 port_value;
    if (!parse_decimal(p + pos, length - pos, 5, 65535, &port_value) || port_value == 0)
        return FALSE;
    *ipv4 = g_htonl((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]);
    *port = static_cast<guint16>(port_value);
    return TRUE;
}

// Type 11: one member line per member, with its endpoint in decentralized mode.
void dissect_member_lines(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, imup_message *msg,
                          const guint8 *text, const text_fields &fields)
{
    msg->member_lines = wmem_alloc_array(pinfo->pool, imup_member_line, fields.count ? fields.count : 1);
    wmem_strbuf_t *names = wmem_strbuf_new(pinfo->pool, "");
    for (guint32 i = 0; i < fields.count; i++) {
        const text_field &f = fields.items[i];
        const guint8 *line = text + (f.offset - TEXT_OFFSET);
        const guint8 *space = static_cast<const guint8 *>(memchr(line, ' ', f.length));
        gint name_length = space ? static_cast<gint>(space - line) : f.length;

        // The member is the name; its item spans the whole line, endpoint included.
        imup_member_line &m = msg->member_lines[msg->member_line_count++];
        m.name = string_at(tvb, pinfo, msg, f.offset, name_length);
        m.has_endpoint = FALSE;
        proto_item *member_item = proto_tree_add_string(tree, hf_imup_member, tvb, f.offset, f.length, m.name);
        check_terminator(pinfo, member_item, msg, f);
        if (space) {
            proto_tree *sub = proto_item_add_subtree(member_item, ett_imup_member);
            add_name(tvb, pinfo, sub, msg, hf_imup_user_name, line, f.offset, name_length);
            const guint8 *endpoint = line + name_length + 1;
            gint ep_offset = f.offset + name_length + 1;
            gint ep_length = f.length - name_length - 1;
            if (parse_endpoint(endpoint, ep_length, &m.ipv4, &m.port)) {
                gint addr_length = static_cast<gint>(
                    static_cast<const guint8 *>(memchr(endpoint, ':', ep_length)) - endpoint);
                proto_tree_add_ipv4(sub, hf_imup_member_addr, tvb, ep_offset, addr_length, m.ipv4);
                proto_tree_add_uint(sub, hf_imup_member_port, tvb, ep_offset + addr_length + 1,
                                    ep_length - addr_length - 1, m.port);
                m.has_endpoint = TRUE;
                msg->members_have_endpoints = TRUE;
            } else {
                expert_add_info_format(pinfo, member_item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                                       "Member line is not \"name SP ipv4:port\"");
            }
        } else {
            const char *problem = imup_name_problem(line, name_length);
            if (problem)
                expert_add_info_format(pinfo, member_item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                                       "Invalid user name: %s", problem);
        }
        if (i > 0)
            wmem_strbuf_append_c(names, ',');
        wmem_strbuf_append(names, m.name);
    }
    msg->member_count = msg->member_line_count;
    msg->members = wmem_strbuf_get_str(names);
    if (msg->member_count > IMUP_MAX_GROUP_MEMBERS)
        expert_add_info_format(pinfo, proto_tree_get_parent(tree),
                               imup_expert_counted(msg, IMUP_EXPERT_LIMIT_EXCEEDED), "%u members, more than the limit of %u", msg->member_count, IMUP_MAX_GROUP_MEMBERS);
}

// Type 19: "name-list [SP text]"; from the server the first name is the inviter.
void dissect_invitation(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, imup_message *msg,
                        const guint8 *text, const text_field &f)
{
    const guint8 *line = text + (f.offset - TEXT_OFFSET);
    const guint8 *space = static_cast<const guint8 *>(memchr(line, ' ', f.length));
    gint list_length = space ? static_cast<gint>(space - line) : f.length;
    wmem_strbuf_t *names = wmem_strbuf_new(pinfo->pool, "");
    gint start = 0;
    while (start <= list_length) {
        const guint8 *comma = static_cast<const guint8 *>(memchr(line + start, ',', list_length - start));
        gint end = comma ? static_cast<gint>(comma - line) : list_length;
        int hf = (msg->member_count == 0 && msg->direction == IMUP_DIR_FROM_SERVER) ? hf_imup_inviter
                                                                                     : hf_imup_member;
        const char *name = add_name(tvb, pinfo, tree, msg, hf, line + start, f.offset + start, end - start);
        if (msg->member_count++ > 0)
            wmem_strbuf_append_c(names, ',');
        wmem_strbuf_append(names, name);
        start = end + 1;
    }
    msg->members = wmem_strbuf_get_str(names);
    if (space)
        proto_tree_add_item(tree, hf_imup_invite_text, tvb, f.offset + list_length + 1,
                            f.length - list_length - 1, ENC_UTF_8);
    if (msg->member_count > IMUP_MAX_GROUP_MEMBERS)
        expert_add_info_format(pinfo, proto_tree_get_parent(tree),
                               imup_expert_counted(msg, IMUP_EXPERT_LIMIT_EXCEEDED), "%u names, more than the group limit of %u", msg->member_count, IMUP_MAX_GROUP_MEMBERS);
}

void dissect_mode_text(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, imup_message *msg,
                       const guint8 *text, const text_field &f)
{
    proto_item *item = nullptr;
    msg->mode_text = add_field(tvb, pinfo, tree, msg, hf_imup_mode_text, f, &item);
    const guint8 *p = text + (f.offset - TEXT_OFFSET);
    guint32 said;
    if (f.length == 10 && memcmp(p, "centralise", 10) == 0)
        said = 0;
    else if (f.length == 12 && memcmp(p, "decentralise", 12) == 0)
        said = 1;
    else {
        if (f.length > 0)
            expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                                   "Mode text is neither \"centralise\" nor \"decentralise\"");
        return;
    }
    guint32 bits = msg->low_bits & 0x3;
    if (bits <= 1 && bits != said)
        expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MODE_TEXT_MISMATCH),
                               "Mode text says %s, the mode bits say %s: the bits win",
                               said ? "decentralized" : "centralized", bits ? "decentralized" : "centralized");
}

} // namespace

// §4.2: 1 to 20 characters of UTF-8, no control, white space or comma.
// Returns NULL when valid, else why not (a static string).
static const char *imup_name_problem(const guint8 *bytes, gint length)
{
    if (length <= 0)
        return "empty";
    if (length > static_cast<gint>(IMUP_MAX_NAME_BYTES))
        return "longer than 20 characters";
    const gchar *s = reinterpret_cast<const gchar *>(bytes);
    if (!g_utf8_validate(s, length, NULL))
        return "not valid UTF-8";
    guint32 chars = 0;
    for (const gchar *p = s; p < s + length; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
            return "control character";
        if (c == ',')
            return "comma";
        if (c == ' ' || c == '\t' || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
            c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000)
            return "white space";
        chars++;
    }
    if (chars > IMUP_MAX_NAME_CHARS)
        return "longer than 20 characters";
    return NULL;
}

gboolean imup_user_entries_valid(tvbuff_t *tvb, gint offset, gint length, guint32 *count)
{
    *count = 0;
    if (length <= 0 || tvb_captured_length_remaining(tvb, offset) < length)
        return FALSE;
    const guint8 *p = tvb_get_ptr(tvb, offset, length);
    gint pos = 0;
    while (pos < length) {
        if (length - pos < 4)
            return FALSE;
        guint32 word = (static_cast<guint32>(p[pos]) << 24) | (p[pos + 1] << 16) | (p[pos + 2] << 8) | p[pos + 3];
        guint32 status = word >> 30;
        guint32 name_length = word & 0xFFFFF;
        if (status > 1 || name_length < 1 || name_length > IMUP_MAX_NAME_BYTES ||
            name_length > static_cast<guint32>(length - pos - 4))
            return FALSE;
        if (!g_utf8_validate(reinterpret_cast<const gchar *>(p + pos + 4), name_length, NULL))
            return FALSE;
        pos += 4 + name_length;
        (*count)++;
    }
    return TRUE;
}

void imup_dissect_user_entries(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                               gint offset, gint length, imup_message *msg, gboolean joined)
{
    static const char *const status_names[] = { "public", "private" };
    gint end = offset + length;
    guint32 previous_id = 0;
    gboolean first = TRUE;
    while (offset + 4 <= end) {
        guint32 word = tvb_get_ntohl(tvb, offset);
        guint32 name_length = word & 0xFFFFF;
        guint32 id = (word >> 20) & 0x3FF;
        if (name_length > static_cast<guint32>(end - offset - 4))
            break;
        const char *name = string_at(tvb, pinfo, msg, offset + 4, name_length);
        const char *status = status_names[(word >> 30) & 1];
        proto_item *entry;
        if (joined) {
            // The joined list repeats the pages' entries: one line each, so that
            // every field keeps one parent (-T ek writes a field per parent).
            entry = proto_tree_add_string_format(tree, hf_imup_list_user, tvb, offset, 4 + name_length, name,
                                                 "User %u: %s (%s)", id, name, status);
        } else {
            entry = proto_tree_add_item(tree, hf_imup_user, tvb, offset, 4 + name_length, ENC_NA);
            proto_item_set_text(entry, "User %u: %s (%s)", id, name, status);
            proto_tree *sub = proto_item_add_subtree(entry, ett_imup_user);
            proto_tree_add_item(sub, hf_imup_user_status, tvb, offset, 4, ENC_BIG_ENDIAN);
            proto_tree_add_item(sub, hf_imup_user_id, tvb, offset, 4, ENC_BIG_ENDIAN);
            proto_tree_add_item(sub, hf_imup_user_name_length, tvb, offset, 4, ENC_BIG_ENDIAN);
            add_name(tvb, pinfo, sub, msg, hf_imup_user_name, tvb_get_ptr(tvb, offset + 4, name_length),
                     offset + 4, name_length);
        }
        if (!first && id <= previous_id)
            expert_add_info_format(pinfo, entry, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                                   "User ids are not in increasing order (%u after %u)", id, previous_id);
        previous_id = id;
        first = FALSE;
        offset += 4 + name_length;
    }
}

void imup_dissect_text(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, imup_message *msg)
{
    gint length = tvb_captured_length_remaining(tvb, TEXT_OFFSET);
    if (!msg->known_type) {
        // Unknown types have no grammar: the bytes, as they are.
        if (length > 0)
            proto_tree_add_item(tree, hf_imup_text, tvb, TEXT_OFFSET, -1, ENC_UTF_8);
        return;
    }
    if (length <= 0) {
        // An empty page is a valid list of no users (§11: *user-entry).
        msg->user_list_valid = msg->type == IMUP_USER_LIST;
        // Types whose text is not optional say so.
        switch (msg->type) {
        case IMUP_CONNEXION: case IMUP_CONNEXION_INVALIDE: case IMUP_RELAY: case IMUP_MODE_OFFER:
        case IMUP_GROUP_CLOSED: case IMUP_UNKNOWN_RECIPIENT: case IMUP_CROSSES_ROOMS:
        case IMUP_GROUP_ENDED: case IMUP_LIMIT_REACHED: case IMUP_MESSAGE: case IMUP_INVITATION:
            expert_add_info_format(pinfo, proto_tree_get_parent(tree),
                                   imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                                   "No text, where this type needs one");
            break;
        default:
            break;
        }
        return;
    }
    const guint8 *text = tvb_get_ptr(tvb, TEXT_OFFSET, length);

    if (msg->type == IMUP_USER_LIST) {
        if (imup_user_entries_valid(tvb, TEXT_OFFSET, length, &msg->user_count)) {
            msg->user_list_valid = TRUE;
            imup_dissect_user_entries(tvb, pinfo, tree, TEXT_OFFSET, length, msg, FALSE);
        } else {
            proto_item *item = proto_tree_add_item(tree, hf_imup_text, tvb, TEXT_OFFSET, length, ENC_UTF_8);
            expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                                   "User list is not a list of user entries (a text form?); shown as text");
        }
        return;
    }

    proto_item *text_item = proto_tree_add_item(tree, hf_imup_text, tvb, TEXT_OFFSET, length, ENC_UTF_8);
    msg->text_tvb = tvb;
    msg->text = text;
    msg->text_captured = length;
    msg->text_is_utf8 = g_utf8_validate(reinterpret_cast<const gchar *>(text), length, NULL);
    if (!msg->text_is_utf8)
        expert_add_info_format(pinfo, text_item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                               "Text is not valid UTF-8");
    proto_tree *fields_tree = proto_item_add_subtree(text_item, ett_imup_text);
    text_fields fields = split_fields(tvb, pinfo, fields_tree, msg, text, length);
    const text_field *f = fields.items;

    switch (msg->type) {
    case IMUP_CONNEXION:
    case IMUP_DECONNEXION:  // the name is required to connect, optional to leave
        report_field_count(pinfo, text_item, msg, fields.count, msg->type == IMUP_CONNEXION ? 1 : 0, 1,
                           "user name");
        if (fields.count >= 1) {
            check_terminator(pinfo, text_item, msg, f[0]);
            msg->name = add_name(tvb, pinfo, fields_tree, msg, hf_imup_user_name, text + (f[0].offset - TEXT_OFFSET), f[0].offset, f[0].length);
        }
        break;
    case IMUP_LIST_REQUEST:
        report_field_count(pinfo, text_item, msg, fields.count, 0, 1, "start user id");
        if (fields.count >= 1) {
            proto_item *item;
            if (parse_decimal(text + (f[0].offset - TEXT_OFFSET), f[0].length, 4, IMUP_MAX_USER_ID,
                              &msg->list_start_id)) {
                item = proto_tree_add_uint(fields_tree, hf_imup_list_start_id, tvb, f[0].offset, f[0].length,
                                           msg->list_start_id);
                msg->list_request_has_start = TRUE;
            } else {
                item = proto_tree_add_item(fields_tree, hf_imup_text_field, tvb, f[0].offset, f[0].length, ENC_UTF_8);
                expert_add_info_format(pinfo, item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                                       "Start id is not a user id (0..1023)");
            }
            check_terminator(pinfo, item, msg, f[0]);
        }
        break;
    case IMUP_ACCEPT: case IMUP_REFUSE: case IMUP_LEAVE: case IMUP_ACK: case IMUP_PROBE:
        expert_add_info_format(pinfo, text_item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                               "Text on a type whose text is empty");
        break;
    case IMUP_CONNEXION_INVALIDE: case IMUP_MODE_OFFER: case IMUP_GROUP_CLOSED:
    case IMUP_UNKNOWN_RECIPIENT: case IMUP_CROSSES_ROOMS: case IMUP_GROUP_ENDED: case IMUP_LIMIT_REACHED:
        report_field_count(pinfo, text_item, msg, fields.count, 1, 1, "reason");
        if (fields.count >= 1)
            msg->reason = add_field(tvb, pinfo, fields_tree, msg, hf_imup_reason, f[0]);
        break;
    case IMUP_RELAY:
        if (fields.count == 1)
            expert_add_info_format(pinfo, text_item, imup_expert_counted(msg, IMUP_EXPERT_MALFORMED_TEXT),
                                   "Missing field: original sender (a one-field relayed message)");
        else
            report_field_count(pinfo, text_item, msg, fields.count, 2, 3, "message");
        if (fields.count >= 1)
            msg->message = add_field(tvb, pinfo, fields_tree, msg, hf_imup_message, f[0]);
        if (fields.count >= 2) {
            check_terminator(pinfo, text_item, msg, f[1]);
            msg->sender = add_name(tvb, pinfo, fields_tree, msg, hf_imup_sender, text + (f[1].offset - TEXT_OFFSET), f[1].offset, f[1].length);
        }
        if (fields.count >= 3) {
            check_terminator(pinfo, text_item, msg, f[2]);
            msg->recipient = add_name(tvb, pinfo, fields_tree, msg, hf_imup_recipient, text + (f[2].offset - TEXT_OFFSET), f[2].offset, f[2].length);
        }
        break;
    case IMUP_GROUP_UPDATE:
        dissect_member_lines(tvb, pinfo, fields_tree, msg, text, fields);
        break;
    case IMUP_MESSAGE:
        report_field_count(pinfo, text_item, msg, fields.count, 1, 2, "message");
        if (fields.count >= 1)
            msg->message = add_field(tvb, pinfo, fields_tree, msg, hf_imup_message, f[0]);
        if (fields.count >= 2) {
            check_terminator(pinfo, text_item, msg, f[1]);
            msg->recipient = add_name(tvb, pinfo, fields_tree, msg, hf_imup_recipient, text + (f[1].offset - TEXT_OFFSET), f[1].offset, f[1].length);
        }
        break;
    case IMUP_INVITATION:
        report_field_count(pinfo, text_item, msg, fields.count, 1, 1, "member list");
        if (fields.count >= 1) {
            check_terminator(pinfo, text_item, msg, f[0]);
            dissect_invitation(tvb, pinfo, fields_tree, msg, text, f[0]);
        }
        break;
    case IMUP_CHOOSE_MODE:
        report_field_count(pinfo, text_item, msg, fields.count, 0, 1, "mode");
        if (fields.count >= 1)
            dissect_mode_text(tvb, pinfo, fields_tree, msg, text, f[0]);
        break;
    default:
        break;
    }
}

void imup_text_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_imup_text, { "Text", "imup.text", FT_STRING, BASE_NONE, NULL, 0x0,
          "All the bytes after the header", HFILL } },
        { &hf_imup_text_field, { "Unreadable field", "imup.text.field", FT_STRING, BASE_NONE, NULL, 0x0,
          "A field of the text that its type's grammar cannot read, shown as it is", HFILL } },
        { &hf_imup_message, { "Message", "imup.message", FT_STRING, BASE_NONE, NULL, 0x0,
          "The text a user sends (types 9 and 18)", HFILL } },
        { &hf_imup_sender, { "Original sender", "imup.sender", FT_STRING, BASE_NONE, NULL, 0x0,
          "The user who sent the message the server relays", HFILL } },
        { &hf_imup_recipient, { "Recipient", "imup.recipient", FT_STRING, BASE_NONE, NULL, 0x0,
          "The one user a direct message goes to", HFILL } },
        { &hf_imup_member, { "Member", "imup.member", FT_STRING, BASE_NONE, NULL, 0x0,
          "A member of the group: a member line of a group update, or a name an invitation lists", HFILL } },
        { &hf_imup_member_addr, { "Member address", "imup.member.addr", FT_IPv4, BASE_NONE, NULL, 0x0,
          "The IPv4 address a decentralized group's member is reached at", HFILL } },
        { &hf_imup_member_port, { "Member port", "imup.member.port", FT_UINT16, BASE_DEC, NULL, 0x0,
          "The UDP port a decentralized group's member is reached at", HFILL } },
        { &hf_imup_inviter, { "Inviter", "imup.inviter", FT_STRING, BASE_NONE, NULL, 0x0,
          "The member who opened the group (first name of a relayed invitation)", HFILL } },
        { &hf_imup_reason, { "Reason", "imup.reason", FT_STRING, BASE_NONE, NULL, 0x0,
          "Free text for people", HFILL } },
        { &hf_imup_invite_text, { "Invitation text", "imup.invite_text", FT_STRING, BASE_NONE, NULL, 0x0,
          "The free text after the names of an invitation", HFILL } },
        { &hf_imup_mode_text, { "Mode text", "imup.mode_text", FT_STRING, BASE_NONE, NULL, 0x0,
          "centralise or decentralise; the mode bits win", HFILL } },
        { &hf_imup_list_start_id, { "Start at user id", "imup.list.start_id", FT_UINT32, BASE_DEC, NULL, 0x0,
          "The first user id of the page asked for", HFILL } },
        { &hf_imup_user, { "User entry", "imup.user", FT_NONE, BASE_NONE, NULL, 0x0,
          "One user of a user list page: status, id and name", HFILL } },
        { &hf_imup_user_status, { "Status", "imup.user.status", FT_UINT32, BASE_DEC,
          VALS(imup_user_status_vals), 0xC0000000, "Whether the user is in the public room or a private group",
          HFILL } },
        { &hf_imup_user_id, { "User id", "imup.user.id", FT_UINT32, BASE_DEC, NULL, 0x3FF00000,
          "The slot number the server gave the user (0 to 1023)", HFILL } },
        { &hf_imup_user_name_length, { "Name length", "imup.user.name_length", FT_UINT32, BASE_DEC, NULL,
          0x000FFFFF, "Bytes of the name that follows the entry's word", HFILL } },
        { &hf_imup_user_name, { "User name", "imup.user.name", FT_STRING, BASE_NONE, NULL, 0x0,
          "A user's name: asked for by a Connexion, of a member line or of a user entry", HFILL } },
        { &hf_imup_list_user, { "Joined user", "imup.list.user", FT_STRING, BASE_NONE, NULL, 0x0,
          "A user of the joined list: the name of an entry of one of the listing's pages", HFILL } },
    };
    static gint *ett[] = { &ett_imup_text, &ett_imup_member, &ett_imup_user };
    proto_register_field_array(proto, hf, G_N_ELEMENTS(hf));
    proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
}
