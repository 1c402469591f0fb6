#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks of the pcap tools, each against its anchor in the same run:
#   imup-verify vs a bare pcap_next_ex loop and vs tshark, on >= 1,000,000 datagrams
#   imup-craft datagrams/s written to a file
#   imup-inject --topspeed vs a bare sendmmsg loop
#   imup-verify --interface lo vs tcpdump -w /dev/null on the same traffic:
#     the highest rate each captures with no drop reported by pcap_stats
#     (root and tcpdump needed; said and left out otherwise)
# Usage: bench_tools.sh BUILD_DIR [DATAGRAMS]
# IMUP_BENCH_RUNS (default 5): alternated runs of the bare loop and imup-verify;
# the figures printed are medians (a shared machine's noise hits single runs).
# IMUP_BENCH_LIVE_RATES (default "25000 50000 100000 200000 400000"): the
# datagrams/s tried live, each for about 2 s.
set -eu
BUILD=$1
N=${2:-1000000}
CRAFT=$BUILD/tools/craft/imup-craft
VERIFY=$BUILD/tools/verify/imup-verify
INJECT=$BUILD/tools/inject/imup-inject
HELPER=$BUILD/tests/tools/imup-bench-tools-helper
T=$(mktemp -d /tmp/imup-tools-bench.XXXXXX)
SINK=""
trap '[ -n "$SINK" ] && kill $SINK 2>/dev/null; rm -rf "$T"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
# calc EXPR: floating-point arithmetic without bc.
calc() { awk "BEGIN { print $1 }"; }

# A session of 16 datagrams (8 exchanges: two clients connect, talk, list,
# disconnect), repeated with sequence numbers continuing. It repeats bytes but
# for the sequence numbers, as real traffic does (ACKs, relayed copies), which
# imup-verify's decode cache exploits: both figures are printed.
cat > "$T/session.txt" <<'SCRIPT'
0      client  server connect name=Sheng
+0.001 server  client ack
+0.001 client2 server connect name=Lucy
+0.001 server  client2 ack
+0.001 client  server message message="Bonjour tout le monde"
+0.001 server  client ack
+0.001 server  client2 relayed message="Bonjour tout le monde" sender=Sheng
+0.001 client2 server ack
+0.001 client  server list
+0.001 server  client user-list entry=0:Sheng entry=1:Lucy
+0.001 client2 server message message="Salut" recipient=Sheng
+0.001 server  client2 ack
+0.001 client  server disconnect
+0.001 server  client ack
+0.001 client2 server disconnect
+0.001 server  client2 ack
SCRIPT
rounds=$(( (N + 15) / 16 ))
total=$((rounds * 16))

echo "== imup-craft: $total datagrams to a pcap file"
t0=$(now); "$CRAFT" -f "$T/session.txt" --repeat "$rounds" -o "$T/big.pcap"; t1=$(now)
s=$(secs "$t0" "$t1")
printf "imup-craft: %.3f s, %.0f datagrams/s (aim >= 1,000,000/s)\n" "$s" "$(calc "$total / $s")"

