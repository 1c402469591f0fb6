#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Records stories played by the real programs on loopback: imup-server and
# scripted imup-client (and imup-inject --client for what the reference client
# refuses to send), each recording with --record. The programs are started,
# waited for and stopped by scripts/story-lib.sh (shared with `make demo`).
#
#   record.sh BUILD_DIR [OUT_DIR [STORY...]]   (OUT_DIR defaults to captures/recorded)
#
# STORY: section5 loss pages probe connect invalid-name messages group
# leave-close crosses-rooms group-ended limit-reached unknown-recipient
# (default: all of them). Each writes the captures captures/README.md lists
# under its name.
#
# Ports are fixed so that addresses and ports in the captures are the same
# every run: the server on 127.0.0.1:2017 (IMUP's port: tshark and imup-verify
# need no option), Lucy on 127.0.0.1:47018, Sheng on 127.0.0.1:47019, Lister
# on 47020, Alex on 47021, Bea on 47022; imup-inject and the user-list story's 90 members
# take any port. The first datagram is moved into the first second of
# 2026-01-01 UTC (editcap -t). What varies from run to run: the times (the real
# clock), hence the files' bytes, and how the server interleaves the clients;
# each endpoint's datagrams, their bytes and numbering do not.
set -eu
build=${1:?usage: record.sh BUILD_DIR [OUT_DIR [STORY...]]}
here=$(cd "$(dirname "$0")" && pwd)
out=${2:-$here/recorded}
shift
[ $# -eq 0 ] || shift
stories=${*:-section5 loss pages probe connect invalid-name messages group leave-close unknown-recipient crosses-rooms group-ended limit-reached}
STORY_SOURCE=$(cd "$here/.." && pwd)
STORY_BUILD=$build
STORY_NAME=record.sh
. "$STORY_SOURCE/scripts/story-lib.sh"
story_need "$SERVER_BIN" "$CLIENT_BIN" "$IMPAIR_BIN" "$INJECT_BIN"
epoch=1767225600 # 2026-01-01 00:00:00 UTC, the start imup-craft uses too
work=$(mktemp -d /tmp/imup-record.XXXXXX)
cleanup() {
  story_stop_all
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$out"
LUCY=127.0.0.1:47018
SHENG=127.0.0.1:47019
LISTER=127.0.0.1:47020
ALEX=127.0.0.1:47021

# normalize IN OUT: shifts IN's times so its first frame is at $epoch.
normalize() {
  first=$(tshark -r "$1" -c 1 -T fields -e frame.time_epoch 2>/dev/null | cut -d. -f1)
  editcap -t $((epoch - first)) "$1" "$2"
}

# begin STORY [SERVER OPTIONS...]: a fresh folder, and imup-server on 2017
# recording to server.pcapng there.
begin() {
  dir=$work/$1
  shift
  story_init "$dir"
  story_start_server server 127.0.0.1:2017 --record "$dir/server.pcapng" "$@"
}

# end_story: stops the server (a clean stop flushes its capture).
end_story() {
  story_stop "$SERVER_PID"
}

# script NAME LINES...: writes $dir/NAME.script, one line per argument.
script() {
  name=$1
  shift
  printf '%s\n' "$@" >"$dir/$name.script"
}

# client NAME BIND SEED [OPTIONS...]: NAME's script in the background; sets NAME_pid.
client() {
  story_start_client "$1" 127.0.0.1:2017 "$dir/$1.script" --bind "$2" --seed "$3" ${4:+"$4"} ${5:+"$5"}
  eval "$1_pid=\$CLIENT_PID"
}

# connected NAME: waits until NAME is connected and has answered the server's
# probe (counted in the list; its next datagram cannot interleave with it).
connected() {
  story_wait_event "$1" '"event":"connected"'
  sleep 0.2
}

# finish NAME...: waits for each scripted client to end well.
finish() {
  for name in "$@"; do
    eval "story_finish_client $name \$${name}_pid"
  done
}

# inject NAME SCRIPT-LINES...: imup-inject --client plays the lines (a message
# script, tools/craft/README.md) against the server; every request must get
# the answer the script expects.
inject() {
  name=$1
  shift
  printf '%s\n' "$@" >"$dir/$name.txt"
  "$INJECT_BIN" --server 127.0.0.1:2017 --client -f "$dir/$name.txt" >"$dir/$name.out" 2>&1 ||
    story_die "imup-inject: a request of $name was not answered as expected:$(echo; cat "$dir/$name.out")"
}

# --- The stories -------------------------------------------------------------

# The specification's section-5 story (the scripts of
# reference-impl/client/examples/), once with a centralized group and once
# decentralized (whose peer-to-peer datagrams only the clients see).
story_section5() {
  for mode in centralise decentralise; do
    begin "section5-$mode"
    story_section5_scripts "$dir" $mode
    client lucy $LUCY 1 --record "$dir/lucy.pcapng"
    story_wait_event lucy '"event":"connected"'
    client sheng $SHENG 2 --record "$dir/sheng.pcapng"
    finish sheng lucy
    end_story
    case $mode in centralise) name=centralized ;; *) name=decentralized ;; esac
    for side in server lucy sheng; do
      normalize "$dir/$side.pcapng" "$out/section5-$name-$side.pcapng"
    done
  done
}

