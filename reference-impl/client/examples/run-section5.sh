#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The specification's section-5 story with the real programs on loopback:
# imup-server (recording to a pcapng), Lucy and Sheng as scripted clients.
#
#   run-section5.sh BUILD_DIR OUT_DIR [centralise|decentralise]
#
# Leaves in OUT_DIR: server.pcapng (every datagram the server saw), lucy.jsonl
# and sheng.jsonl (every client event, one JSON object per line), server.log
# and server.counters. Exit status 0 when the whole story ran.
set -eu
build=$1
out=$2
mode=${3:-centralise}
case $mode in centralise|decentralise) ;; *) echo "mode: centralise or decentralise" >&2; exit 2;; esac
here=$(cd "$(dirname "$0")" && pwd)
server_bin=$build/reference-impl/server/imup-server
client_bin=$build/reference-impl/client/imup-client
mkdir -p "$out"

"$server_bin" --listen 127.0.0.1:0 --record "$out/server.pcapng" >"$out/server.counters" 2>"$out/server.log" &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
# The first line is the bound address (port 0: the kernel chose it).
address=""
for _ in $(seq 100); do
  address=$(sed -n 's/^imup-server listening on //p' "$out/server.counters")
  [ -n "$address" ] && break
  sleep 0.05
done
[ -n "$address" ] || { echo "run-section5: imup-server did not start" >&2; cat "$out/server.log" >&2; exit 1; }

"$client_bin" --server "$address" --script "$here/section5-lucy.script" >"$out/lucy.jsonl" 2>"$out/lucy.log" &
lucy_pid=$!
for _ in $(seq 100); do
  grep -q '"event":"connected"' "$out/lucy.jsonl" && break
  sleep 0.05
done
sheng_status=0
sed "s/^\/mode centralise$/\/mode $mode/" "$here/section5-sheng.script" >"$out/sheng.script"
"$client_bin" --server "$address" --script "$out/sheng.script" >"$out/sheng.jsonl" 2>"$out/sheng.log" ||
  sheng_status=$?
lucy_status=0
wait $lucy_pid || lucy_status=$?
kill -TERM $server_pid
wait $server_pid || true
trap - EXIT
echo "server at $address, mode $mode: Sheng exited $sheng_status, Lucy exited $lucy_status"
[ "$sheng_status" -eq 0 ] && [ "$lucy_status" -eq 0 ]
