#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-impair never relays into itself for ever: --server equal to its own
# address (as given, or once 0.0.0.0 and localhost are resolved) is a usage
# error; and two relays pointed at each other, which no check of one command
# line can see, stay bounded: at most --max-clients sockets each, and
# --duration, SIGTERM and SIGINT still stop them at once with their summary.
. "$(dirname "$0")/lib.sh"

refused() {  # WANT ARGS...: imup-impair ARGS exits 2 and says WANT
  want=$1
  shift
  set +e
  timeout 5 "$IMPAIR" "$@" > "$T/refused.out" 2> "$T/refused.err"; s=$?
  set -e
  [ "$s" -eq 2 ] && grep -qF -- "$want" "$T/refused.err" || { cat "$T/refused.err"; fail "impair $* (exit $s)"; }
}
refused "--server 127.0.0.1:3019 is the relay's own address (--listen 127.0.0.1:3019)" \
  --listen 127.0.0.1:3019 --server 127.0.0.1:3019
refused "--server localhost:3019 is the relay's own address (--listen 0.0.0.0:3019)" \
  --listen 0.0.0.0:3019 --server localhost:3019
refused "--server 0.0.0.0:3019 is the relay's own address" --listen localhost:3019 --server 0.0.0.0:3019
refused "--duration -1 is out of range: 0..1e9 seconds" --listen 127.0.0.1:0 --server 127.0.0.1:2017 --duration -1
refused "--max-clients 0 is out of range: 1..65535" --listen 127.0.0.1:0 --server 127.0.0.1:2017 --max-clients 0

# start_pair ARGS...: relay A (port $RA) sends to relay B (port $RB) and B to
# A. B's port is fixed before it binds (A must know it): another is tried
# when taken.
start_pair() {
  for try in 1 2 3 4 5; do
    RB=$(( 20000 + ($$ * 7 + try * 131) % 30000 ))
    spawn "$IMPAIR" --listen 127.0.0.1:0 --server 127.0.0.1:$RB "$@" > "$T/a.out" 2> "$T/a.err"
    A_PID=$LAST_PID
    wait_grep "listening on" "$T/a.out"
    RA=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' "$T/a.out")
    spawn "$IMPAIR" --listen 127.0.0.1:$RB --server 127.0.0.1:$RA "$@" > "$T/b.out" 2> "$T/b.err"
    B_PID=$LAST_PID
    i=0
    while ! grep -q "listening on" "$T/b.out" 2>/dev/null; do
      if ! kill -0 "$B_PID" 2>/dev/null; then break; fi
      i=$((i + 1)); [ $i -gt 100 ] && fail "relay B did not start"; sleep 0.05
    done
    grep -q "listening on" "$T/b.out" 2>/dev/null && return 0
    kill "$A_PID"; wait "$A_PID" 2>/dev/null || true
  done
  fail "no free port for relay B"
}
# stops_within PID SECONDS: PID has exited within SECONDS (tenths polled).
stops_within() {
  i=0
  while kill -0 "$1" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt $(($2 * 10)) ] && { kill -9 "$1"; fail "pid $1 still running after $2 s"; }
    sleep 0.1
  done
  wait "$1" 2>/dev/null || true
}
sockets_of() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# One datagram into the pair: it goes round, each hop a new client of the
# other relay, until both have --max-clients clients; then it is dropped.
start_pair --max-clients 20
"$INJECT" --server 127.0.0.1:$RA -e '0 client server list' --wait 0 > /dev/null
i=0
until grep -q -- "--max-clients 20 reached" "$T/a.err" "$T/b.err" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 100 ] && { cat "$T/a.err" "$T/b.err"; fail "the loop did not reach --max-clients"; }; sleep 0.05
done
for pid in $A_PID $B_PID; do
  n=$(sockets_of $pid)
  [ "$n" -le 30 ] || fail "relay $pid has $n descriptors (at most 20 clients + a few)"
done
grep -q "drop (--max-clients 20 reached: no socket for a new client)" "$T/a.out" "$T/b.out" ||
  fail "the drop at the limit is not said"
kill -TERM $A_PID
kill -INT $B_PID
stops_within $A_PID 2
stops_within $B_PID 2
grep -q "^summary up: " "$T/a.out" && grep -q "^summary up: " "$T/b.out" || fail "no summary after SIGTERM/SIGINT"

# The same loop without a small limit, and --duration: both stop on time.
start_pair --duration 1
"$INJECT" --server 127.0.0.1:$RA -e '0 client server list' --wait 0 > /dev/null
stops_within $A_PID 4
stops_within $B_PID 4
grep -q "^summary peer: " "$T/a.out" && grep -q "^summary peer: " "$T/b.out" || fail "no summary after --duration"
echo ok
