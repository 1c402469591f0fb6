#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `tshark -z imup,tree` counts messages by type, direction, error and user;
# `tshark -z imup,srt` gives the response time of each request type.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture section5.txt)
ts -r "$pcap" -q -z imup,tree > "$WORK/tree.txt" 2>&1
# row NAME: the count column of the stats tree's row NAME.
row() {
    awk -v name="$1" '{ line = $0; sub(/^ +/, "", line); n = split(line, w, /  +/); if (w[1] == name) { print w[2]; exit } }' "$WORK/tree.txt"
}
expect_equal "messages in all" "38" "$(row 'Messages by type')"
expect_equal "ACKs" "12" "$(row ACK)"
expect_equal "Messages" "6" "$(row Message)"
expect_equal "client to server" "18" "$(row 'Client to server')"
expect_equal "server to client" "20" "$(row 'Server to client')"
expect_equal "bad_length errors" "1" "$(row bad_length)"
expect_equal "length_literal notes" "1" "$(row length_literal)"
expect_equal "malformed texts" "20" "$(row malformed_text)"
expect_equal "retransmissions" "1" "$(row 'Retransmissions by type')"
expect_equal "datagrams of user Sheng" "23" "$(row Sheng)"

ts -r "$pcap" -q -z imup,srt > "$WORK/srt.txt" 2>&1
expect_equal "response times of Message requests: calls, min, max" "5 0.100000 2.600000" \
    "$(awk '$2 == "Message" { print $3, $4, $5 }' "$WORK/srt.txt")"
expect_equal "response times of Connect requests: calls" "2" \
    "$(awk '$2 == "Connect" { print $3 }' "$WORK/srt.txt")"
finish
