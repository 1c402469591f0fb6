#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# IPv6 endpoints are tracked by their whole address: two clients on the same
# port of two IPv6 addresses keep their own requests, answers and users.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture ipv6.txt)
expect_equal "every datagram is IMUP over IPv6" "1,2,3,4,5,6,7,8,9,10,11,12" "$(frames_matching "$pcap" "ipv6 && imup")"
expect_equal "each answer is linked to its own client's request" "2,1,5,7,9,11" \
    "$(fields_of "$pcap" imup.answer.request_in , 3 4 6 8 10 12)"
expect_equal "each request to its answer" "4,3,6,8,10,12" \
    "$(fields_of "$pcap" imup.request.answer_in , 1 2 5 7 9 11)"
expect_equal "no datagram is taken for a resend" "" "$(frames_with "$pcap" imup.retransmission)"
expect_equal "no answer is unexpected" "" "$(frames_with "$pcap" imup.unexpected_answer)"
expect_equal "no session rule fires" "" "$(frames_with "$pcap" imup.not_connected)"
expect_equal "the users behind the senders" "Sheng,Lucy,Sheng,Lucy" "$(fields_of "$pcap" imup.src.user , 5 7 9 11)"
expect_equal "the Deconnexion's ACK still names its user, and only a's" "Sheng,Lucy" \
    "$(fields_of "$pcap" imup.dst.user , 10 12)"
finish
