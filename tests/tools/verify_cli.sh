#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-verify's interface: exit statuses, standard input, JSON Lines that
# parse, --ignore, rate-limited repeats, several captures, the summary's
# counts and RTTs, --server-port, and clear errors on bad input.
. "$(dirname "$0")/lib.sh"

cat > "$T/ok.txt" <<'SCRIPT'
0     client server connect name=Sheng
+0.010 server client ack
+1    client server message message=hello
+0.020 server client ack
+1    client server list
+0.030 server client user-list entry=0:Sheng
SCRIPT
"$CRAFT" -f "$T/ok.txt" -o "$T/ok.pcapng"
"$VERIFY" "$T/ok.pcapng" > "$T/out" || fail "clean capture: exit $?"
grep -q "exchanges: 3 requests, 3 answers, 0 retransmissions, 0 unanswered" "$T/out" || { cat "$T/out"; fail "exchange counts"; }
grep -q "answer RTT: min 10.000 ms, median 20.000 ms" "$T/out" || { cat "$T/out"; fail "RTT figures"; }
grep -q "  21 User list page: 1" "$T/out" || fail "per-type counts"

# Standard input.
"$VERIFY" - < "$T/ok.pcapng" > "$T/out" || fail "stdin"
grep -q "6 IMUP datagrams" "$T/out" || fail "stdin counts"

# Violations: exit 1; JSON lines all parse; --ignore silences; repeats limited.
{
  cat "$T/ok.txt"
  for i in $(seq 1 30); do echo "- client server connect name=Sheng low=1 seq=$((i + 10))"; echo "- server client ack"; done
} > "$T/bad.txt"
"$CRAFT" -f "$T/bad.txt" -o "$T/bad.pcap"
set +e
"$VERIFY" --json "$T/bad.pcap" > "$T/bad.json"; s1=$?
"$VERIFY" --ignore reserved_set,seq_gap "$T/bad.pcap" > "$T/ign.out"; s2=$?
"$VERIFY" --strict --ignore seq_gap "$T/bad.pcap" > /dev/null; s3=$?
"$VERIFY" --max-repeats 3 --ignore seq_gap "$T/bad.pcap" > "$T/rep.out"; s4=$?
set -e
[ $s1 -eq 0 ] || fail "warnings alone should exit 0, got $s1"
[ $s2 -eq 0 ] || fail "ignored codes: exit $s2"
[ $s3 -eq 1 ] || fail "--strict with warnings: exit $s3"
[ $s4 -eq 0 ] || fail "max-repeats: exit $s4"
python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]
assert "summary" in objs[-1], "last line is the summary"
v = [o for o in objs if "code" in o]
assert any(o["code"] == "reserved_set" and o["severity"] == "warning" and o["frame"] == 7 for o in v), v[:3]
assert objs[-1]["summary"]["violations"]["reserved_set"] == 30
' "$T/bad.json" || fail "JSON Lines"
grep -q reserved_set "$T/ign.out" && fail "--ignore did not silence"
# The decode cache changes nothing but speed (the bad capture repeats bytes
# but for the sequence number).
"$VERIFY" --json --max-repeats 0 --no-decode-cache "$T/bad.pcap" > "$T/nocache.json" || true
"$VERIFY" --json --max-repeats 0 "$T/bad.pcap" > "$T/cache.json" || true
cmp -s "$T/nocache.json" "$T/cache.json" || fail "decode cache changes the report"
[ "$(grep -c ' warning reserved_set ' "$T/rep.out")" -eq 3 ] || fail "max-repeats lines"
grep -q "further reserved_set reports suppressed" "$T/rep.out" || fail "suppression note"
grep -q "reserved_set  *30  *warning" "$T/rep.out" || fail "suppressed still counted"

# An error violation: exit 1; two captures in one run, frame numbers per file.
# (The capture lasts past the request's last timeout: not merely cut short.)
"$CRAFT" -e '0 client server connect name=Sheng' -e '+120 client2 server connect name=Lucy' \
  -e '+0.01 server client2 ack' -o "$T/unanswered.pcap"
set +e
"$VERIFY" "$T/ok.pcapng" "$T/unanswered.pcap" > "$T/two.out"; s=$?
set -e
[ $s -eq 1 ] || fail "unanswered: exit $s"
grep -q "unanswered.pcap:1 .* error unanswered_request" "$T/two.out" || { cat "$T/two.out"; fail "file:frame of the violation"; }

