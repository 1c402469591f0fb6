#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The plugin loads from a plugin folder and registers what issue 5 names: the
# protocol, every field and expert info, port 2017 for Decode As, the
# heuristic, the preferences and the statistics.
. "$(dirname "$0")/lib.sh"

ts -G plugins 2>/dev/null > "$WORK/plugins.txt"
if grep -q "^imup.so[[:space:]].*dissector" "$WORK/plugins.txt"; then
    pass "tshark -G plugins lists imup.so as a dissector"
else
    fail "imup.so missing from tshark -G plugins"
fi
# 4.4 and later add columns after these three (enabled, enabled by default, ...).
expect_equal "protocol names" "Instant Messaging over UDP Protocol	IMUP	imup" \
    "$(ts -G protocols 2>/dev/null | cut -f1-3 | grep -P '\timup$')"
expect_equal "UDP port 2017 by default (Decode As)" "udp.port	2017	imup" \
    "$(ts -G decodes 2>/dev/null | grep -P '\timup$')"
expect_equal "heuristic on UDP, enabled" "udp	imup	T" \
    "$(ts -G heuristic-decodes 2>/dev/null | cut -f1-3 | grep -P '\timup\t')"

ts -G fields 2>/dev/null | cut -f3 > "$WORK/fields.txt"
for field in imup.seq imup.type imup.length imup.reserved imup.state imup.mode imup.list.more imup.text \
    imup.user.name imup.message imup.sender imup.recipient imup.member imup.inviter imup.reason \
    imup.member.addr imup.member.port imup.user.status imup.user.id imup.user.name_length \
    imup.request.answer_in imup.answer.request_in imup.answer.time imup.request.retransmission_of \
    imup.seq.full imup.src.user imup.dst.user imup.group.members imup.group.mode imup.peer.setup_frame \
    imup.list.page_in imup.list.users \
    imup.bad_length imup.length_convention_changed imup.reserved_set imup.bad_state_mode \
    imup.unknown_type imup.malformed_text imup.limit_exceeded imup.wrong_direction \
    imup.retransmission imup.retransmit_too_soon imup.unanswered imup.unexpected_answer \
    imup.length_literal imup.duplicate_answer imup.mode_text_mismatch imup.truncated imup.too_many_tries; do
    if grep -qx "$field" "$WORK/fields.txt"; then
        pass "field $field"
    else
        fail "field $field is not registered"
    fi
done

# Every field says what it is, and no two fields share a label (expert infos,
# registered by Wireshark as FT_NONE fields without a blurb, aside).
ts -G fields 2>/dev/null | awk -F '\t' '$1 == "F" && $5 == "imup"' > "$WORK/imup-fields.txt"
expect_equal "every field has a blurb" "" \
    "$(awk -F '\t' '$8 == "" && !($4 == "FT_NONE" && $6 == "") { print $3 }' "$WORK/imup-fields.txt" | tr '\n' ' ')"
expect_equal "no blurb cites a section number instead of saying what the field is" "" \
    "$(awk -F '\t' '$8 ~ /PROTOCOL|section/ { print $3 }' "$WORK/imup-fields.txt" | tr '\n' ' ')"
expect_equal "no label names two fields" "" \
    "$(awk -F '\t' '{ print $2 "\t" $3 }' "$WORK/imup-fields.txt" | sort -u | cut -f1 | sort | uniq -d | tr '\n' ' ')"

ts -G currentprefs 2>/dev/null > "$WORK/prefs.txt"
for pref in imup.length_convention imup.min_retransmit_ms imup.max_tries; do
    if grep -q "^#$pref:" "$WORK/prefs.txt"; then pass "preference $pref"; else fail "preference $pref missing"; fi
done
# The heuristic is switched by Wireshark's own heuristic switch, not by a preference.
expect_equal "no preference of our own duplicates the heuristic's switch" "" \
    "$(grep -o '^#imup.try_heuristic:' "$WORK/prefs.txt")"
"$IMUP_PCAP_WRITER" noise 1 1 30000 "$WORK/one.pcap" 2>/dev/null
chmod a+r "$WORK/one.pcap"
if ts -r "$WORK/one.pcap" -o imup.udp.port:2017,4000 -q 2>/dev/null; then
    pass "preference imup.udp.port takes a range"
else
    fail "imup.udp.port rejected a range"
fi
if ts -r "$WORK/one.pcap" -o imup.min_retransmit_ms:soon -q 2>/dev/null; then
    fail "a bad preference value is accepted"
else
    pass "a bad preference value is refused"
fi
ts -z help 2>&1 | grep -q "imup,tree" && pass "-z imup,tree exists" || fail "-z imup,tree missing"
ts -z help 2>&1 | grep -q "imup,srt" && pass "-z imup,srt exists" || fail "-z imup,srt missing"
finish
