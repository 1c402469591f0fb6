#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fuzzes the dissector through the real tshark: byte flips (editcap -E, seeded)
# over every test capture, randpkt's random UDP packets decoded as IMUP, and
# IMUP-shaped random datagrams from our writer (seeded). Asserts no crash, no
# "Dissector bug" and no exception escaping the IMUP dissector ("Malformed
# Packet: IMUP" would mean it read past the data it checked).
#
#   fuzz-plugin.sh [FRAMES]   about FRAMES mutated frames (default 3000);
#                             FUZZ_SEED=n picks the seeds (default 1).
# The ctest run uses a few thousand frames; run it with 100000 for a long run.
# With a plugin built by `make asan` the runs go through AddressSanitizer/UBSan.
. "$(dirname "$0")/lib.sh"
FRAMES=${1:-3000}
SEED=${FUZZ_SEED:-1}
case "$FRAMES" in ''|*[!0-9]*) echo "fuzz-plugin: FRAMES must be a number" >&2; exit 2 ;; esac

# The corpus: every scenario capture plus a seeded random one.
for scenario in "$IMUP_TEST_SOURCE"/captures/*.txt; do
    make_capture "$(basename "$scenario")" > /dev/null
done
"$IMUP_PCAP_WRITER" random 400 "$SEED" "$WORK/random-corpus.pcap" 2>/dev/null
mergecap -a -w "$WORK/corpus.pcap" "$WORK"/*.pcap
chmod a+r "$WORK"/*.pcap
corpus_frames=$(capture_frames "$WORK/corpus.pcap")

total=0
# run_tshark PCAP [options...]: dissect everything (two passes, full trees, statistics).
run_tshark() {
    pcap=$1
    shift
    frames=$(capture_frames "$pcap")
    status=0
    ts -r "$pcap" -2 -V "$@" -z imup,tree -z imup,srt > "$WORK/out.txt" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        fail "tshark exited with status $status on $(basename "$pcap") (kept in /tmp/imup-fuzz-failure.pcap)"
        cp "$pcap" /tmp/imup-fuzz-failure.pcap
    fi
    if grep -q -e "Dissector bug" -e "Malformed Packet: IMUP" -e "runtime error" -e "AddressSanitizer" "$WORK/out.txt"; then
        fail "$(grep -m1 -e "Dissector bug" -e "Malformed Packet: IMUP" -e "runtime error" -e "AddressSanitizer" "$WORK/out.txt") in $(basename "$pcap") (kept in /tmp/imup-fuzz-failure.pcap)"
        cp "$pcap" /tmp/imup-fuzz-failure.pcap
    fi
    total=$((total + frames))
}

# 1. Byte flips, half the budget: mostly in the IMUP bytes (after the 42 bytes
#    of Ethernet, IPv4 and UDP headers), every third round anywhere.
rounds=$(( (FRAMES / 2 + corpus_frames - 1) / corpus_frames ))
round=0
while [ "$round" -lt "$rounds" ]; do
    offset=42
    [ $((round % 3)) -eq 2 ] && offset=0
    editcap -E 0.03 -o "$offset" --seed $((SEED * 1000 + round)) "$WORK/corpus.pcap" "$WORK/mutated.pcap" 2>/dev/null
    chmod a+r "$WORK/mutated.pcap"
    run_tshark "$WORK/mutated.pcap"
    round=$((round + 1))
done
flips=$total

# 2. randpkt's UDP packets, every port decoded as IMUP, a quarter of the budget.
randpkt -b 1100 -c $((FRAMES / 4 + 1)) -t udp "$WORK/randpkt.pcap"
chmod a+r "$WORK/randpkt.pcap"
run_tshark "$WORK/randpkt.pcap" -d udp.port==1-65535,imup
randpkts=$((total - flips))

# 3. IMUP-shaped random datagrams, the last quarter.
"$IMUP_PCAP_WRITER" random $((FRAMES / 4 + 1)) $((SEED + 99)) "$WORK/random.pcap" 2>/dev/null
chmod a+r "$WORK/random.pcap"
run_tshark "$WORK/random.pcap"

[ -n "$TSHARK_PRELOAD" ] && echo "fuzz: the plugin is built with AddressSanitizer and UBSan"
echo "fuzz: $total frames dissected: $flips with editcap byte flips ($rounds rounds over $corpus_frames frames)," \
     "$randpkts from randpkt, $((total - flips - randpkts)) random IMUP-shaped; seed $SEED"
finish
