#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every tool has --help (exit 0), refuses unknown options and bad input with
# a clear message and its documented exit status, and never crashes on them.
. "$(dirname "$0")/lib.sh"

for tool in "$CRAFT" "$VERIFY" "$INJECT" "$IMPAIR"; do
  "$tool" --help > "$T/help" || fail "$tool --help exit"
  grep -q "Usage:" "$T/help" || fail "$tool --help text"
  set +e
  "$tool" --no-such-option > /dev/null 2> "$T/err"; s=$?
  set -e
  [ $s -ne 0 ] && [ $s -lt 128 ] || fail "$tool: unknown option exit $s"
  grep -q "no-such-option" "$T/err" || fail "$tool: unknown option message"
done
"$CRAFT" --help | grep -q "TIME SOURCE DESTINATION TYPE" || fail "craft --help documents the script"
"$CRAFT" --script-help | grep -q "21 user-list" || fail "craft --script-help"

# imup-craft: 2 for bad options, scripts (naming the line) and outputs, found before
# anything is written.
printf '0 client server connect name=A\n0 client server connect nme=B\n' > "$T/bad.txt"
set +e
"$CRAFT" -f "$T/bad.txt" -o "$T/x.pcap" 2> "$T/e1"; a=$?
"$CRAFT" -e '0 client server connect name=A' -o /nonexistent/dir/x.pcap 2> "$T/e2"; b=$?
"$CRAFT" -e '0 client server connect name="has space"' -o "$T/x.pcap" 2> "$T/e3"; c=$?
"$CRAFT" -o "$T/x.pcap" 2> "$T/e4"; d=$?
"$CRAFT" -F pcapx -e '0 client server ack' -o "$T/x.pcap" 2> "$T/e5"; e=$?
set -e
[ $a -eq 2 ] && grep -q "line 2: 'nme' is not a field of connect (its fields: name)" "$T/e1" || { cat "$T/e1"; fail "bad field ($a)"; }
[ $b -eq 2 ] && grep -q "/nonexistent/dir/x.pcap" "$T/e2" || { cat "$T/e2"; fail "bad output ($b)"; }
[ $c -eq 2 ] && grep -q "bad_name" "$T/e3" && grep -q "text=" "$T/e3" || { cat "$T/e3"; fail "refused name ($c)"; }
[ $d -eq 2 ] && grep -q "nothing to write" "$T/e4" || { cat "$T/e4"; fail "empty ($d)"; }
[ $e -eq 2 ] && grep -q "unknown format" "$T/e5" || { cat "$T/e5"; fail "format ($e)"; }
# Each range error names its option and its range, and nothing else.
for case in "--repeat -5|--repeat -5 is out of range: 1 or more" "--server-port 0|--server-port 0 is out of range: 1..65535" \
    "--gap -1|--gap -1 is out of range: 0..1e6 seconds" "--fuzz-rate 2|--fuzz-rate 2 is out of range: 0..1" \
    "--start -3|--start -3 is out of range: 0..4e9 seconds"; do
  args=${case%%|*} want=${case#*|}
  set +e
  # shellcheck disable=SC2086
  "$CRAFT" $args -e '0 client server ack' -o "$T/r.pcap" 2> "$T/er"; s=$?
  set -e
  [ $s -eq 2 ] && [ "$(cat "$T/er")" = "imup-craft: $want (try imup-craft --help)" ] ||
    { cat "$T/er"; fail "craft $args: exit $s"; }
done
# A refused line leaves nothing: no pcap header on a pipe, no file, and an
# existing file as it was.
set +e
"$CRAFT" -e '0 client server connect name=' > "$T/pipe.pcap" 2> /dev/null; s=$?
set -e
[ $s -eq 2 ] && [ ! -s "$T/pipe.pcap" ] || fail "craft wrote $(wc -c < "$T/pipe.pcap") bytes for a refused line (exit $s)"
"$CRAFT" -e '0 client server ack' -o "$T/keep.pcap"
cp "$T/keep.pcap" "$T/keep.orig"
set +e
"$CRAFT" -e '0 client server ack' -e '+0 client server connect name="a b"' -o "$T/keep.pcap" 2> /dev/null; s=$?
"$CRAFT" -e '0 client server connect name=' -o "$T/none.pcap" 2> /dev/null
set -e
[ $s -eq 2 ] && cmp -s "$T/keep.pcap" "$T/keep.orig" || fail "a failing craft changed an existing capture"
[ ! -e "$T/none.pcap" ] || fail "a failing craft left a file"
[ -z "$(ls "$T" | grep -E '\.pcap\.[A-Za-z0-9]{6}$' || true)" ] || fail "craft left a temporary file: $(ls "$T")"
# What is not a regular file is written through, never renamed over: a
# symbolic link stays a link to the capture, a FIFO stays a FIFO.
"$CRAFT" -e '0 client server ack' -o "$T/real.pcap"
ln -s real.pcap "$T/link.pcap"
"$CRAFT" -e '0 client server ack' -e '+0 client server ack' -o "$T/link.pcap"
[ -L "$T/link.pcap" ] && [ "$(wc -c < "$T/real.pcap")" -gt "$(wc -c < "$T/keep.orig")" ] ||
  fail "craft -o on a symbolic link replaced the link or did not write its target"
mkfifo "$T/fifo"
cat "$T/fifo" > "$T/from-fifo" &
"$CRAFT" -e '0 client server ack' -o "$T/fifo"
wait
[ -p "$T/fifo" ] && cmp -s "$T/from-fifo" "$T/keep.orig" || fail "craft -o on a FIFO did not write through it"
# ... but the same name goes out when written raw.
"$CRAFT" -e '0 client server connect text="has space\r\n"' -o "$T/x.pcap" || fail "raw text"

# imup-verify survives fuzzed captures (exit 0 or 1, never a crash).
printf '0 client server connect name=Sheng\n- server client ack\n- client server message message=hi\n- server client ack\n- client server list\n- server client user-list entry=0:Sheng\n' > "$T/s.txt"
for seed in 1 2 3 4 5 6 7 8; do
  "$CRAFT" -f "$T/s.txt" --repeat 20 --fuzz $seed -o "$T/f.pcap"
  set +e
  "$VERIFY" --quiet "$T/f.pcap" > /dev/null; s=$?
  set -e
  [ $s -le 1 ] || fail "verify exit $s on fuzz seed $seed"
done
# ... and truncated or corrupted capture files (exit 2 at worst).
"$CRAFT" -f "$T/s.txt" --repeat 5 -o "$T/g.pcapng"
size=$(wc -c < "$T/g.pcapng")
for cut in 10 30 100 200 333 $((size - 3)); do
  head -c $cut "$T/g.pcapng" > "$T/cut.pcapng"
  set +e
  "$VERIFY" --quiet "$T/cut.pcapng" > /dev/null 2>&1; s=$?
  set -e
  [ $s -le 2 ] || fail "verify exit $s on a capture cut at $cut bytes"
done
# ... and random frames of other protocols (randpkt), truncated or not.
for t in eth ip udp dns tcp arp ipv6 syslog icmp; do
  randpkt -b 600 -c 200 -t $t "$T/r.$t.pcap" 2>/dev/null
  set +e
  "$VERIFY" --quiet "$T/r.$t.pcap" > /dev/null 2>&1; s=$?
  set -e
  [ $s -le 2 ] || fail "verify exit $s on randpkt $t frames"
done
echo ok
