#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Member lines set up peer conversations only where no other dissector owns
# the conversation: a TFTP transfer between two members stays TFTP.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture peer-takeover.txt)
expect_equal "the group update is IMUP" "2" "$(frames_matching "$pcap" imup)"
# Which frames TFTP claims is TFTP's own business (4.6 no longer takes the ACK
# after a last data block, 4.0 and 4.4 do): IMUP must change none of them.
baseline=$(frames_matching "$pcap" tftp --disable-protocol imup)
case "$baseline" in
    1,3|1,3,4) pass "TFTP alone claims frames $baseline" ;;
    *) fail "TFTP alone claims frames [$baseline], not the read request and the data block" ;;
esac
expect_equal "the TFTP transfer between the members stays TFTP" "$baseline" "$(frames_matching "$pcap" tftp)"
expect_equal "no peer conversation is set up over TFTP's" "" "$(field_of "$pcap" 2 imup.peer.conversations)"
finish
