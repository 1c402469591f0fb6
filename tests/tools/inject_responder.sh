#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-inject against a live UDP responder (tests/tools/test_responder.cpp):
# client mode numbers requests, matches answers, retransmits after 2-3 s and
# reports it; replay mode paces with --pps/--count/--loop and reports rates;
# bad input gets clear errors.
. "$(dirname "$0")/lib.sh"

cat > "$T/s.txt" <<'SCRIPT'
0     client  server connect name=Sheng seq=700
+0.01 server  client ack
+0.01 client2 server connect name=Lucy
+0.01 server  client2 ack
+0.01 client  server message message="Bonjour"
+0.01 server  client ack
+0.01 client  server list
+0.01 server  client user-list entry=0:Sheng
SCRIPT

spawn "$RESPONDER" "$T/port"
wait_file "$T/port"
P=$(cat "$T/port")

# Client mode: every request answered, numbers assigned by the client (the
# script's seq=700 is forced and kept), the script's expected types checked.
"$INJECT" --server 127.0.0.1:$P --client -f "$T/s.txt" --json > "$T/client.json" || { cat "$T/client.json"; fail "client mode exit"; }
python3 - "$T/client.json" <<'PY' || fail "client mode report"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
req = [o for o in objs if o.get("event") == "request"]
assert [(r["type"], r["seq"], r["answer"], r["retries"]) for r in req] == [
    (1, 700, 8, 0), (1, 0, 8, 0), (18, 701, 8, 0), (4, 702, 21, 0)], req
assert all(r["rtt_ms"] < 1000 for r in req)
s = objs[-1]["summary"]
assert s["requests"] == 4 and s["answered"] == 4 and s["unanswered"] == 0, s
PY

# A mismatch with the script's expected answer makes the exit status 1.
set +e
"$INJECT" --server 127.0.0.1:$P --client -e '0 client server connect name=A' -e '+0.01 server client refused' > "$T/mismatch.out"
s=$?
set -e
[ $s -eq 1 ] || fail "mismatch exit $s"
grep -q "the script expects 2 (Connection refused)" "$T/mismatch.out" || { cat "$T/mismatch.out"; fail "mismatch report"; }

# Retransmission: a responder that ignores the first copy of each request.
spawn "$RESPONDER" "$T/port2" 1
wait_file "$T/port2"
P2=$(cat "$T/port2")
"$INJECT" --server 127.0.0.1:$P2 --client -e '0 client server connect name=Sheng' > "$T/retry.out" || { cat "$T/retry.out"; fail "retry exit"; }
grep -q "answered by 8 (ACK) in .* ms, 1 retry" "$T/retry.out" || { cat "$T/retry.out"; fail "retry report"; }
# With one try only, the same request goes unanswered: exit 1.
set +e
"$INJECT" --server 127.0.0.1:$P2 --client --tries 1 -e '0 client3 server connect name=X' > "$T/none.out"
s=$?
set -e
[ $s -eq 1 ] && grep -q "no answer after 1 tries" "$T/none.out" || { cat "$T/none.out"; fail "unanswered report ($s)"; }

# Replay at a rate: 2000 datagrams at 4000/s take about half a second.
"$INJECT" --server 127.0.0.1:$P -f "$T/s.txt" --pps 4000 --count 2000 > "$T/pps.out" || fail "pps exit"
grep -Eq "^sent 2000 datagrams .* against 4000 requested \((9[0-9]|10[0-9])\.[0-9]%\); 0 failed; [0-9]+ answers received" "$T/pps.out" || { cat "$T/pps.out"; fail "pps report"; }
# --loop: the 4 client datagrams 3 times; --topspeed.
"$INJECT" --server 127.0.0.1:$P -f "$T/s.txt" --loop 3 --topspeed --progress > "$T/loop.out" 2> "$T/progress" || fail "loop exit"
grep -q "^sent 12 datagrams" "$T/loop.out" || { cat "$T/loop.out"; fail "loop count"; }
grep -q "imup-inject: sent 12, " "$T/progress" || { cat "$T/progress"; fail "progress line"; }
# Without --progress and not on a terminal: no progress line.
"$INJECT" --server 127.0.0.1:$P -f "$T/s.txt" --topspeed > /dev/null 2> "$T/noprogress"
[ ! -s "$T/noprogress" ] || fail "progress line on a pipe"
# A capture as input: craft's output replayed; only the client's datagrams go.
"$CRAFT" -f "$T/s.txt" -o "$T/s.pcapng"
"$INJECT" --server 127.0.0.1:$P -r "$T/s.pcapng" --speed 10 > "$T/cap.out" || fail "capture replay"
grep -q "^sent 4 datagrams .* 4 answers received" "$T/cap.out" || { cat "$T/cap.out"; fail "capture replay report"; }

# Errors: exit 2 with a message.
set +e
"$INJECT" -f "$T/s.txt" 2> "$T/e1"; a=$?
"$INJECT" --server nowhere -f "$T/s.txt" 2> "$T/e2"; b=$?
"$INJECT" --server 127.0.0.1:$P -e '0 client server nosuchtype' 2> "$T/e3"; c=$?
"$INJECT" --server 127.0.0.1:$P -r "$T/port" 2> "$T/e4"; d=$?
set -e
[ $a -eq 2 ] && [ $b -eq 2 ] && [ $c -eq 2 ] && [ $d -eq 2 ] || fail "error exits $a $b $c $d"
grep -q "required" "$T/e1" && grep -q "not ADDR:PORT" "$T/e2" && grep -q "unknown type" "$T/e3" || fail "error messages"
echo ok
