#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# One session, group or peer rule (PROTOCOL.md §5, §6.1, §9, §10, D19): a
# crafted capture that breaks it (captures/sessions/RULE.txt, with clean
# exchanges around the faulty ones) gets the plugin's imup.RULE expert info on
# exactly FRAMES, and imup-verify's code RULE on the same frames: the two
# independent readings check each other. No other session expert fires on
# either side; the expert is an error of the Protocol group; and the same
# frames are flagged in one pass, in two, and without a tree (-z imup,tree).
#   test-sessions.sh RULE FRAMES     e.g. test-sessions.sh not_connected 7,13,17
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sessions-lib.sh"

rule=${1:?usage: test-sessions.sh RULE FRAMES}
want=${2:?usage: test-sessions.sh RULE FRAMES}
pcap=$(craft "$(echo "$rule" | tr _ -)")

plugin=$(plugin_findings "$pcap")
verify=$(verify_findings "$pcap")
expect_equal "imup.$rule on frames $want" "$want" "$(findings_of "$rule" "$plugin")"
expect_equal "imup-verify's $rule on the same frames" "$want" "$(findings_of "$rule" "$verify")"
expect_equal "no other session finding in the plugin" "" "$(printf '%s\n' "$plugin" | awk -v r="$rule" '$1 != r' | grep .)"
expect_equal "the plugin and imup-verify find the same" "$verify" "$plugin"

expect_equal "two passes flag the same frames" "$want" "$(frames_matching "$pcap" "imup.$rule")"
expect_equal "and tshark without -2" "$want" \
    "$(ts -r "$pcap" -Y "imup.$rule" -T fields -e frame.number 2>/dev/null | paste -sd, -)"
count=$(echo "$want" | tr ',' '\n' | grep -c .)
expect_equal "each is an error of the Protocol group" "$count" \
    "$(ts -r "$pcap" -2 -V -Y "imup.$rule" 2>/dev/null | grep -c '^ *\[Expert Info (Error/Protocol)')"
ts -r "$pcap" -2 -q -z imup,tree > "$WORK/tree.txt" 2>&1
expect_equal "-z imup,tree counts them without a tree" "$count" \
    "$(awk -v r="$rule" '{ line = $0; sub(/^ +/, "", line); split(line, w, /  +/); if (w[1] == r) { print w[2]; exit } }' "$WORK/tree.txt")"
finish