# --server-port: the same session on port 4000 is clean only when told.
"$CRAFT" -f "$T/ok.txt" -e 'define x 1.2.3.4:5' -o "$T/p.pcap"
sed 's/server/srv/g' "$T/ok.txt" | sed '1i define srv 192.0.2.1:4000' > "$T/p.txt"
"$CRAFT" -f "$T/p.txt" -o "$T/p.pcap"
"$VERIFY" --server-port 4000 "$T/p.pcap" | grep -q "6 IMUP datagrams" || fail "--server-port"
"$VERIFY" "$T/p.pcap" | grep -q "0 IMUP datagrams" || fail "other port is not IMUP"

# Unreadable input: exit 2 with a message; a cut file too; bad options.
echo "not a capture" > "$T/junk.pcap"
set +e
"$VERIFY" "$T/junk.pcap" > /dev/null 2> "$T/err"; s=$?
head -c 100 "$T/ok.pcapng" > "$T/cut.pcapng"
"$VERIFY" "$T/cut.pcapng" > /dev/null 2>> "$T/err"; s2=$?
"$VERIFY" "$T/missing.pcap" > /dev/null 2>> "$T/err"; s3=$?
"$VERIFY" --ignore no_such_code "$T/ok.pcapng" > /dev/null 2>> "$T/err"; s4=$?
"$VERIFY" > /dev/null 2>> "$T/err"; s5=$?
set -e
editcap -T ieee-802-11 "$T/ok.pcapng" "$T/wifi.pcapng"
set +e
"$VERIFY" "$T/wifi.pcapng" > /dev/null 2> "$T/wifi.err"; s6=$?
set -e
[ $s -eq 2 ] && [ $s2 -eq 2 ] && [ $s3 -eq 2 ] && [ $s4 -eq 2 ] && [ $s5 -eq 2 ] && [ $s6 -eq 2 ] || fail "exit statuses $s $s2 $s3 $s4 $s5 $s6"
grep -q "wifi.pcapng: unsupported link type 105" "$T/wifi.err" || { cat "$T/wifi.err"; fail "link type message"; }
grep -q "junk.pcap" "$T/err" && grep -q "no_such_code" "$T/err" || { cat "$T/err"; fail "messages"; }

# --threads 2 (reading on a second thread) reports exactly what --threads 1
# does, byte for byte, with the same exit status: on every reference
# capture, the cut file, standard input, and several files in one run.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
for f in "$SRC"/captures/*.pcap "$SRC"/captures/recorded/*.pcapng "$T/cut.pcapng" "$T/bad.pcap"; do
  set +e
  "$VERIFY" --threads 1 --json --max-repeats 0 "$f" > "$T/t1.json" 2> "$T/t1.err"; a=$?
  "$VERIFY" --threads 2 --json --max-repeats 0 "$f" > "$T/t2.json" 2> "$T/t2.err"; b=$?
  set -e
  [ $a -eq $b ] || fail "$f: exit $a with one thread, $b with two"
  cmp -s "$T/t1.json" "$T/t2.json" || { diff "$T/t1.json" "$T/t2.json" | head; fail "$f: reports differ between --threads 1 and 2"; }
  cmp -s "$T/t1.err" "$T/t2.err" || fail "$f: messages differ between --threads 1 and 2"
done
"$VERIFY" --threads 1 - "$T/bad.pcap" < "$T/ok.pcapng" > "$T/t1.out" || true
"$VERIFY" --threads 2 - "$T/bad.pcap" < "$T/ok.pcapng" > "$T/t2.out" || true
cmp -s "$T/t1.out" "$T/t2.out" || fail "stdin and a file: reports differ between --threads 1 and 2"
set +e
"$VERIFY" --threads 3 "$T/ok.pcapng" > /dev/null 2> "$T/err"; s=$?
set -e
[ $s -eq 2 ] && grep -q "threads" "$T/err" || fail "--threads 3: exit $s"

# --help and --list-codes.
"$VERIFY" --help | grep -q "list-codes" || fail "--help"
[ "$("$VERIFY" --list-codes | wc -l)" -ge 40 ] || fail "--list-codes"
echo ok
