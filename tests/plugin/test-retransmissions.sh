#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Retransmissions are linked to their first copy with the time since it and
# since the previous copy, as packet-coap.c does; resends under 2 s and
# duplicate answers are flagged; the Info column says [Retransmission].
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture retransmissions.txt)

expect_equal "retransmissions" "3,6,7,8,11,14,15,16,17,18" "$(frames_with "$pcap" imup.retransmission)"
expect_equal "only the sixth try is one too many" "18" "$(frames_with "$pcap" imup.too_many_tries)"
expect_equal "max_tries=6 allows it" "" "$(frames_matching "$pcap" imup.too_many_tries -o imup.max_tries:6)"
expect_equal "copy numbers" "1,2,3" \
    "$(fields_of "$pcap" imup.request.retransmission_number ',' 6 7 8)"
expect_equal "each points at the first copy" "5,5,5" \
    "$(fields_of "$pcap" imup.request.retransmission_of ',' 6 7 8)"
expect_equal "time since the previous copy (backoff, then too soon)" "2.500000000,5.000000000,1.000000000" \
    "$(fields_of "$pcap" imup.request.since_previous ',' 6 7 8)"
expect_equal "time since the first copy" "8.500000000" "$(field_of "$pcap" 8 imup.request.since_first)"
expect_equal "only the 1-s resend is too soon" "8" "$(frames_with "$pcap" imup.retransmit_too_soon)"
expect_equal "the repeated ACK is a duplicate answer of the first" "2" "$(field_of "$pcap" 4 imup.answer.duplicate_of)"
expect_equal "every copy links to the one answer" "9,9,9,9" \
    "$(fields_of "$pcap" imup.request.answer_in ',' 5 6 7 8)"
expect_equal "response time runs from the first copy" "8.600000000" "$(field_of "$pcap" 9 imup.answer.time)"
expect_equal "Info of a private message" 'Message (private) seq=9 "Rebonjour"' "$(field_of "$pcap" 5 _ws.col.Info)"
expect_equal "Info of its resend" 'Message (private) seq=9 "Rebonjour" [Retransmission]' "$(field_of "$pcap" 6 _ws.col.Info)"
expect_equal "Info of a duplicate answer" "ACK seq=0 [Duplicate answer]" "$(field_of "$pcap" 4 _ws.col.Info)"
expect_equal "Info of a relay" 'Relayed message seq=4 "Coucou" from=Lucy' "$(field_of "$pcap" 10 _ws.col.Info)"
expect_equal "the user is known from the first ACK on" "Sheng" "$(field_of "$pcap" 5 imup.src.user)"
expect_equal "single pass: the same flags without -2" "3,6,7,8,11,14,15,16,17,18" \
    "$(ts -r "$pcap" -Y imup.retransmission -T fields -e frame.number 2>/dev/null | paste -sd, -)"
finish
