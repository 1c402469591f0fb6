#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-verify --interface lo against the real imup-server on a free port of
# 127.0.0.1: imup-inject replays a Connexion resent 0.5 s after its first try
# (captures/retransmit-too-soon.pcap) from a real socket; the violation
# reaches imup-verify's standard output, a pipe, within 1 s of the resend;
# --stats-every --clients names the client; SIGINT ends the run with the
# summary and exit status 1. Then, with no server and --max-tries 1, an
# unanswered request is reported while nothing more is captured (the wall
# clock drives the timers), and --count, --duration, --write, a missing
# interface and a refused capture each do what they say.
# Live capture needs root or CAP_NET_RAW and CAP_NET_ADMIN: without them the
# test says so and exits 77, which ctest reports as skipped.
. "$(dirname "$0")/lib.sh"
SRC=$(dirname "$0")/../../captures

# verify_piped NAME ARGS...: imup-verify ARGS in the background, its standard
# output a pipe (to cat, into $T/NAME.out), standard error in $T/NAME.err;
# VPID is its process; once it is capturing.
verify_piped() {
  name=$1
  shift
  ( "$VERIFY" "$@" 2> "$T/$name.err" & echo $! > "$T/$name.pid"; s=0; wait $! || s=$?
    echo $s > "$T/$name.status" ) | cat > "$T/$name.out" &
  PIDS="$PIDS $!"
  wait_file "$T/$name.pid"
  VPID=$(cat "$T/$name.pid")
  PIDS="$PIDS $VPID"
  wait_grep "capturing on lo" "$T/$name.err"
}
# verify_status NAME: its exit status, once it has ended (5 s at most).
verify_status() {
  wait_file "$T/$1.status"
  sleep 0.1  # cat's last write
  cat "$T/$1.status"
}

# Can this machine capture at all?
if ! "$VERIFY" --interface lo --server-port 9 --duration 0.05 > /dev/null 2> "$T/probe.err"; then
  if grep -q "permission denied" "$T/probe.err"; then
    echo "SKIP: live capture on lo is not permitted here (needs root, or CAP_NET_RAW and CAP_NET_ADMIN):"
    cat "$T/probe.err"
    exit 77
  fi
fi
grep -q "capturing on lo" "$T/probe.err" || { cat "$T/probe.err"; fail "no live capture on lo"; }

# --- a too-soon resend to the real server, seen live -----------------------
start_server
verify_piped v --interface lo --server-port "$P" --stats-every 0.5 --clients
"$INJECT" --server "127.0.0.1:$P" -r "$SRC/retransmit-too-soon.pcap" --wait 0 > "$T/inject.out" 2>&1 ||
  { cat "$T/inject.out"; fail "inject exit $?"; }
wait_grep_within 1000 "retransmit_too_soon" "$T/v.out"
echo "retransmit_too_soon reported $WAITED_MS ms after imup-inject sent the resend"
grep -q "^lo:[0-9]* t=0\.[45][0-9]* error retransmit_too_soon 127\.0\.0\.1:[0-9]* -> 127\.0\.0\.1:$P type=1" "$T/v.out" ||
  { cat "$T/v.out"; fail "the violation line"; }
# The running summary names the client and its two Connexions.
wait_grep '"Sheng" connected.*2 sent.*1 requests, 1 retransmissions' "$T/v.err"
kill -INT "$VPID"
status=$(verify_status v)
[ "$status" = 1 ] || { cat "$T/v.out" "$T/v.err"; fail "exit $status after SIGINT with a violation, not 1"; }
grep -q "stopped by SIGINT" "$T/v.err" || fail "the stop by SIGINT is not said"
grep -q "0 dropped by the kernel" "$T/v.err" || { cat "$T/v.err"; fail "drops"; }
grep -q "^  1 Connect: 2$" "$T/v.out" || { cat "$T/v.out"; fail "summary: not two Connexions"; }
grep -q "^exchanges: [0-9]* requests, [1-9][0-9]* answers, [1-9][0-9]* retransmissions" "$T/v.out" || { cat "$T/v.out"; fail "summary: retransmissions"; }
grep -q "^  retransmit_too_soon  *1  error$" "$T/v.out" || { cat "$T/v.out"; fail "summary: violation count"; }
grep -q "^server port: $P, given with --server-port$" "$T/v.out" || { cat "$T/v.out"; fail "summary: port"; }
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

# --- no server: an unanswered request, reported as time passes -------------
Q=$((P + 1))
"$CRAFT" -e "0 client server connect name=Sheng" -o "$T/one.pcap" 2> "$T/craft.err" ||
  { cat "$T/craft.err"; fail "craft"; }
