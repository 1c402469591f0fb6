#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Following a chat (plugin/imup-follow.cpp, issue 16): `-z follow,imup,ascii,N`
# prints chat N as a transcript; imup.chat == N selects exactly its frames.
# Args: the recorded captures of direct messages and of a peer-to-peer group.
. "$(dirname "$0")/lib.sh"

dm_capture=$1
peer_capture=$2

# transcript PCAP N: the lines of chat N without tshark's byte counts and blank lines.
transcript() {
    ts -r "$1" -q -z "follow,imup,ascii,$2" 2>&1 | grep -v -e '^[[:space:]]*[0-9]*$' -e '^====' -e '^Follow:' -e '^Node '
}
# follow_frames PCAP N: the frames the follow stream holds (its YAML form numbers them).
follow_frames() {
    ts -r "$1" -q -z "follow,imup,yaml,$2" 2>&1 | awk '$2 == "packet:" { print $3 }' | paste -sd, -
}

pcap=$(make_capture section5.txt)

# The public room (chat 0) and the private group (chat 1), in order, with
# their senders and what became of each message.
{ transcript "$pcap" 0; transcript "$pcap" 1; } > "$WORK/follow.txt"
if diff -u "$IMUP_TEST_SOURCE/golden/follow-section5.txt" "$WORK/follow.txt"; then
    pass "section 5: the public room and the private group read as the golden transcripts"
else
    fail "section 5: the transcripts differ from golden/follow-section5.txt"
fi
expect_equal "section 5: two chats, no third" "" "$(follow_frames "$pcap" 2)"
expect_equal "section 5: the public room's frames" "1,2,3,4,5,6,7,10,11,12,13,14,15,16,17,37,38" \
    "$(follow_frames "$pcap" 0)"
expect_equal "section 5: the group's frames" "21,22,23,24,25,26,27,28,29,30,31,32,33,34,36" \
    "$(follow_frames "$pcap" 1)"
for n in 0 1; do
    expect_equal "section 5: imup.chat == $n selects exactly chat $n's frames" "$(follow_frames "$pcap" "$n")" \
        "$(frames_matching "$pcap" "imup.chat == $n")"
done
expect_equal "section 5: what no chat holds (user list, invitation, mode offer and choice, probe)" \
    "8,9,18,19,20,35" "$(frames_matching "$pcap" '!imup.chat')"

# Two endpoints instead of a number: the chat datagrams between them.
expect_equal "section 5: -z follow,imup,ascii,A:P,B:Q holds the chat datagrams between the two" \
    "$(frames_matching "$pcap" 'imup.chat && ip.addr == 127.0.0.3')" \
    "$(ts -r "$pcap" -q -z follow,imup,yaml,127.0.0.3:40002,127.0.0.1:2017 2>&1 | awk '$2 == "packet:" { print $3 }' | paste -sd, -)"

# Direct messages are a chat of their own, and not in the public room.
cp "$dm_capture" "$WORK/dm.pcapng"
chmod a+r "$WORK/dm.pcapng"
dm=$(ts -r "$WORK/dm.pcapng" -Y 'imup.type == 18 && imup.recipient' -T fields -e imup.chat 2>/dev/null | sort -u | paste -sd, -)
expect_equal "direct messages: Lucy's message to Sheng is chat 1" "1" "$dm"
expect_equal "direct messages: the transcript of chat 1" \
"Filter: imup.chat eq 1
00:00:01.517 Lucy -> Sheng: Bonjour Sheng, de Lucy seulement
00:00:01.517   acknowledged by the server (frame 18)
00:00:01.517   relayed to Sheng: Bonjour Sheng, de Lucy seulement (from Lucy)
00:00:01.517   acknowledged by Sheng (frame 20)" "$(transcript "$WORK/dm.pcapng" 1)"
expect_equal "direct messages: the public room shows none of them" "" \
    "$(transcript "$WORK/dm.pcapng" 0 | grep 'de Lucy seulement')"
expect_equal "direct messages: imup.chat == 1 selects exactly chat 1's frames" \
    "$(follow_frames "$WORK/dm.pcapng" 1)" "$(frames_matching "$WORK/dm.pcapng" 'imup.chat == 1')"

# A decentralized group: the peers' messages, straight between them, are the group's chat.
cp "$peer_capture" "$WORK/peer.pcapng"
chmod a+r "$WORK/peer.pcapng"
group=$(ts -r "$WORK/peer.pcapng" -Y 'imup.direction == 3' -T fields -e imup.chat 2>/dev/null | sort -u | paste -sd, -)
expect_equal "peer to peer: every datagram between peers is in one chat" "2" "$group"
expect_equal "peer to peer: the group's messages and their ACKs, in order" \
"00:00:00.757 Sheng -> Lucy: On se parle en prive (peer to peer)
00:00:00.757   acknowledged by Lucy (frame 21)
00:00:00.757 Lucy -> Sheng: Oui, en prive (peer to peer)
00:00:00.757   acknowledged by Sheng (frame 23)" \
    "$(transcript "$WORK/peer.pcapng" 2 | grep -e 'peer to peer' -e 'acknowledged by Lucy' -e 'acknowledged by Sheng (frame 23)')"
expect_equal "peer to peer: imup.chat == 2 selects exactly chat 2's frames" \
    "$(follow_frames "$WORK/peer.pcapng" 2)" "$(frames_matching "$WORK/peer.pcapng" 'imup.chat == 2')"

# The same chats on a second pass (-2), as the GUI dissects.
expect_equal "section 5: the same transcript with -2" "$(transcript "$pcap" 1)" \
    "$(ts -r "$pcap" -2 -q -z follow,imup,ascii,1 2>&1 | grep -v -e '^[[:space:]]*[0-9]*$' -e '^====' -e '^Follow:' -e '^Node ')"
finish
