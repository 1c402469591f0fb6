#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Full sequence numbers across the 10-bit wrap, as packet-tftp.c extends block
# numbers: links and retransmissions stay right on both sides of the wrap.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture sequence-wrap.txt)
full() {
    ts -r "$pcap" -2 -Y "$1" -T fields -e imup.seq.full 2>/dev/null | paste -sd, -
}
expect_equal "client requests count on past 1023" "1020,1021,1022,1023,1024,1025,1025,1425,1825,2225,2625,3025,3073" \
    "$(full 'imup.direction == 1 && imup.type != 8')"
expect_equal "answers carry their request's full number" "1020,1021,1022,1023,1024,1025,1425,1825,2225,2625,3025,3073" \
    "$(full 'imup.direction == 2 && imup.type == 8')"
expect_equal "the server's own counter wraps too" "1023,1024" "$(full 'imup.type == 9')"
expect_equal "the request just after the wrap links to its ACK" "10" "$(field_of "$pcap" 9 imup.request.answer_in)"
expect_equal "and the ACK back" "9" "$(field_of "$pcap" 10 imup.answer.request_in)"
expect_equal "the resend after the wrap is a retransmission of frame 11" "11" "$(field_of "$pcap" 12 imup.request.retransmission_of)"
expect_equal "both copies link to the one answer" "13,13" \
    "$(fields_of "$pcap" imup.request.answer_in ',' 11 12)"
expect_equal "the client's ACK to the wrapped relay" "16" "$(field_of "$pcap" 17 imup.answer.request_in)"
expect_equal "seq 1 again, 2048 requests later, is a new request" "" "$(frames_matching "$pcap" 'imup.retransmission && frame.number > 12')"
expect_equal "no unexpected answers" "" "$(frames_with "$pcap" imup.unexpected_answer)"
finish