# Retransmission under loss: Sheng talks to the server through imup-impair,
# which drops exactly his 4th datagram, the first "message to Bob" (after the
# refused and the accepted Connexion and his answer to the server's probe: the
# pause keeps that order fixed); Sheng sends it again after his timeout. The
# relay listens on 127.0.0.1:2017, the server on 127.0.0.1:47017, Lucy talks to
# the server directly. Recorded on Sheng's side, where both tries are seen.
story_loss() {
  dir=$work/loss
  story_init "$dir"
  story_start_server server 127.0.0.1:47017
  story_start_impair relay 127.0.0.1:2017 127.0.0.1:47017 --drop-nth up:4
  story_section5_scripts "$dir" centralise pause
  story_start_client lucy 127.0.0.1:47017 "$dir/lucy.script" --bind $LUCY --seed 1
  lucy_pid=$CLIENT_PID
  story_wait_event lucy '"event":"connected"'
  client sheng $SHENG 2 --record "$dir/sheng.pcapng"
  finish sheng lucy
  story_stop "$IMPAIR_PID" "$SERVER_PID"
  grep -q 'type=18 seq=2: drop' "$dir/relay.out" ||
    story_die "the story under loss lost another datagram:$(echo; grep drop "$dir/relay.out")"
  normalize "$dir/sheng.pcapng" "$out/section5-loss-sheng.pcapng"
}

# A user list of several pages: 90 clients with 20-character names connect one
# after the other (so user ids follow the order), then "Lister" asks for the
# list: 91 entries of up to 24 bytes do not fit in one 1024-byte page. Every
# member stays 12 s, long enough for the list to be asked on a slow machine.
story_pages() {
  begin pages
  members=""
  for i in $(seq 1 90); do
    name=$(printf 'ConnectedUserNo%05d' "$i")
    script "m$i" "/connect $name" /wait\ connected "/sleep 12000" /quit
    story_start_client "m$i" 127.0.0.1:2017 "$dir/m$i.script" --seed "$i"
    eval "m${i}_pid=\$CLIENT_PID"
    members="$members m$i"
    story_wait_for "$dir/m$i.out" '"event":"connected"' 5 || story_die "member $i did not connect"
  done
  script lister "/connect Lister" "/wait connected" "/sleep 500" /list "/wait user_list" /quit
  client lister $LISTER 100 --record "$dir/lister.pcapng"
  # shellcheck disable=SC2086
  finish lister $members
  end_story
  normalize "$dir/lister.pcapng" "$out/user-list-pages-lister.pcapng"
  normalize "$dir/server.pcapng" "$out/user-list-pages-server.pcapng"
}

