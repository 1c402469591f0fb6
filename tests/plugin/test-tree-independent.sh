#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Expert infos do not depend on whether a tree is built (README.dissector
# §2.12): a listing whose joined list breaks the id order is flagged the same
# by `-z imup,tree` and `-z expert` (no tree) as by `-V` (a tree).
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture bad-listing.txt)
expect_equal "-V flags the joined list of page 2" "1" \
    "$(ts -r "$pcap" -2 -V 2>/dev/null | grep -c '^ *\[Expert Info.*User ids are not in increasing order (1 after 6)')"

ts -r "$pcap" -2 -q -z imup,tree > "$WORK/tree.txt" 2>&1
expect_equal "-z imup,tree counts the malformed listing without a tree" "1" \
    "$(awk '{ line = $0; sub(/^ +/, "", line); n = split(line, w, /  +/); if (w[1] == "malformed_text") { print w[2]; exit } }' "$WORK/tree.txt")"

ts -r "$pcap" -2 -q -z expert,note > "$WORK/expert.txt" 2>&1
expect_equal "-z expert lists it without a tree" "1" \
    "$(grep -c 'User ids are not in increasing order' "$WORK/expert.txt")"
finish
