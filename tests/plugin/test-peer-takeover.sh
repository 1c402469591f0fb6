#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Member lines set up peer conversations only where no other dissector owns
# the conversation: a TFTP transfer between two members stays TFTP.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture peer-takeover.txt)
expect_equal "the group update is IMUP" "2" "$(frames_matching "$pcap" imup)"
expect_equal "the TFTP transfer between the members stays TFTP" "1,3,4" "$(frames_matching "$pcap" tftp)"
expect_equal "no peer conversation is set up over TFTP's" "" "$(field_of "$pcap" 2 imup.peer.conversations)"
finish
