#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-inject --raw lo: whole frames with the script's (spoofed) source
# addresses go out through libpcap; tshark capturing on lo sees them, and
# imup-verify reads them back. (Frames injected on lo reach capture, never
# a socket.) Needs root, which the tests have.
. "$(dirname "$0")/lib.sh"
port=$((20000 + $$ % 20000))
spawn tshark -i lo -f "udp and dst port $port" -c 3 -w "$T/raw.pcapng" 2> "$T/tshark.err"
TSHARK=$LAST_PID
i=0
until grep -q "Capturing on" "$T/tshark.err" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 200 ] && fail "tshark did not start"; sleep 0.05
done
sleep 0.3  # the filter is attached just after the message
"$INJECT" --raw lo --server 127.0.0.1:$port -e '0 client server connect name=Sheng' \
  -e '+0.01 client server list' -e '+0.01 client server message message=x' > "$T/inject.out" \
  || { cat "$T/inject.out"; fail "inject --raw"; }
i=0
while kill -0 "$TSHARK" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "tshark did not see the 3 frames"; sleep 0.05
done
grep -q "^sent 3 datagrams .* 0 failed" "$T/inject.out" || { cat "$T/inject.out"; fail "report"; }
set +e
"$VERIFY" --json --server-port $port "$T/raw.pcapng" > "$T/verify.json"
set -e
python3 - "$T/verify.json" <<'PY' || fail "captured frames"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
s = objs[-1]["summary"]
assert s["imup_datagrams"] == 3 and s["by_type"] == {"1": 1, "4": 1, "18": 1}, s
v = [o for o in objs if "code" in o]
assert all(o["src"] == "192.0.2.10:40000" for o in v), v
PY
# Not on a non-existent interface: a clear error.
set +e
"$INJECT" --raw no-such-if0 -e '0 client server ack' 2> "$T/err"; s=$?
set -e
[ $s -eq 2 ] && grep -q "no-such-if0" "$T/err" || { cat "$T/err"; fail "bad interface: $s"; }
echo ok
