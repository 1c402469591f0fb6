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
# One exit scheme (reference-impl/cli/usage.hpp), stated the same way in each
# --help, a bad option exiting 2, and --version printing the project's version.
SERVER=$BUILD/reference-impl/server/imup-server
DECODE=$BUILD/tools/decode/imup-decode
version=$(sed -n 's/^project(imup VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")
[ -n "$version" ] || fail "the project's version in CMakeLists.txt"
for tool in "$CRAFT" "$VERIFY" "$INJECT" "$IMPAIR" "$SERVER" "$DECODE"; do
  [ -x "$tool" ] || continue  # the server is another part's target
  name=$(basename "$tool")
  "$tool" --help > "$T/help"
  grep -q "^Exit status:$" "$T/help" && grep -q "^  0  ." "$T/help" && grep -q "^  1  ." "$T/help" &&
    grep -q "^  2  ." "$T/help" || { cat "$T/help"; fail "$name --help does not state the exit scheme"; }
  set +e
  "$tool" --no-such-option > /dev/null 2> "$T/err"; s=$?
  set -e
  [ $s -eq 2 ] && [ "$(cat "$T/err")" = "$name: Unknown option --no-such-option (try $name --help)" ] ||
    { cat "$T/err"; fail "$name: unknown option exit $s"; }
  [ "$("$tool" --version | head -1)" = "$name (IMUP toolkit) $version" ] || fail "$name --version"
done
# Each range error names its option and its range.
range_error() {  # TOOL WANT ARGS...: TOOL ARGS exits 2 and says exactly WANT
  tool=$1 want=$2
  shift 2
  name=$(basename "$tool")
  set +e
  timeout 5 "$tool" "$@" > /dev/null 2> "$T/er"; s=$?
  set -e
  [ $s -eq 2 ] && [ "$(cat "$T/er")" = "$name: $want (try $name --help)" ] || { cat "$T/er"; fail "$name $*: exit $s"; }
}
for case in "--wait -1|--wait -1 is out of range: 0..3600 seconds" "--tries 17|--tries 17 is out of range: 1..16" \
    "--tries 0|--tries 0 is out of range: 1..16" "--pps -5|--pps -5 is out of range: 0 or more datagrams per second (0: not set)" \
    "--speed 0|--speed 0 is out of range: above 0" "--count -1|--count -1 is out of range: 0 or more (0: no limit)" \
    "--linger -2|--linger -2 is out of range: 0..3600 seconds" "--server-port 70000|--server-port 70000 is out of range: 1..65535"; do
  # shellcheck disable=SC2086
  range_error "$INJECT" "${case#*|}" ${case%%|*} --server 127.0.0.1:2017 -e '0 client server list'
done
for case in "--duration -1|--duration -1 is out of range: 0..1e9 seconds (0: until SIGINT/SIGTERM)" \
    "--drop 1.5|--drop 1.5 is out of range: 0..1" "--delay -1|--delay -1 is out of range: 0..3.6e6 ms" \
    "--max-clients 0|--max-clients 0 is out of range: 1..65535"; do
  # shellcheck disable=SC2086
  range_error "$IMPAIR" "${case#*|}" ${case%%|*} --listen 127.0.0.1:0 --server 127.0.0.1:2017
done
if [ -x "$SERVER" ]; then
  range_error "$SERVER" "--set timers.tries=1000000: [timers] tries: '1000000' is above the maximum 16" --set timers.tries=1000000 --print-config
  range_error "$SERVER" "--set timers.tries=50: [timers] tries: '50' is above the maximum 16" --set timers.tries=50 --print-config
  range_error "$SERVER" "--set timers.answer-cache=300: [timers] answer-cache: '300' is above the maximum 256" --set timers.answer-cache=300 --print-config
fi
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

# Addresses: localhost is 127.0.0.1 on every command line (here craft's
# --src and --dst, and a script's define), as io::parse_socket_address has it.
"$CRAFT" --src 127.0.0.1:40000 --dst 127.0.0.1:2017 connect name=A -o "$T/ip.pcap"
"$CRAFT" --src localhost:40000 --dst localhost:2017 connect name=A -o "$T/localhost.pcap" ||
  fail "craft --src localhost:PORT refused"
"$CRAFT" -e 'define here localhost:40000' -e '0 here 127.0.0.1:2017 connect name=A' -o "$T/define.pcap" ||
  fail "craft define NAME localhost:PORT refused"
cmp -s "$T/ip.pcap" "$T/localhost.pcap" && cmp -s "$T/ip.pcap" "$T/define.pcap" || fail "localhost is not 127.0.0.1 in craft"

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
