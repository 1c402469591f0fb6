#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Records the specification's section-5 story played by the real programs on
# loopback: imup-server and two scripted imup-client (Lucy and Sheng, the
# scripts of reference-impl/client/examples/), each with --record, once with
# a centralized group and once decentralized (whose peer-to-peer datagrams only
# the clients see).
#
#   record.sh BUILD_DIR [OUT_DIR]      (OUT_DIR defaults to captures/recorded)
#
# Ports are fixed so that addresses and ports in the captures are the same
# every run: the server on 127.0.0.1:2017 (IMUP's port: tshark and imup-verify
# need no option), Lucy on 127.0.0.1:47018, Sheng on 127.0.0.1:47019; the
# first datagram is moved into the first second of 2026-01-01 UTC (editcap -t).
# What varies from run to run: the times (the real clock), hence the files'
# bytes, and how the server interleaves the two clients; each endpoint's
# datagrams, their bytes and numbering do not.
set -eu
build=${1:?usage: record.sh BUILD_DIR [OUT_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
out=${2:-$here/recorded}
examples=$here/../reference-impl/client/examples
server_bin=$build/reference-impl/server/imup-server
client_bin=$build/reference-impl/client/imup-client
epoch=1767225600 # 2026-01-01 00:00:00 UTC, the start imup-craft uses too
work=$(mktemp -d /tmp/imup-record.XXXXXX)
server_pid=""
impair_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$impair_pid" ] && kill "$impair_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
mkdir -p "$out"

# normalize IN OUT: shifts IN's times so its first frame is at $epoch.
normalize() {
  first=$(tshark -r "$1" -c 1 -T fields -e frame.time_epoch 2>/dev/null | cut -d. -f1)
  editcap -t $((epoch - first)) "$1" "$2"
}

for mode in centralise decentralise; do
  dir=$work/$mode
  mkdir -p "$dir"
  "$server_bin" --listen 127.0.0.1:2017 --record "$dir/server.pcapng" -q >"$dir/server.out" 2>"$dir/server.log" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$dir/server.out" 2>/dev/null && break
    sleep 0.05
  done
  grep -q 'listening on' "$dir/server.out" ||
    { echo "record.sh: imup-server did not start (port 2017 taken?)" >&2; cat "$dir/server.log" >&2; exit 1; }
  "$client_bin" --server 127.0.0.1:2017 --bind 127.0.0.1:47018 --seed 1 --record "$dir/lucy.pcapng" \
    --script "$examples/section5-lucy.script" >"$dir/lucy.jsonl" 2>"$dir/lucy.log" &
  lucy_pid=$!
  for _ in $(seq 100); do
    grep -q '"event":"connected"' "$dir/lucy.jsonl" 2>/dev/null && break
    sleep 0.05
  done
  sed "s/^\/mode centralise$/\/mode $mode/" "$examples/section5-sheng.script" >"$dir/sheng.script"
  status=0
  "$client_bin" --server 127.0.0.1:2017 --bind 127.0.0.1:47019 --seed 2 --record "$dir/sheng.pcapng" \
    --script "$dir/sheng.script" >"$dir/sheng.jsonl" 2>"$dir/sheng.log" || status=$?
  wait $lucy_pid || status=$?
  kill -TERM $server_pid
  wait $server_pid || true
  server_pid=""
  if [ $status -ne 0 ]; then
    echo "record.sh: the $mode story failed" >&2
    cat "$dir"/*.log >&2
    exit 1
  fi
  case $mode in centralise) name=centralized ;; *) name=decentralized ;; esac
  for side in server lucy sheng; do
    normalize "$dir/$side.pcapng" "$out/section5-$name-$side.pcapng"
  done
done

# Retransmission under loss: Sheng talks to the server through imup-impair,
# which drops exactly his 4th datagram, the first "message to Bob" (after the
# refused and the accepted Connexion and his answer to the server's probe: the
# /sleep keeps that order fixed); Sheng sends it again after his timeout. The
# relay listens on 127.0.0.1:2017, the server on 127.0.0.1:47017, Lucy talks to
# the server directly. Recorded on Sheng's side, where both tries are seen.
dir=$work/loss
mkdir -p "$dir"
impair_bin=$build/tools/impair/imup-impair
"$server_bin" --listen 127.0.0.1:47017 -q >"$dir/server.out" 2>"$dir/server.log" &
server_pid=$!
"$impair_bin" --listen 127.0.0.1:2017 --server 127.0.0.1:47017 --drop-nth up:4 >"$dir/impair.out" 2>"$dir/impair.log" &
impair_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$dir/server.out" 2>/dev/null && grep -q 'listening on' "$dir/impair.out" 2>/dev/null && break
  sleep 0.05
done
"$client_bin" --server 127.0.0.1:47017 --bind 127.0.0.1:47018 --seed 1 \
  --script "$examples/section5-lucy.script" >"$dir/lucy.jsonl" 2>"$dir/lucy.log" &
lucy_pid=$!
for _ in $(seq 100); do
  grep -q '"event":"connected"' "$dir/lucy.jsonl" 2>/dev/null && break
  sleep 0.05
done
sed '0,/^\/wait connected$/s//\/wait connected\n\/sleep 300/' "$examples/section5-sheng.script" >"$dir/sheng.script"
status=0
"$client_bin" --server 127.0.0.1:2017 --bind 127.0.0.1:47019 --seed 2 --record "$dir/sheng.pcapng" \
  --script "$dir/sheng.script" >"$dir/sheng.jsonl" 2>"$dir/sheng.log" || status=$?
wait $lucy_pid || status=$?
kill -TERM $impair_pid $server_pid
wait $impair_pid $server_pid || true
server_pid=""
if [ $status -ne 0 ] || ! grep -q 'type=18 seq=2: drop' "$dir/impair.log"; then
  echo "record.sh: the story under loss failed (or lost another datagram)" >&2
  cat "$dir"/*.log >&2
  exit 1
fi
normalize "$dir/sheng.pcapng" "$out/section5-loss-sheng.pcapng"

# A user list of several pages: 90 clients with 20-character names connect one
# after the other (so user ids follow the order), then "Lister" asks for the
# list: 91 entries of up to 24 bytes do not fit in one 1024-byte page.
dir=$work/pages
mkdir -p "$dir"
"$server_bin" --listen 127.0.0.1:2017 --record "$dir/server.pcapng" -q >"$dir/server.out" 2>"$dir/server.log" &
server_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$dir/server.out" 2>/dev/null && break
  sleep 0.05
done
member_pids=""
for i in $(seq 1 90); do
  name=$(printf 'ConnectedUserNo%05d' "$i")
  printf '/connect %s\n/wait connected\n/sleep 12000\n/quit\n' "$name" >"$dir/$i.script"
  "$client_bin" --server 127.0.0.1:2017 --seed "$i" --script "$dir/$i.script" >"$dir/$i.jsonl" 2>&1 &
  member_pids="$member_pids $!"
  for _ in $(seq 100); do
    grep -q '"event":"connected"' "$dir/$i.jsonl" 2>/dev/null && break
    sleep 0.02
  done
done
printf '/connect Lister\n/wait connected\n/sleep 500\n/list\n/wait user_list\n/quit\n' >"$dir/lister.script"
status=0
"$client_bin" --server 127.0.0.1:2017 --bind 127.0.0.1:47020 --seed 100 --record "$dir/lister.pcapng" \
  --script "$dir/lister.script" >"$dir/lister.jsonl" 2>"$dir/lister.log" || status=$?
for pid in $member_pids; do wait "$pid" || status=$?; done
kill -TERM $server_pid
wait $server_pid || true
server_pid=""
if [ $status -ne 0 ]; then
  echo "record.sh: the user-list story failed" >&2
  cat "$dir"/lister.log "$dir"/server.log >&2
  exit 1
fi
normalize "$dir/lister.pcapng" "$out/user-list-pages-lister.pcapng"
normalize "$dir/server.pcapng" "$out/user-list-pages-server.pcapng"

# A member dropped by the liveness probe: Sheng and Lucy in a centralized
# group, then Lucy's process is stopped (SIGSTOP): she answers nothing, the
# server's probes (every second here, 2 tries) go unanswered, it gives her up
# and closes the group, left with Sheng alone.
dir=$work/probe
mkdir -p "$dir"
"$server_bin" --listen 127.0.0.1:2017 --record "$dir/server.pcapng" -q \
  --set timers.probe-interval-ms=1000 --set timers.tries=2 >"$dir/server.out" 2>"$dir/server.log" &
server_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$dir/server.out" 2>/dev/null && break
  sleep 0.05
done
printf '/connect Lucy\n/wait connected\n/wait invitation_received inviter=Sheng timeout=60000\n/accept\n/wait group_closed timeout=60000\n/quit\n' >"$dir/lucy.script"
"$client_bin" --server 127.0.0.1:2017 --bind 127.0.0.1:47018 --seed 1 \
  --script "$dir/lucy.script" >"$dir/lucy.jsonl" 2>"$dir/lucy.log" &
lucy_pid=$!
for _ in $(seq 100); do
  grep -q '"event":"connected"' "$dir/lucy.jsonl" 2>/dev/null && break
  sleep 0.05
done
printf '/connect Sheng\n/wait connected\n/sleep 300\n/invite Lucy\n/wait mode_offered\n/mode centralise\n/wait where room=private members=Sheng,Lucy timeout=60000\n/wait group_closed timeout=60000\n/quit\n' >"$dir/sheng.script"
"$client_bin" --server 127.0.0.1:2017 --bind 127.0.0.1:47019 --seed 2 --record "$dir/sheng.pcapng" \
  --script "$dir/sheng.script" >"$dir/sheng.jsonl" 2>"$dir/sheng.log" &
sheng_pid=$!
for _ in $(seq 200); do
  grep -q '"members":\["Sheng","Lucy"\]' "$dir/sheng.jsonl" 2>/dev/null && break
  sleep 0.05
done
kill -STOP $lucy_pid
status=0
wait $sheng_pid || status=$?
kill -KILL $lucy_pid
wait $lucy_pid 2>/dev/null || true
kill -TERM $server_pid
wait $server_pid || true
server_pid=""
if [ $status -ne 0 ]; then
  echo "record.sh: the liveness-probe story failed" >&2
  cat "$dir"/sheng.jsonl "$dir"/server.log >&2
  exit 1
fi
normalize "$dir/server.pcapng" "$out/probe-drop-server.pcapng"
normalize "$dir/sheng.pcapng" "$out/probe-drop-sheng.pcapng"
echo "record.sh: recorded captures written to $out"
