#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Member lines of a type 11 set up conversations, so the members' direct
# datagrams decode as IMUP on their own ports, showing the frame that set them up.
. "$(dirname "$0")/lib.sh"

pcap=$(make_capture decentralized.txt)

expect_equal "peer datagrams decode as IMUP" "19,20,21,22,23,24,26" \
    "$(frames_matching "$pcap" 'imup && frame.number >= 19')"
expect_equal "they are peer to peer" "19,20,21,22,23,24,26" "$(frames_matching "$pcap" 'imup.direction == 3')"
expect_equal "each shows the type 11 that set it up" "19,20,21,22,23,24,26" \
    "$(frames_matching "$pcap" 'imup.peer.setup_frame == 15')"
expect_equal "frame 15 set up the three pairs" "3" "$(field_of "$pcap" 15 imup.peer.conversations)"
expect_equal "frame 17 repeats the list and sets up nothing new" "" "$(field_of "$pcap" 17 imup.peer.conversations)"
expect_equal "member names" "Sheng,Lucy,Bob" "$(field_of "$pcap" 15 imup.member)"
expect_equal "peer names" "Sheng,Lucy,Bob" "$(field_of "$pcap" 15 imup.user.name)"
expect_equal "peer addresses" "127.0.0.2,127.0.0.3,127.0.0.4" "$(field_of "$pcap" 15 imup.member.addr)"
expect_equal "peer ports" "40001,40002,40003" "$(field_of "$pcap" 15 imup.member.port)"
expect_equal "a peer's ACK answers its message" "20" "$(field_of "$pcap" 19 imup.request.answer_in)"
expect_equal "peers are named by their Connexion" "Sheng|Lucy" \
    "$(field_of "$pcap" 19 imup.src.user)|$(field_of "$pcap" 19 imup.dst.user)"
expect_equal "the group's mode is decentralized" "1" "$(field_of "$pcap" 19 imup.group.mode)"
expect_equal "the group's members" "Sheng,Lucy,Bob" "$(field_of "$pcap" 19 imup.group.members)"
expect_equal "Info reads like the ladder" 'Message (private, decentralized) seq=0 "Salut"' \
    "$(field_of "$pcap" 19 _ws.col.Info)"
expect_equal "the relayed invitation names its inviter" "Sheng" "$(field_of "$pcap" 13 imup.inviter)"
expect_equal "and the invited members, the inviter not among them" "Lucy" "$(field_of "$pcap" 13 imup.member)"
expect_equal "a non-member's datagram is not taken for IMUP" "" "$(frames_matching "$pcap" 'imup && frame.number == 25')"
expect_equal "only 18 and 8 travel between peers" "26" "$(frames_matching "$pcap" 'imup.wrong_direction')"
expect_equal "every answer answers a request" "" "$(frames_matching "$pcap" 'imup.unexpected_answer')"
finish
