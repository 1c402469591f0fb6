#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Conversations and endpoints by user (plugin/imup-conversations.cpp, issue
# 16): `-z conv,imup` and `-z endpoints,imup` list section 5's parties with
# the counts that display filters on the tracker's own fields give, and
# `-z imup_parties,tree` their requests and retransmissions.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture section5.txt)

# count FILTER: how many frames match.
count() {
    ts -r "$pcap" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l | tr -d ' '
}
# bytes FILTER: the frames' bytes together.
bytes() {
    ts -r "$pcap" -Y "$1" -T fields -e frame.len 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

sheng='(imup.src.user == "Sheng" || imup.dst.user == "Sheng")'
lucy='ip.addr == 127.0.0.3'
unbound='ip.addr == 127.0.0.2 && !imup.src.user && !imup.dst.user'

# The conversation table: "A <-> B" rows; the words "bytes" dropped (4.4
# writes sizes as "556 bytes" too), the total frames and bytes are fields 7 and 8.
ts -r "$pcap" -q -z conv,imup 2>&1 | awk '$2 == "<->" { gsub(/ bytes/, ""); print }' > "$WORK/conv.txt"
conv_total() {
    awk -v a="$1" -v b="$2" '($1 == a && $3 == b) || ($1 == b && $3 == a) { print $8, $9 }' "$WORK/conv.txt"
}
expect_equal "conversations: three pairs" "3" "$(wc -l < "$WORK/conv.txt" | tr -d ' ')"
expect_equal "conversations: Sheng and the server, frames and bytes" "$(count "$sheng") $(bytes "$sheng")" \
    "$(conv_total Sheng server)"
expect_equal "conversations: Sheng's 23 datagrams" "23" "$(conv_total Sheng server | cut -d' ' -f1)"
expect_equal "conversations: Lucy's endpoint (no user in the capture) and the server" \
    "$(count "$lucy") $(bytes "$lucy")" "$(conv_total 127.0.0.3:40002 server)"
expect_equal "conversations: the endpoint before its Connect was accepted" \
    "$(count "$unbound") $(bytes "$unbound")" "$(conv_total 127.0.0.2:40001 server)"

# The endpoint table: party, packets, bytes, tx packets, tx bytes, rx packets,
# rx bytes (4.4 and 4.6 write the sizes as "2096 bytes"; 4.0 as "2096").
ts -r "$pcap" -q -z endpoints,imup 2>&1 | awk '{ gsub(/ bytes/, "") } NF == 7 && $2 ~ /^[0-9]+$/' > "$WORK/endpoints.txt"
endpoint() {
    awk -v a="$1" '$1 == a { print $2, $3, $4, $6 }' "$WORK/endpoints.txt"
}
expect_equal "endpoints: four parties" "4" "$(wc -l < "$WORK/endpoints.txt" | tr -d ' ')"
expect_equal "endpoints: the server in every datagram" "$(count imup) $(bytes imup) $(count 'imup.direction == 2') $(count 'imup.direction == 1')" \
    "$(endpoint server)"
expect_equal "endpoints: Sheng, sent and received" \
    "$(count "$sheng") $(bytes "$sheng") $(count 'imup.src.user == "Sheng"') $(count 'imup.dst.user == "Sheng"')" \
    "$(endpoint Sheng)"
expect_equal "endpoints: Lucy's endpoint" "$(count "$lucy") $(bytes "$lucy") $(count 'ip.src == 127.0.0.3') $(count 'ip.dst == 127.0.0.3')" \
    "$(endpoint 127.0.0.3:40002)"

# The conversation filter the GUI builds (A <-> B) selects the same frames.
expect_equal "the GUI's filter for Sheng <-> server" "$(count "$sheng")" \
    "$(count 'imup.party == "Sheng" && imup.party == "server"')"

# What the table has no column for: requests (first copies) and retransmissions.
ts -r "$pcap" -q -z imup_parties,tree > "$WORK/tree.txt" 2>&1
# tree_row PARENT CHILD: the count of CHILD under the row PARENT.
tree_row() {
    awk -v parent="$1" -v child="$2" '{ line = $0; sub(/^ +/, "", line); n = split(line, w, /  +/)
        if (w[1] == parent) { inside = 1; next }
        if (inside && substr($0, 1, 2) != "  ") inside = 0
        if (inside && w[1] == child) { print w[2]; exit } }' "$WORK/tree.txt"
}
requests='(imup.type == 1 || imup.type == 3 || imup.type == 4 || imup.type == 7 || imup.type == 9 || imup.type == 11 || imup.type == 12 || imup.type == 13 || imup.type == 18 || imup.type == 19 || imup.type == 20) && !imup.retransmission'
expect_equal "parties tree: Sheng's requests" "$(count "$sheng && $requests")" "$(tree_row 'Sheng <-> server' requests)"
expect_equal "parties tree: Sheng's retransmissions" "$(count "$sheng && imup.retransmission")" \
    "$(tree_row 'Sheng <-> server' retransmissions)"
expect_equal "parties tree: Sheng's one retransmission" "1" "$(tree_row 'Sheng <-> server' retransmissions)"
expect_equal "parties tree: Lucy's endpoint's requests" "$(count "$lucy && $requests")" \
    "$(tree_row '127.0.0.3:40002 <-> server' requests)"
finish
