#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Expert infos do not depend on whether a tree is built (README.dissector
# §2.12): a listing whose joined list breaks the id order, and a group update
# whose parts join to more than 100 members, are flagged the same by
# `-z imup,tree` and `-z expert` (no tree) as by `-V` (a tree).
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

# The paging rules on the same listing (imup-paging.cpp): page 2, asked for
# from id 7, lists ids 1 and 2 (list_page_order). Shown the same by -V, by
# -z expert without a tree, and found by a display filter without -V in one
# pass (where only the filter's fields are built).
expect_equal "-V flags the page's order" "1" \
    "$(ts -r "$pcap" -2 -V 2>/dev/null | grep -c '^ *\[Expert Info (Error/Protocol): User id 1 on the page asked for from id 7')"
expect_equal "-z expert lists it without a tree" "1" \
    "$(grep -c 'User id 1 on the page asked for from id 7' "$WORK/expert.txt")"
expect_equal "-Y imup.list_page_order finds it in one pass, without -V" "6" \
    "$(ts -r "$pcap" -Y imup.list_page_order -T fields -e frame.number 2>/dev/null | paste -sd, -)"

# Two parts of 60 and 50 member lines: each within the limit, joined over it.
lines() {
    i=$1
    while [ "$i" -le "$2" ]; do
        printf 'u%03d\r\n' "$i"
        i=$((i + 1))
    done | od -An -v -tx1 | tr -s ' \n' '  '
}
cat > "$WORK/big-update.txt" <<SCENARIO
1.000 127.0.0.1:2017 127.0.0.2:40001 seq=00 type=0B len=167 low=8 text: $(lines 1 60)
1.100 127.0.0.1:2017 127.0.0.2:40001 seq=01 type=0B len=12B text: $(lines 61 110)
SCENARIO
"$IMUP_PCAP_WRITER" scenario "$WORK/big-update.txt" "$WORK/big-update.pcap" 2>/dev/null
chmod a+r "$WORK/big-update.pcap"
expect_equal "-V flags the joined member list" "1" \
    "$(ts -r "$WORK/big-update.pcap" -2 -V 2>/dev/null | grep -c '^ *\[Expert Info.*110 members, more than the limit of 100')"
ts -r "$WORK/big-update.pcap" -2 -q -z imup,tree > "$WORK/tree.txt" 2>&1
expect_equal "-z imup,tree counts it without a tree" "1" \
    "$(awk '{ line = $0; sub(/^ +/, "", line); n = split(line, w, /  +/); if (w[1] == "limit_exceeded") { print w[2]; exit } }' "$WORK/tree.txt")"
finish
