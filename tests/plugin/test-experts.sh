#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Each expert info of the issue fires on the datagram built to trigger it, and
# nowhere else in the capture.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture experts.txt)

check() {
    expect_equal "imup.$1" "$2" "$(frames_with "$pcap" "imup.$1")"
}
check bad_length 3,26
check length_literal 20
check length_convention_changed 20
check reserved_set 5
check bad_state_mode 7
check unknown_type 9
check malformed_text 10,26
check limit_exceeded 12
check wrong_direction 14
check retransmission 16
check retransmit_too_soon 16
check unanswered 14,18
check unexpected_answer 19,26
check duplicate_answer 22
check mode_text_mismatch 23
check truncated 25
# Frame 23's Choose mode had no mode offer before it (PROTOCOL.md §9.2): its ACK
# accepts a group that was never offered (imup-sessions.cpp).
check group_without_offer 24

expect_equal "only the truncated datagram is a malformed packet" "25" "$(frames_matching "$pcap" _ws.malformed)"
expect_equal "clean datagrams carry no expert info" "" \
    "$(frames_matching "$pcap" 'frame.number in {1,2,4,6,8,11,13,15,17,21} && _ws.expert')"
expect_equal "the retransmission points at the first copy" "15" "$(field_of "$pcap" 16 imup.request.retransmission_of)"
expect_equal "the duplicate answer points at the first answer" "21" "$(field_of "$pcap" 22 imup.answer.duplicate_of)"
expect_equal "the duplicate answer still links to its request" "20" "$(field_of "$pcap" 22 imup.answer.request_in)"
expect_equal "a too-short datagram reads as truncated in Info" \
    "Truncated datagram (shorter than the 4-byte header)" "$(field_of "$pcap" 25 _ws.col.Info)"

# The length preference: "n" makes the literal count conforming and n-1 the error.
expect_equal "length_convention=n flags n-1 fields instead" "1,6,7,10,14,15,16,18,23" \
    "$(frames_matching "$pcap" 'imup.bad_length && frame.number != 3 && frame.number != 26' -o imup.length_convention:n)"
expect_equal "min_retransmit_ms=400 accepts a resend after 0.5 s" "" \
    "$(frames_matching "$pcap" imup.retransmit_too_soon -o imup.min_retransmit_ms:400)"
finish
