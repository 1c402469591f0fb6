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

# A sender that gave up early (§7): named, with its tries. One that used all
# its tries with the backoff did not: only unanswered.
grep -q "error gave_up_early .*sent 1 of 5 tries, then nothing for 120.000 s though try 2 was due within 3.000 s" "$T/two.out" ||
  { cat "$T/two.out"; fail "gave_up_early"; }
"$CRAFT" -e '0 client server connect name=Sheng' -e '+3 client server connect name=Sheng resend=yes' \
  -e '+6 client server connect name=Sheng resend=yes' -e '+12 client server connect name=Sheng resend=yes' \
  -e '+24 client server connect name=Sheng resend=yes' -e '+100 client2 server connect name=Lucy' \
  -e '+0.01 server client2 ack' -o "$T/all-tries.pcap"
set +e
"$VERIFY" "$T/all-tries.pcap" > "$T/out" 2>&1
set -e
grep -q "unanswered_request .*never answered after 5 tries" "$T/out" || { cat "$T/out"; fail "all tries: unanswered"; }
grep -q gave_up_early "$T/out" && { cat "$T/out"; fail "all tries used: not gave_up_early"; }
# --max-tries 3: three tries are all there are.
"$CRAFT" -e '0 client server connect name=Sheng' -e '+3 client server connect name=Sheng resend=yes' \
  -e '+6 client server connect name=Sheng resend=yes' -e '+100 client2 server connect name=Lucy' \
  -e '+0.01 server client2 ack' -o "$T/three-tries.pcap"
set +e
"$VERIFY" "$T/three-tries.pcap" > "$T/out3" 2>&1
"$VERIFY" --max-tries 3 "$T/three-tries.pcap" > "$T/out" 2>&1
set -e
grep -q gave_up_early "$T/out3" || { cat "$T/out3"; fail "three of five tries: gave_up_early"; }
grep -q gave_up_early "$T/out" && { cat "$T/out"; fail "--max-tries 3: not gave_up_early"; }

# A listing in two pages, walked as §11 says: clean. (The paging rules'
# violations are each shown in violation_codes.sh.)
full=$(for i in $(seq 10 55); do printf ' entry=%d:User%02dxxxxxxxxxxx' "$i" "$i"; done)
"$CRAFT" -e '0 client server connect name=Sheng' -e '+0.01 server client ack' -e '+1 client server list' \
  -e "+0.01 server client user-list $full more=yes" -e '+1 client server list start=56' \
  -e '+0.01 server client user-list entry=56:Sheng' -o "$T/pages.pcap"
"$VERIFY" "$T/pages.pcap" > "$T/out" 2>&1 || { cat "$T/out"; fail "two pages: exit $?"; }
grep -q "^violations: 0 errors, 0 warnings$" "$T/out" || { cat "$T/out"; fail "two pages: violations"; }

# --server-port: the same session on port 4000 is clean only when told.
"$CRAFT" -f "$T/ok.txt" -e 'define x 1.2.3.4:5' -o "$T/p.pcap"
sed 's/server/srv/g' "$T/ok.txt" | sed '1i define srv 192.0.2.1:4000' > "$T/p.txt"
"$CRAFT" -f "$T/p.txt" -o "$T/p.pcap"
"$VERIFY" --server-port 4000 "$T/p.pcap" | grep -q "6 IMUP datagrams" || fail "--server-port"
# Without --server-port the port is learned from the traffic (its first
# Connexion), said on standard error and in the summary.
"$VERIFY" "$T/p.pcap" > "$T/out" 2> "$T/err" || { cat "$T/out" "$T/err"; fail "learned port: exit $?"; }
grep -q "6 IMUP datagrams" "$T/out" || { cat "$T/out"; fail "learned port: counts"; }
grep -q "server port 4000, learned from the traffic (frame 1 of .*p.pcap: type 1 (Connect) sent to it)" "$T/err" ||
  { cat "$T/err"; fail "learned port: stderr"; }
grep -q "^server port: 4000, learned from the traffic" "$T/out" || fail "learned port: summary"
"$VERIFY" --json "$T/p.pcap" 2> /dev/null | tail -1 | grep -q '"server_port":4000,"server_port_origin":"learned from the traffic' ||
  fail "learned port: JSON summary"
# A server-only type tells the port too (the capture starts mid-session).
# A bare header (the probe) is too little to tell, as for the plugin.
"$CRAFT" -e 'define srv 192.0.2.1:4017' -e '0 srv client probe' -e '+0.01 client srv ack' \
  -e '+1 srv client relayed message=hi sender=Lucy' -e '+0.01 client srv ack' -o "$T/relayed.pcap"
