#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGINT and SIGTERM stop imup-inject with its summary, as tcpreplay's, and
# the shell's status for the signal (130, 143). In --client mode the client
# the server still counts first sends its Deconnexion, and the real server
# (imup-server on 127.0.0.1) sees it leave. Every wait is bounded.
. "$(dirname "$0")/lib.sh"

start_server

# status_of PID: waits (5 s at most) for PID and sets $s to its exit status.
status_of() {
  i=0
  while kill -0 "$1" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 50 ] && { kill -9 "$1"; fail "pid $1 did not stop"; }; sleep 0.1
  done
  set +e
  wait "$1"; s=$?
  set -e
}

# Client mode, Ctrl-C while the script waits: the Deconnexion goes first.
spawn "$INJECT" --server 127.0.0.1:$P --client -e '0 client server connect name=Sheng' \
  -e '+0.01 server client ack' -e '+30 client server list' > "$T/client.out" 2> "$T/client.err"
pid=$LAST_PID
wait_grep "1 (Connect) seq=0: answered by 8" "$T/client.out"
kill -INT $pid
status_of $pid
[ "$s" -eq 130 ] || { cat "$T/client.out" "$T/client.err"; fail "client after SIGINT: exit $s, not 130"; }
grep -q "^stopped by SIGINT: 127.0.0.1:[0-9]* 3 (Disconnect) seq=1: answered by 8 (ACK)" "$T/client.out" ||
  { cat "$T/client.out"; fail "no acknowledged Deconnexion after SIGINT"; }
grep -q "^summary: 1 requests, 1 answered, .*; stopped by SIGINT$" "$T/client.out" ||
  { cat "$T/client.out"; fail "no summary after SIGINT"; }
wait_grep 'client "Sheng" at 127.0.0.1:[0-9]* disconnected' "$T/server.err"

# The same with SIGTERM and JSON Lines.
spawn "$INJECT" --server 127.0.0.1:$P --client --json -e '0 client server connect name=Lucy' \
  -e '+0.01 server client ack' -e '+30 client server list' > "$T/json.out" 2> "$T/json.err"
pid=$LAST_PID
wait_grep '"type":1,"seq":0,"retries":0,"answer":8' "$T/json.out"
kill -TERM $pid
status_of $pid
[ "$s" -eq 143 ] || { cat "$T/json.out" "$T/json.err"; fail "client after SIGTERM: exit $s, not 143"; }
grep -q '^{"event":"disconnect","signal":"SIGTERM","seq":1,"answer":8,' "$T/json.out" &&
  grep -q '"stopped_by":"SIGTERM"}}$' "$T/json.out" || { cat "$T/json.out"; fail "JSON after SIGTERM"; }
wait_grep 'client "Lucy" at 127.0.0.1:[0-9]* disconnected' "$T/server.err"

# Replay without end: the summary says what was sent and answered.
for sig in INT TERM; do
  spawn "$INJECT" --server 127.0.0.1:$P -e '0 client server list' --loop 0 --pps 200 > "$T/replay.$sig" 2> "$T/replay.$sig.err"
  pid=$LAST_PID
  sleep 0.5
  kill -$sig $pid
  status_of $pid
  want=130; [ $sig = TERM ] && want=143
  [ "$s" -eq $want ] || { cat "$T/replay.$sig" "$T/replay.$sig.err"; fail "replay after SIG$sig: exit $s, not $want"; }
  grep -q "^sent [1-9][0-9]* datagrams (.* bytes) in .* s: .* datagrams/s against 200 requested (.*); 0 failed; [0-9]* answers received; stopped by SIG$sig$" "$T/replay.$sig" ||
    { cat "$T/replay.$sig"; fail "replay summary after SIG$sig"; }
done
echo ok
