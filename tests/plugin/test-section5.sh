#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The draft's section-5 scenario, built from its hex list without the codec,
# decodes with only the two length flags PROTOCOL.md section 13 predicts, and
# field for field as the reviewed golden outputs say.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture section5.txt)

# Length flags: bad_length on "fermer...", the literal count (and the change of
# convention) on "nom de recepteur n'existe pas", nothing else.
expect_equal "bad_length only on 'fermer une messagerie'" "36" "$(frames_with "$pcap" imup.bad_length)"
expect_equal "length_literal only on 'InvalideEnvoie'" "7" "$(frames_with "$pcap" imup.length_literal)"
expect_equal "length_convention_changed only on 'InvalideEnvoie'" "7" \
    "$(frames_with "$pcap" imup.length_convention_changed)"
expect_equal "no other expert on lengths or limits" "" \
    "$(frames_matching "$pcap" 'imup.limit_exceeded || imup.reserved_set || imup.bad_state_mode || imup.unknown_type || imup.wrong_direction || imup.truncated')"
expect_equal "the lost message to Bob is one retransmission, 2.5 s after the first" "6" \
    "$(frames_matching "$pcap" 'imup.retransmission && imup.request.since_previous >= 2 && !imup.retransmit_too_soon')"
expect_equal "every answer answers a request" "" "$(frames_with "$pcap" imup.unexpected_answer)"
expect_equal "only the server's 11, 12 and 13 go unanswered (the draft shows no ACK)" "24,35,36" \
    "$(frames_with "$pcap" imup.unanswered)"
# The session rules, as imup-verify reads captures/section5.pcap (its README):
# Lucy connected before the capture, and the server accepts a public message
# from Sheng while he is in the group.
expect_equal "not_connected once, on the first request to Lucy" "12" "$(frames_with "$pcap" imup.not_connected)"
expect_equal "message_crosses_rooms on the ACK of Sheng's public message" "26" \
    "$(frames_with "$pcap" imup.message_crosses_rooms)"
expect_equal "the draft's text deviations are flagged" "1,2,3,5,6,7,9,10,12,14,16,18,19,20,22,25,27,29,31,36" \
    "$(frames_with "$pcap" imup.malformed_text)"

# The deviations are protocol warnings, not malformed packets: the draft's
# texts are read, only their terminators are off.
expect_equal "_ws.malformed matches no frame" "" "$(frames_matching "$pcap" _ws.malformed)"
expect_equal "-T json names no malformed packet" "0" \
    "$(ts -r "$pcap" -2 -T json 2>/dev/null | grep -c -e '_ws.malformed' -e 'Malformed')"

fields=$(sed 's/^/-e /' "$IMUP_TEST_SOURCE/section5-fields.txt" | tr '\n' ' ')
# shellcheck disable=SC2086
ts -r "$pcap" -2 -T fields -E header=y -E separator='|' -E occurrence=a -E aggregator=, $fields \
    2>&1 | tshark_fields_as_4_0 > "$WORK/fields.txt"
if diff -u "$IMUP_TEST_SOURCE/golden/section5.fields.txt" "$WORK/fields.txt"; then
    pass "-T fields output equals the reviewed golden file"
else
    fail "-T fields output differs from golden/section5.fields.txt"
fi

ts -r "$pcap" -2 -V -O imup 2>&1 | tshark_verbose_as_4_0 > "$WORK/verbose.txt"
# After a deliberate change: run with UPDATE_GOLDEN=1, then review git diff tests/plugin/golden.
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$WORK/fields.txt" "$IMUP_TEST_SOURCE/golden/section5.fields.txt"
    cp "$WORK/verbose.txt" "$IMUP_TEST_SOURCE/golden/section5.verbose.txt"
    echo "golden updated: review git diff $IMUP_TEST_SOURCE/golden"
fi
if diff -u "$IMUP_TEST_SOURCE/golden/section5.verbose.txt" "$WORK/verbose.txt"; then
    pass "-V output equals the reviewed golden file"
else
    fail "-V output differs from golden/section5.verbose.txt"
fi

ts -r "$pcap" -q -z flow,any,network > "$WORK/flow.txt" 2>&1
if grep -q 'Connect seq=1 name=Sheng' "$WORK/flow.txt" && grep -q 'ACK seq=4' "$WORK/flow.txt" &&
    grep -q 'Message seq=2 "Bonjour" \[Retransmission\]' "$WORK/flow.txt"; then
    pass "tshark -z flow,any,network draws the ladder from the Info column"
else
    fail "flow graph lacks the expected Info lines"
    cat "$WORK/flow.txt" >&2
fi
finish
