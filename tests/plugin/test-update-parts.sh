#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A group's member list in several type-11 parts (PROTOCOL.md §9.3, D19), on
# the crafted capture captures/group-update-parts.pcap: bit 3 of type 11 is
# its own "more parts" field (never reserved_set), the parts of one update are
# linked per server->client pair, the last part shows the whole list, and the
# peer conversations come from the completed list.
#   test-update-parts.sh CAPTURE
. "$(dirname "$0")/lib.sh"

src=${1:?usage: test-update-parts.sh captures/group-update-parts.pcap}
pcap="$WORK/group-update-parts.pcap"
cp "$src" "$pcap"
chmod a+r "$pcap"

# Frames: 5,10,16 are the parts to Sheng; 6,11,14(resent),17 the parts to
# Lucy; 9 a probe between two parts; 20-21 Sheng and Lucy (last part), 22-23
# Sheng and member 01 (first part): peer messages and their ACKs.
expect_equal "M is set on every part but the last" "5,6,10,11,14" \
    "$(frames_matching "$pcap" 'imup.update.more == 1')"
expect_equal "the last parts have M clear" "16,17" "$(frames_matching "$pcap" 'imup.update.more == 0')"
expect_equal "bit 3 of type 11 is not a reserved bit" "" "$(frames_matching "$pcap" 'imup.reserved_set')"
expect_equal "no text or limit fault" "" \
    "$(frames_matching "$pcap" 'imup.malformed_text || imup.limit_exceeded || imup.unexpected_answer')"
expect_equal "each part is its own request, ACKed" "7|8|13|15|18|19" \
    "$(fields_of "$pcap" imup.request.answer_in '|' 5 6 10 11 16 17)"
expect_equal "the resent part is a retransmission of part 2" "11" "$(field_of "$pcap" 14 imup.request.retransmission_of)"
expect_equal "part numbers to Sheng" "1|2|3" \
    "$(fields_of "$pcap" imup.update.part '|' 5 10 16)"
expect_equal "part numbers to Lucy, per pair" "1|2|3" \
    "$(fields_of "$pcap" imup.update.part '|' 6 11 17)"
expect_equal "the last part to Sheng links the others" "5,10" "$(field_of "$pcap" 16 imup.update.part_in)"
expect_equal "the first part to Lucy links the others" "11,17" "$(field_of "$pcap" 6 imup.update.part_in)"
expect_equal "the joined list is on the last parts only" "16,17" "$(frames_with "$pcap" imup.update.members)"
expect_equal "the joined list counts 24 members" "24|24" \
    "$(fields_of "$pcap" imup.update.members '|' 16 17)"
joined=$(field_of "$pcap" 16 imup.update.member)
expect_equal "24 member lines joined" "24" "$(echo "$joined" | tr ',' '\n' | grep -c .)"
expect_equal "the joined list starts with the first part's first line" "198.51.100.101:50001" \
    "$(echo "$joined" | cut -d, -f1 | cut -d' ' -f2)"
expect_equal "and ends with the last part's last line" "Lucy 192.0.2.11:40001" \
    "$(echo "$joined" | cut -d, -f24)"
expect_equal "a part with M set leaves the group as it was" "" "$(field_of "$pcap" 10 imup.group.members)"
members=$(field_of "$pcap" 20 imup.group.members)
expect_equal "the group is the whole list once complete" "24" "$(echo "$members" | tr ',' '\n' | grep -c .)"
expect_equal "the last part set up every pair of members" "276" "$(field_of "$pcap" 16 imup.peer.conversations)"
expect_equal "the same list to Lucy sets up nothing new" "" "$(field_of "$pcap" 17 imup.peer.conversations)"
expect_equal "peer datagrams decode as IMUP, peer to peer" "20,21,22,23" \
    "$(frames_matching "$pcap" 'imup.direction == 3')"
expect_equal "each shows the part that completed the list" "20,21,22,23" \
    "$(frames_matching "$pcap" 'imup.peer.setup_frame == 16')"
expect_equal "a member of the first part is named from the joined list" \
    "$(echo "$joined" | cut -d, -f1 | cut -d' ' -f1)" "$(field_of "$pcap" 22 imup.dst.user)"
expect_equal "and its ACK answers Sheng's message" "23" "$(field_of "$pcap" 22 imup.request.answer_in)"
case "$(field_of "$pcap" 5 _ws.col.Info)" in
    "Group update seq=0 [more] members="*) pass "Info marks a part with more to come" ;;
    *) fail "Info of frame 5 does not say [more]: $(field_of "$pcap" 5 _ws.col.Info)" ;;
esac
if ts -r "$pcap" -2 -V -Y "frame.number == 16" 2>/dev/null | grep -q "Joined member list: 24 members in 3 parts"; then
    pass "the joined list is a subtree of the last part"
else
    fail "no 'Joined member list' subtree on the last part"
fi
finish