# A member dropped by the liveness probe: Sheng and Lucy in a centralized
# group, then Lucy's process is stopped (SIGSTOP): she answers nothing, the
# server's probes (every second here, 2 tries) go unanswered, it gives her up
# and closes the group, left with Sheng alone.
story_probe() {
  begin probe --set timers.probe-interval-ms=1000 --set timers.tries=2
  script lucy "/connect Lucy" "/wait connected" "/wait invitation_received inviter=Sheng timeout=60000" \
    /accept "/wait group_closed timeout=60000" /quit
  client lucy $LUCY 1
  story_wait_event lucy '"event":"connected"'
  script sheng "/connect Sheng" "/wait connected" "/sleep 300" "/invite Lucy" "/wait mode_offered" \
    "/mode centralise" "/wait where room=private members=Sheng,Lucy timeout=60000" \
    "/wait group_closed timeout=60000" /quit
  client sheng $SHENG 2 --record "$dir/sheng.pcapng"
  story_wait_event sheng '"members":\["Sheng","Lucy"\]'
  kill -STOP "$lucy_pid"
  finish sheng
  kill -KILL "$lucy_pid"
  wait "$lucy_pid" 2>/dev/null || true
  story_forget "$lucy_pid"
  end_story
  normalize "$dir/server.pcapng" "$out/probe-drop-server.pcapng"
  normalize "$dir/sheng.pcapng" "$out/probe-drop-sheng.pcapng"
}

# Connexion and name taken (type 2): Lucy connects; Sheng asks for "Lucy" and
# is refused ("nom pris": the server sends at most 3 times the bytes of an
# unproved endpoint's request, §14), then connects as Sheng; both leave.
story_connect() {
  begin connect
  script lucy "/connect Lucy" "/wait connected" "/wait message_received from=Sheng timeout=30000" /quit
  client lucy $LUCY 1
  connected lucy
  script sheng "/connect Lucy" "/wait connect_refused" "/connect Sheng" "/wait connected" "/sleep 300" \
    "/msg Lucy Bonjour" "/sleep 300" /quit
  client sheng $SHENG 2
  finish sheng lucy
  end_story
  normalize "$dir/server.pcapng" "$out/connect-server.pcapng"
}

# Invalid names (type 2, "nom invalide: ..."): imup-inject sends what the
# reference client refuses to send: a name with a space, a name of 21
# characters, a name with a comma. imup-verify reports the clients' bad_name
# (an error); the server refuses each one.
story_invalid_name() {
  begin invalid-name
  inject invalid \
    '0 client server connect text="Sheng Shen\r\n"' '+0.01 server client refused' \
    '+0.3 client2 server connect text="ABCDEFGHIJKLMNOPQRSTU\r\n"' '+0.01 server client2 refused' \
    '+0.3 client3 server connect text="Lucy,Sheng\r\n"' '+0.01 server client3 refused'
  end_story
  normalize "$dir/server.pcapng" "$out/invalid-name-server.pcapng"
}

# Public and direct messages: Lucy, Alex and Sheng connected; Sheng writes to
# the public room (relayed, type 9, to Lucy and Alex), Lucy answers Sheng
# alone (a direct message: 9 with the recipient field, to Sheng only), Alex
# writes to the room.
story_messages() {
  begin messages
  script lucy "/connect Lucy" "/wait connected" "/wait message_received from=Sheng timeout=30000" \
    "/msg Sheng Bonjour Sheng, de Lucy seulement" "/wait message_received from=Alex timeout=30000" /quit
  script alex "/connect Alex" "/wait connected" "/wait message_received from=Sheng timeout=30000" \
    "/sleep 300" "Salut a tous" "/sleep 300" /quit
  script sheng "/connect Sheng" "/wait connected" "/sleep 300" "Bonjour tout le monde" \
    "/wait message_received from=Lucy timeout=30000" "/wait message_received from=Alex timeout=30000" /quit
  client lucy $LUCY 1
  connected lucy
  client alex $ALEX 3
  connected alex
  client sheng $SHENG 2
  finish sheng lucy alex
  end_story
  normalize "$dir/server.pcapng" "$out/messages-server.pcapng"
}