verify_piped v2 --json --interface lo --server-port "$Q" --max-tries 1 --duration 20 -w "$T/kept.pcapng" \
  --stats-every 1 --clients
"$INJECT" --server "127.0.0.1:$Q" -r "$T/one.pcap" --wait 0 > "$T/inject2.out" 2>&1 || true
# One try, 3 s to wait (§7): reported within a second of that, not at the end.
wait_grep_within 4000 '"code":"unanswered_request"' "$T/v2.out"
echo "unanswered_request reported $WAITED_MS ms after the request (due at 3000 ms)"
[ "$WAITED_MS" -ge 2900 ] || fail "unanswered_request reported after $WAITED_MS ms, before its time"
kill -TERM "$VPID"
status=$(verify_status v2)
[ "$status" = 1 ] || { cat "$T/v2.out" "$T/v2.err"; fail "exit $status after SIGTERM, not 1"; }
tail -1 "$T/v2.out" | grep -q '^{"summary":{.*"imup_datagrams":1,.*"unanswered":1,.*"verdict":"findings"}}$' ||
  { cat "$T/v2.out"; fail "JSON summary"; }
# --json live: every line one JSON object; the stats objects (on standard
# output in this mode) list the client.
python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/v2.out" ||
  { cat "$T/v2.out"; fail "a line of --json output is not JSON"; }
grep -q '^{"stats":{"elapsed":.*"imup_datagrams":1,.*"requests":1,.*"clients":\[{"endpoint":"127\.0\.0\.1:[0-9]*","name":null,"connected":false,"group":null,"sent":1,"received":0,"requests":1,"retransmissions":0}\]}}$' "$T/v2.out" ||
  { cat "$T/v2.out"; fail "no stats object with the client"; }
grep -q '"stats"' "$T/v2.err" && fail "--json: stats on standard error"
plain_tshark -r "$T/kept.pcapng" -T fields -e udp.dstport > "$T/kept.txt" 2> "$T/tshark.err" || { cat "$T/tshark.err"; fail "tshark cannot read --write's file"; }
[ "$(cat "$T/kept.txt")" = "$Q" ] || { cat "$T/kept.txt"; fail "--write kept other frames"; }

# --- --count and --duration stop by themselves ------------------------------
# (in blocks of the ring, --block-ms: the one frame comes when its block times out)
spawn "$VERIFY" --interface lo --server-port "$Q" --count 1 --block-ms 50 > "$T/v3.out" 2> "$T/v3.err"
VPID=$LAST_PID
wait_grep "capturing on lo" "$T/v3.err"
"$INJECT" --server "127.0.0.1:$Q" -r "$T/one.pcap" --wait 0 > /dev/null 2>&1 || true
status=0
wait "$VPID" || status=$?
grep -q "^1 frames\|1 frames captured on lo" "$T/v3.err" || { cat "$T/v3.err"; fail "--count 1"; }
grep -q "^  unanswered_at_end  *1  warning$" "$T/v3.out" || { cat "$T/v3.out"; fail "--count 1: summary"; }
t0=$(ms_now)
"$VERIFY" --interface lo --server-port "$Q" --duration 0.5 > "$T/v4.out" 2> "$T/v4.err" && fail "--duration, nothing seen: exit 0"
took=$(($(ms_now) - t0))
[ "$took" -lt 3000 ] || fail "--duration 0.5 took $took ms"
grep -q "^no IMUP datagrams checked" "$T/v4.out" || { cat "$T/v4.out"; fail "--duration: summary"; }

# --- what cannot be captured says why, exit 2 -------------------------------
status=0
"$VERIFY" --interface imup-nosuch0 > /dev/null 2> "$T/e1" || status=$?
[ "$status" = 2 ] || fail "missing interface: exit $status"
grep -q "cannot capture on interface 'imup-nosuch0': no such interface" "$T/e1" || { cat "$T/e1"; fail "missing interface: message"; }
status=0
"$VERIFY" --interface lo --filter "udp port" > /dev/null 2> "$T/e2" || status=$?
[ "$status" = 2 ] || fail "bad filter: exit $status"
grep -q "the filter 'udp port' does not compile" "$T/e2" || { cat "$T/e2"; fail "bad filter: message"; }
if command -v setpriv > /dev/null; then
  status=0
  setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
    "$VERIFY" --interface lo > /dev/null 2> "$T/e3" || status=$?
  [ "$status" = 2 ] || { cat "$T/e3"; fail "unprivileged: exit $status"; }
  grep -q "cannot capture on interface 'lo': permission denied: a live capture needs root, or the capabilities CAP_NET_RAW and CAP_NET_ADMIN" "$T/e3" ||
    { cat "$T/e3"; fail "unprivileged: message"; }
fi
echo ok