"$VERIFY" --ignore not_connected "$T/relayed.pcap" 2> "$T/err" > "$T/out" || fail "port from a relayed message: exit $?"
grep -q "server port 4017, learned .*frame 3 .*type 9 (Relayed message) sent from it" "$T/err" || { cat "$T/err"; fail "port from a relayed message"; }
grep -q "4 IMUP datagrams" "$T/out" || { cat "$T/out"; fail "held datagrams not checked once the port was learned"; }
# An explicit port still wins: nothing is IMUP there, which is a finding.
set +e
"$VERIFY" --server-port 2017 "$T/p.pcap" > "$T/out" 2>&1; s=$?
set -e
[ $s -eq 1 ] || fail "--server-port 2017 on a port-4000 capture: exit $s"
grep -q "no IMUP datagrams checked: none of 6 UDP datagrams went to or from port 2017" "$T/out" || { cat "$T/out"; fail "explicit port: no IMUP"; }
grep -q "^violations: 0 errors, 0 warnings$" "$T/out" && fail "no IMUP datagram reads as a pass"
# Traffic that is not IMUP at all: exit 1, and the summary says why.
python3 - "$T/dns.pcap" <<'PY'
import struct, sys
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # raw IPv4
for i in range(20):
    payload = bytes([i, 7, 1, 0, 0, 1, 0, 0]) + b"not imup at all" * 3
    udp = struct.pack(">HHHH", 40000 + i, 53, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    s = sum(struct.unpack(">10H", ip))
    while s > 0xFFFF: s = (s & 0xFFFF) + (s >> 16)
    ip = ip[:10] + struct.pack(">H", ~s & 0xFFFF) + ip[12:]
    out.write(struct.pack("<IIII", i, 0, len(ip + udp), len(ip + udp)) + ip + udp)
PY
set +e
"$VERIFY" "$T/dns.pcap" > "$T/out" 2> "$T/err"; s=$?
"$VERIFY" --json "$T/dns.pcap" > "$T/dns.json" 2> /dev/null
set -e
[ $s -eq 1 ] || { cat "$T/out" "$T/err"; fail "not IMUP: exit $s"; }
grep -q "no IMUP datagrams checked: none of 20 UDP datagrams looked like IMUP; give --server-port" "$T/out" ||
  { cat "$T/out"; fail "not IMUP: summary"; }
tail -1 "$T/dns.json" | grep -q '"verdict":"no_imup_datagrams"' || fail "not IMUP: JSON verdict"
set +e
"$VERIFY" --no-summary "$T/dns.pcap" > /dev/null 2> "$T/err"; s=$?
set -e
[ $s -eq 1 ] && grep -q "no IMUP datagrams checked" "$T/err" || fail "--no-summary: why the status is 1"

# A reconnect (§14): the new session's Connexion ends the old one, the
# server numbers the new session half the sequence space away (8, then 520),
# and the client may continue its numbering or start over: no violation.
# The first session, the server's requests numbered up to 8.
FIRST_SESSION='0     client server connect name=Sheng
+0.01 server client ack
+0.02 server client probe seq=8
+0.01 client server ack
+1    client server message message=hello
+0.01 server client ack'
{ printf '%s\n' "$FIRST_SESSION"; cat; } > "$T/reconnect.txt" <<'SCRIPT'
+1    client server disconnect
+0.01 server client ack
+1    client server connect name=Sheng
+0.01 server client ack
+0.02 server client probe seq=520
+0.01 client server ack
+1    client server message message=again
+0.01 server client ack
SCRIPT
"$CRAFT" -f "$T/reconnect.txt" -o "$T/reconnect.pcap"
"$VERIFY" "$T/reconnect.pcap" > "$T/out" 2>&1 || { cat "$T/out"; fail "reconnect: exit $?"; }
grep -q "^violations: 0 errors, 0 warnings$" "$T/out" || { cat "$T/out"; fail "reconnect: violations"; }
# Without the Deconnexion (a new Connexion from a connected endpoint), and
# with the client numbering its new session from 0 (another name: the same
# bytes on the same number would be a resend).
{ printf '%s\n' "$FIRST_SESSION"; cat; } > "$T/restart.txt" <<'SCRIPT'
+1    client server connect name=Lucy seq=0
+0.01 server client ack
+0.02 server client probe seq=520
+0.01 client server ack
+1    client server message message=again seq=1
+0.01 server client ack
SCRIPT
"$CRAFT" -f "$T/restart.txt" -o "$T/restart.pcap"
"$VERIFY" "$T/restart.pcap" > "$T/out" 2>&1 || { cat "$T/out"; fail "numbering over: exit $?"; }
# A replay of one session twice (imup-inject --loop 2): after the accepted
# Deconnexion the Connexion repeats the first one's number and bytes, and
# the server takes it as a new session (probe 512): not a resend sent too soon.
session='+0.01 server client ack
+0.01 server client probe seq=%d
+0.01 client server ack
+0.05 client server disconnect
+0.01 server client ack'
{
  echo '0 client server connect name=Sheng'; printf "$session\n" 0
  echo '+0.05 client server connect name=Sheng seq=0'; printf "$session\n" 512 | sed 's/disconnect/disconnect seq=1/'
} > "$T/replay.txt"
"$CRAFT" -f "$T/replay.txt" -o "$T/replay.pcap"
"$VERIFY" "$T/replay.pcap" > "$T/out" 2>&1 || { cat "$T/replay.txt" "$T/out"; fail "replayed session: exit $?"; }
grep -q "^violations: 0 errors, 0 warnings$" "$T/out" || { cat "$T/out"; fail "replayed session: violations"; }
# Still a violation within one session.
{ printf '%s\n' "$FIRST_SESSION"; cat; } > "$T/one-session.txt" <<'SCRIPT'
+0.02 server client probe seq=520
+0.01 client server ack
SCRIPT
"$CRAFT" -f "$T/one-session.txt" -o "$T/one-session.pcap"
set +e
"$VERIFY" "$T/one-session.pcap" > "$T/out" 2>&1; s=$?
set -e
[ $s -eq 1 ] && grep -q "error seq_not_increasing .*new request numbered 520 after 8" "$T/out" ||
  { cat "$T/one-session.txt" "$T/out"; fail "one session: seq_not_increasing expected, exit $s"; }
grep -q "^violations: 1 errors, 0 warnings$" "$T/out" || { cat "$T/out"; fail "one session: only the numbering"; }

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
# Work not done never reads as a pass: the summary names what was not read
# and why, and its violation counts say they are of what was read.
mkdir "$T/dir.pcap"
: > "$T/empty.pcap"
for bad in missing.pcap dir.pcap junk.pcap empty.pcap cut.pcapng; do
  set +e
  "$VERIFY" "$T/$bad" > "$T/out" 2> /dev/null; s=$?
  set -e
  [ $s -eq 2 ] || fail "$bad: exit $s"
  grep -q "^not checked: $T/$bad: ." "$T/out" || { cat "$T/out"; fail "$bad: no 'not checked' line"; }
  grep -q "^violations: 0 errors, 0 warnings$" "$T/out" && { cat "$T/out"; fail "$bad: summary reads as a pass"; }
  grep -q "^violations: .* 1 capture not checked to the end" "$T/out" || fail "$bad: counts not qualified"
done
"$VERIFY" "$T/empty.pcap" 2>&1 | grep -q "empty input" || fail "empty file not called empty"
"$VERIFY" "$T/cut.pcapng" 2>&1 | grep -q "not checked: .*cut.pcapng: .*ends in the middle of a record" || fail "cut file not called cut"
set +e
"$VERIFY" --json "$T/cut.pcapng" > "$T/cut.json" 2> /dev/null
set -e
tail -1 "$T/cut.json" | grep -q '"not_checked":\[{"file":".*cut.pcapng","reason":' || fail "JSON not_checked"
tail -1 "$T/cut.json" | grep -q '"verdict":"not_checked"' || fail "JSON verdict of a cut file"
# A capture with a header and no record: read, but nothing checked (exit 1).
head -c 24 "$T/p.pcap" > "$T/header-only.pcap"
set +e
"$VERIFY" "$T/header-only.pcap" > "$T/out" 2>&1; s=$?
# imup-craft refusing its only line: verify must not call the result clean.
"$CRAFT" -e '0 client server connect name=' 2> /dev/null | "$VERIFY" - > "$T/out2" 2>&1; s2=$?
set -e
[ $s -eq 1 ] && grep -q "no IMUP datagrams checked" "$T/out" || { cat "$T/out"; fail "header only: exit $s"; }
[ $s2 -ne 0 ] && grep -q "no IMUP datagrams checked" "$T/out2" || { cat "$T/out2"; fail "failed craft piped in: exit $s2"; }
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
# Out-of-range options are refused, naming the option and its range.
for bad in "--threads 0" "--threads -1" "--threads 64" "--max-tries 0" "--max-tries 256" \
           "--server-port 0" "--server-port 65536" "--max-repeats -1"; do
  set +e
  # shellcheck disable=SC2086 # the option and its value are two words
  "$VERIFY" $bad "$T/ok.pcapng" > /dev/null 2> "$T/err"; s=$?
  set -e
  opt=${bad%% *}
  [ $s -eq 2 ] || fail "$bad: exit $s"
  grep -q "imup-verify: $opt ${bad#* } is out of range: " "$T/err" || { cat "$T/err"; fail "$bad: message"; }
done

# --help and --list-codes.
"$VERIFY" --help | grep -q "list-codes" || fail "--help"
"$VERIFY" --help | tr '\n' ' ' | grep -q "0 *clean.*1 *findings.*no IMUP datagram.*2 *usage or input errors" || fail "--help: exit scheme"
[ "$("$VERIFY" --list-codes | wc -l)" -ge 40 ] || fail "--list-codes"
echo ok