# The three members of a group: Sheng invites Lucy and Alex (19), is offered the
# modes (10), chooses centralise (20); the server invites both (19), each
# accepts (5) and every member gets the list (11).
group_of_three() {
  script lucy "/connect Lucy" "/wait connected" "/wait invitation_received inviter=Sheng timeout=30000" /accept \
    "/wait where room=private members=Sheng,Lucy,Alex timeout=30000" "$@"
  # Alex accepts a little later: the members always join in the same order.
  script alex "/connect Alex" "/wait connected" "/wait invitation_received inviter=Sheng timeout=30000" \
    "/sleep 300" /accept "/wait where room=private members=Sheng,Lucy,Alex timeout=30000"
  client lucy $LUCY 1
  connected lucy
}

# A centralized group: opened by Sheng with Lucy and Alex; messages to the
# group relayed by the server to every other member, and a direct message
# inside the group; then each one disconnects: the group is updated (11),
# then closed for the last one (13).
story_group() {
  begin group
  group_of_three "/wait message_received from=Sheng room=private timeout=30000" "Bien recu, Sheng" \
    "/wait message_received from=Alex timeout=30000" /quit
  cat >>"$dir/alex.script" <<'SCRIPT'
/wait message_received from=Lucy room=private timeout=30000
/msg Lucy Juste pour toi, Lucy
/sleep 300
/wait group_closed timeout=30000
/quit
SCRIPT
  client alex $ALEX 3
  connected alex
  script sheng "/connect Sheng" "/wait connected" "/sleep 300" "/invite Lucy,Alex" "/wait mode_offered" \
    "/mode centralise" "/wait where room=private members=Sheng,Lucy,Alex timeout=30000" "/sleep 300" "Bonjour le groupe" \
    "/wait message_received from=Lucy room=private timeout=30000" "/sleep 500" /quit
  client sheng $SHENG 2
  finish lucy sheng alex
  end_story
  normalize "$dir/server.pcapng" "$out/group-centralized-server.pcapng"
}

# Leaving and closing: in the group of three, Alex leaves (7, answered 8; the
# others get 11); then Sheng leaves: Lucy is alone and the server closes the
# group (13), which she acknowledges; back in the public room, she writes to
# it and Sheng and Alex get her message.
story_leave_close() {
  begin leave-close
  group_of_three "/wait group_closed timeout=30000" "/sleep 300" "De retour dans la salle publique" /sleep\ 300 /quit
  cat >>"$dir/alex.script" <<'SCRIPT'
/sleep 300
/leave
/wait group_left timeout=30000
/wait message_received from=Lucy timeout=30000
/quit
SCRIPT
  client alex $ALEX 3
  connected alex
  script sheng "/connect Sheng" "/wait connected" "/sleep 300" "/invite Lucy,Alex" "/wait mode_offered" \
    "/mode centralise" "/wait where room=private members=Sheng,Lucy,Alex timeout=30000" \
    "/wait where room=private members=Sheng,Lucy timeout=30000" "/leave" \
    "/wait group_left timeout=30000" "/wait message_received from=Lucy timeout=30000" /quit
  client sheng $SHENG 2
  finish lucy sheng alex
  end_story
  normalize "$dir/server.pcapng" "$out/leave-close-server.pcapng"
}

# Unknown recipient (type 14): Sheng writes to Bob, who is not connected, then
# invites him.
story_unknown_recipient() {
  begin unknown-recipient
  script sheng "/connect Sheng" "/wait connected" "/sleep 300" "/msg Bob Bonjour Bob" "/wait error_received" \
    "/invite Bob" "/wait error_received" /quit
  client sheng $SHENG 2
  finish sheng
  end_story
  normalize "$dir/server.pcapng" "$out/error-unknown-recipient-server.pcapng"
}