RUNS=${IMUP_BENCH_RUNS:-5}
echo "== imup-verify on $total datagrams vs bare pcap_next_ex loop ($RUNS alternated runs, medians) vs tshark"
cat "$T/big.pcap" > /dev/null  # page cache: every reader below starts warm
# median LIST: the middle value of whitespace-separated numbers.
median() { printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# All timed as whole processes, from outside, one after the other in each round.
# imup-verify runs as users run it (reading on a second thread when two CPUs
# are usable), and with --threads 1, everything on one core like the bare loop.
cpus=$(nproc 2>/dev/null || echo 1)
bares=""; vns=""; v1s=""; vs=""; ratios=""; ratios1=""
i=0
while [ $i -lt "$RUNS" ]; do
  t0=$(now); "$HELPER" pcap-loop "$T/big.pcap" > /dev/null; t1=$(now)
  b=$(secs "$t0" "$t1")
  t0=$(now); "$VERIFY" --quiet --no-decode-cache "$T/big.pcap" > "$T/verify.out" || true; t1=$(now)
  n=$(secs "$t0" "$t1")
  grep -q "violations: 0 errors" "$T/verify.out" || { cat "$T/verify.out"; echo "bench capture not clean" >&2; exit 1; }
  t0=$(now); "$VERIFY" --quiet --no-decode-cache --threads 1 "$T/big.pcap" > /dev/null || true; t1=$(now)
  n1=$(secs "$t0" "$t1")
  t0=$(now); "$VERIFY" --quiet "$T/big.pcap" > /dev/null || true; t1=$(now)
  c=$(secs "$t0" "$t1")
  bares="$bares $b"; vns="$vns $n"; v1s="$v1s $n1"; vs="$vs $c"
  ratios="$ratios $(calc "$b / $n")"; ratios1="$ratios1 $(calc "$b / $n1")"
  i=$((i + 1))
done
bare=$(median "$bares"); vn=$(median "$vns"); v1=$(median "$v1s"); v=$(median "$vs")
echo "runs (s): bare loop$bares; imup-verify --no-decode-cache$vns; the same with --threads 1$v1s; with the cache$vs"
# Constant memory: peak RSS on the whole capture and on a tenth of it.
rss=""
if [ -x /usr/bin/time ]; then
  head_frames=$((total / 10))
  editcap -r "$T/big.pcap" "$T/tenth.pcap" "1-$head_frames"
  r_all=$(/usr/bin/time -f %M "$VERIFY" --quiet "$T/big.pcap" 2>&1 >/dev/null | tail -1)
  r_tenth=$(/usr/bin/time -f %M "$VERIFY" --quiet "$T/tenth.pcap" 2>&1 >/dev/null | tail -1)
  rss="imup-verify peak RSS: $r_tenth KB on $head_frames datagrams, $r_all KB on $total"
fi
# tshark with the IMUP plugin when the plugin is built, else plain.
plugin=$(find "$BUILD/plugin" -name 'imup.so' 2>/dev/null | head -1 || true)
if [ -n "$plugin" ]; then
  stage=$(mktemp -d /tmp/imup-tools-bench-tshark.XXXXXX)
  . "$(dirname "$0")/../../scripts/tshark-with-plugin.sh"
  tshark_stage "$plugin" "$stage"
  cp "$T/big.pcap" "$stage/big.pcap"
  chmod a+r "$stage/big.pcap"
  t0=$(now)
  tshark_run -r "$stage/big.pcap" > /dev/null 2>&1
  t1=$(now)
  tshark_kind="tshark with the IMUP plugin"
  rm -rf "$stage"
else
  t0=$(now); tshark -r "$T/big.pcap" > /dev/null 2>&1; t1=$(now)
  tshark_kind="plain tshark (plugin not built)"
fi
ts=$(secs "$t0" "$t1")
printf "bare pcap_next_ex loop: %.3f s (%.0f frames/s)\n" "$bare" "$(calc "$total / $bare")"
# The honest figure is the one without the payload cache: this capture
# repeats one session, which the cache turns into hits that real traffic
# would give less often. (Text-less headers use an exact lookup table in both.)
threads="one thread"
[ "$cpus" -ge 2 ] && threads="reading on a second thread ($cpus CPUs)"
printf "imup-verify --no-decode-cache, %s: %.3f s (%.0f datagrams/s) = %.2fx the bare loop's speed (median of the per-round ratios %.2fx; aim >= 0.5x)\n" \
  "$threads" "$vn" "$(calc "$total / $vn")" "$(calc "$bare / $vn")" "$(median "$ratios")"
printf "imup-verify --no-decode-cache --threads 1 (all on one core, as the bare loop): %.3f s (%.0f datagrams/s) = %.2fx (median of the per-round ratios %.2fx)\n" \
  "$v1" "$(calc "$total / $v1")" "$(calc "$bare / $v1")" "$(median "$ratios1")"
printf "imup-verify (payload decode cache on, flattered by the repeated session): %.3f s (%.0f datagrams/s) = %.2fx\n" \
  "$v" "$(calc "$total / $v")" "$(calc "$bare / $v")"
[ -n "$rss" ] && echo "$rss"
printf "%s: %.3f s = imup-verify --no-decode-cache is %.1fx faster (aim >= 50x)\n" "$tshark_kind" "$ts" "$(calc "$ts / $vn")"

echo "== imup-inject --topspeed vs a bare sendmmsg loop, $total datagrams of 11 bytes to a UDP sink"
"$HELPER" sink "$T/port" &
SINK=$!
i=0; while [ ! -s "$T/port" ]; do i=$((i + 1)); [ $i -gt 100 ] && exit 1; sleep 0.05; done
P=$(cat "$T/port")
baresend=$("$HELPER" sendmmsg-loop "$P" "$total" 11 | awk '{ print $5 }')
"$INJECT" --server 127.0.0.1:$P -e '0 client server message message=hello' --topspeed --count "$total" --wait 0 > "$T/inject.out"
cat "$T/inject.out"
inj=$(sed -n 's/.*: \([0-9]*\) datagrams\/s.*/\1/p' "$T/inject.out")
printf "bare sendmmsg loop: %.0f datagrams/s; imup-inject: %.0f datagrams/s = %.2fx (aim >= 0.9x)\n" \
  "$baresend" "$inj" "$(calc "$inj / $baresend")"

echo "== imup-verify --interface lo vs tcpdump -w /dev/null: the same datagrams to the UDP sink, rising rates"
TCPDUMP=$(command -v tcpdump || true)
"$VERIFY" --interface lo --duration 0.05 > /dev/null 2> "$T/probe" || true
if [ -z "$TCPDUMP" ]; then
  echo "live: tcpdump is not installed (scripts/ensure-deps.sh installs it): left out"
elif grep -q "permission denied" "$T/probe"; then
  echo "live: capture not permitted here (root, or CAP_NET_RAW and CAP_NET_ADMIN): left out"
else
  # live CMD...: CMD captures in the background while imup-inject sends $n
  # datagrams at $rate/s, then SIGINT; sets CAPTURED and DROPPED from what
  # it says at the end (imup-verify's line, or tcpdump's).
  live() {
    "$@" > /dev/null 2> "$T/live.err" &
    cpid=$!
    i=0; until grep -q "capturing on\|listening on" "$T/live.err" 2>/dev/null; do
      i=$((i + 1)); [ $i -gt 200 ] && { cat "$T/live.err"; exit 1; }; sleep 0.02
    done
    sleep 0.5  # tcpdump says it listens a moment before it does
    "$INJECT" --server 127.0.0.1:$P -e '0 client server message message=hello' --pps "$rate" \
      --count "$n" --wait 0 > "$T/inject.out" 2>&1
    sleep 0.5
    kill -INT $cpid
    wait $cpid || true
    CAPTURED=$(sed -n -e 's/.*: \([0-9]*\) frames captured on lo, .*/\1/p' \
      -e 's/^\([0-9]*\) packets captured$/\1/p' "$T/live.err")
    DROPPED=$(sed -n -e 's/.*frames captured on lo, \([0-9]*\) dropped by the kernel, \([0-9]*\) by the interface/\1 \2/p' \
      -e 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$T/live.err" | awk '{ print $1 + $2 }')
  }
  # kept BEST: BEST, or $rate when this run lost nothing (no drop counted,
  # and all sent captured but for 1% of start-up race).
  kept() { [ "$DROPPED" = 0 ] && [ "$CAPTURED" -ge $((n - n / 100)) ] && echo "$rate" || echo "$1"; }
  best_imm=0; best_block=0; best_tcpdump=0
  printf "%8s  %-30s  %-30s  %s\n" "rate/s" "imup-verify --block-ms 0 (immediate)" "imup-verify -i lo (50 ms blocks)" "tcpdump -w /dev/null"
  RATES=${IMUP_BENCH_LIVE_RATES:-"25000 50000 100000 200000 400000"}
  for rate in $RATES; do
    n=$((rate * 2))
    live "$VERIFY" --interface lo --server-port "$P" --quiet --block-ms 0
    a="$CAPTURED captured, $DROPPED dropped"; best_imm=$(kept $best_imm)
    live "$VERIFY" --interface lo --server-port "$P" --quiet
    b="$CAPTURED captured, $DROPPED dropped"; best_block=$(kept $best_block)
    live "$TCPDUMP" -i lo -n -w /dev/null "udp port $P"
    c="$CAPTURED captured, $DROPPED dropped"; best_tcpdump=$(kept $best_tcpdump)
    printf "%8s  %-30s  %-30s  %s   (of %s sent)\n" "$rate" "$a" "$b" "$c" "$n"
  done
  echo "live on lo, highest rate without a drop in pcap_stats (rates tried: $RATES):"
  echo "  imup-verify --block-ms 0 (immediate mode): $best_imm datagrams/s verified"
  echo "  imup-verify (default, 50 ms blocks): $best_block datagrams/s verified"
  echo "  tcpdump -w /dev/null:      $best_tcpdump datagrams/s kept"
fi
