#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# One rule of the plugin's own reading that imup-verify also checks: the
# session, group and peer rules (PROTOCOL.md §5, §6.1, §9, §10, D19), the
# numbering, window, answer-cache and tries rules (§6, §7, §14) and the user
# list's paging (§11). A crafted capture that breaks it (captures/sessions/ or
# captures/rules/SCRIPT.txt, with clean exchanges around the faulty ones) gets
# the plugin's imup.RULE expert info on exactly FRAMES, and imup-verify's code
# RULE on the same frames: the two independent readings check each other. The
# plugin finds nothing else that imup-verify does not find too (and the other
# way round); the expert has the SEVERITY/GROUP imup-verify's severity asks
# for (default Error/Protocol); and the same frames are flagged in one pass,
# in two, and without a tree (-z imup,tree). PASSES "two" is a rule only the
# whole capture shows (the end of it): flagged with two passes (tshark -2, the
# GUI), not in a single one.
#   test-sessions.sh RULE FRAMES [SEVERITY/GROUP] [PASSES] [SCRIPT]
#   e.g. test-sessions.sh not_connected 7,13,17
#        test-sessions.sh list_incomplete 4 Warning/Protocol two list-incomplete-at-end
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sessions-lib.sh"

rule=${1:?usage: test-sessions.sh RULE FRAMES [SEVERITY/GROUP] [PASSES] [SCRIPT]}
want=${2:?usage: test-sessions.sh RULE FRAMES [SEVERITY/GROUP] [PASSES] [SCRIPT]}
class=${3:-Error/Protocol}
passes=${4:-one}
pcap=$(craft "${5:-$(echo "$rule" | tr _ -)}")

plugin=$(plugin_findings "$pcap")
verify=$(verify_findings "$pcap")
expect_equal "imup.$rule on frames $want" "$want" "$(findings_of "$rule" "$plugin")"
expect_equal "imup-verify's $rule on the same frames" "$want" "$(findings_of "$rule" "$verify")"
expect_equal "no other finding in the plugin but imup-verify's" \
    "$(printf '%s\n' "$verify" | awk -v r="$rule" '$1 != r' | grep .)" \
    "$(printf '%s\n' "$plugin" | awk -v r="$rule" '$1 != r' | grep .)"
expect_equal "the plugin and imup-verify find the same" "$verify" "$plugin"

expect_equal "two passes flag the same frames" "$want" "$(frames_matching "$pcap" "imup.$rule")"
one_pass=$(ts -r "$pcap" -Y "imup.$rule" -T fields -e frame.number 2>/dev/null | paste -sd, -)
if [ "$passes" = two ]; then
    expect_equal "a single pass cannot know it yet (the capture's end)" "" "$one_pass"
else
    expect_equal "and tshark without -2" "$want" "$one_pass"
fi
count=$(echo "$want" | tr ',' '\n' | grep -c .)
# The severity and group of each imup.RULE expert info (PDML nests the
# expert's own field, then its severity and group, in its _ws.expert).
classes=$(ts -r "$pcap" -2 -T pdml -Y "imup.$rule" 2>/dev/null | awk -v f="imup.$rule" '
    index($0, "<field name=\"" f "\"") { inside = 1; next }
    inside && /name="_ws.expert.severity"/ { sub(/.*showname="Severity level: /, ""); sub(/".*/, ""); severity = $0; next }
    inside && /name="_ws.expert.group"/ { sub(/.*showname="Group: /, ""); sub(/".*/, ""); print severity "/" $0; inside = 0 }')
expect_equal "each is a $class expert info" "$class" "$(printf '%s\n' "$classes" | sort -u | paste -sd, -)"
ts -r "$pcap" -2 -q -z imup,tree > "$WORK/tree.txt" 2>&1
expect_equal "-z imup,tree counts them without a tree" "$count" \
    "$(awk -v r="$rule" '{ line = $0; sub(/^ +/, "", line); split(line, w, /  +/); if (w[1] == r) { print w[2]; exit } }' "$WORK/tree.txt")"
finish