# Crosses rooms (type 15): Sheng and Lucy in a private group; Alex, in the
# public room, writes to Lucy directly.
story_crosses_rooms() {
  begin crosses-rooms
  script lucy "/connect Lucy" "/wait connected" "/wait invitation_received inviter=Sheng timeout=30000" /accept \
    "/wait where room=private members=Sheng,Lucy timeout=30000" "/sleep 2500" "Je dois partir" /quit
  client lucy $LUCY 1
  connected lucy
  script sheng "/connect Sheng" "/wait connected" "/sleep 300" "/invite Lucy" "/wait mode_offered" \
    "/mode centralise" "/wait where room=private members=Sheng,Lucy timeout=30000" \
    "/wait message_received from=Lucy room=private timeout=30000" /quit
  client sheng $SHENG 2
  # Alex comes once the group exists (Lucy stays in it 2.5 s).
  story_wait_event sheng '"members":\["Sheng","Lucy"\]'
  script alex "/connect Alex" "/wait connected" "/sleep 300" "/msg Lucy Tu es la, Lucy ?" \
    "/wait error_received timeout=30000" /quit
  client alex $ALEX 3
  finish alex sheng lucy
  end_story
  normalize "$dir/server.pcapng" "$out/error-crosses-rooms-server.pcapng"
}

# Group ended / not in a group (type 16): what the reference client refuses to
# send, sent by imup-inject as a connected client in no group: a Leave, a
# Message to the private room, a Choose mode with no offer pending.
story_group_ended() {
  begin group-ended
  inject outside \
    '0 client server connect name=Sheng' '+0.01 server client ack' \
    '+0.3 client server leave' '+0.01 server client group-ended' \
    '+0.3 client server message message="Il y a quelqu un ?" state=private' '+0.01 server client group-ended' \
    '+0.3 client server choose-mode mode=centralized state=private' '+0.01 server client group-ended' \
    '+0.3 client server disconnect' '+0.01 server client ack'
  end_story
  normalize "$dir/server.pcapng" "$out/error-group-ended-server.pcapng"
}

# Limit reached (type 17): a server allowing 1 group of at most 2 members
# (--set limits.max-groups=1 --set limits.max-group-members=2). Sheng opens a
# group with Lucy; inviting Alex too would make 3 members: 17. Then Bea, in
# the public room, invites Alex: her group would be the second one, and her
# Choose mode gets 17.
story_limit_reached() {
  begin limit-reached --set limits.max-groups=1 --set limits.max-group-members=2
  script lucy "/connect Lucy" "/wait connected" "/wait invitation_received inviter=Sheng timeout=30000" /accept \
    "/wait where room=private members=Sheng,Lucy timeout=30000" "/sleep 2500" "Je dois partir" /quit
  client lucy $LUCY 1
  connected lucy
  script alex "/connect Alex" "/wait connected" "/wait message_received from=Bea timeout=30000" /quit
  client alex $ALEX 3
  connected alex
  script sheng "/connect Sheng" "/wait connected" "/sleep 300" "/invite Lucy" "/wait mode_offered" \
    "/mode centralise" "/wait where room=private members=Sheng,Lucy timeout=30000" "/invite Alex" \
    "/wait error_received timeout=30000" "/wait message_received from=Lucy room=private timeout=30000" /quit
  client sheng $SHENG 2
  story_wait_event sheng '"members":\["Sheng","Lucy"\]'
  script bea "/connect Bea" "/wait connected" "/sleep 300" "/invite Alex" "/wait mode_offered" \
    "/mode centralise" "/wait error_received timeout=30000" "Alex, pas de groupe pour nous" "/sleep 300" /quit
  client bea 127.0.0.1:47022 4
  finish bea alex sheng lucy
  end_story
  normalize "$dir/server.pcapng" "$out/error-limit-reached-server.pcapng"
}

for story in $stories; do
  case $story in
    section5|loss|pages|probe|connect|messages|group|unknown-recipient|crosses-rooms|group-ended|limit-reached) ;;
    invalid-name|leave-close) ;;
    *) story_die "no story '$story' (see the list at the top of $0)" ;;
  esac
  echo "record.sh: $story"
  "story_$(echo "$story" | tr - _)"
done
echo "record.sh: recorded captures written to $out"
