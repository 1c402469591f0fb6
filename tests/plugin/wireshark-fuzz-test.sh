#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Wireshark's own fuzzer, tools/fuzz-test.sh from its source tree (fetched by
# scripts/wireshark-source.sh, or IMUP_WIRESHARK_SOURCE), run against the
# freshly built plugin: editcap -E byte flips over a corpus of IMUP captures,
# each mutated file read by tshark twice (-nVxr and -nr) under Wireshark's
# fuzzing environment (WIRESHARK_DEBUG_WMEM_OVERRIDE=strict,
# G_SLICE=debug-blocks, MALLOC_CHECK_=3, CPU, stack and memory limits), with
# WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 so that a "Dissector bug" stops tshark
# and the fuzzer. The script stops at the first failure, keeping the file.
#
#   wireshark-fuzz-test.sh [FRAMES]  at least FRAMES mutated frames (default
#                                    2000); FUZZ_SEED=n for the random corpus
# Three runs share the passes: flips after the 42 bytes of Ethernet, IPv4 and
# UDP (in the IMUP bytes) with two-pass dissection (-2) and without, and flips
# anywhere with -2.
. "$(dirname "$0")/lib.sh"
FRAMES=${1:-2000}
SEED=${FUZZ_SEED:-1}
case "$FRAMES" in ''|*[!0-9]*) echo "wireshark-fuzz-test: FRAMES must be a number" >&2; exit 2 ;; esac

WS=${IMUP_WIRESHARK_SOURCE:-$(sh "$IMUP_TEST_SOURCE/../../scripts/wireshark-source.sh")} ||
  { echo "FAIL: no Wireshark source tree for tools/fuzz-test.sh (see scripts/wireshark-source.sh)" >&2; exit 1; }
FUZZ=$WS/tools/fuzz-test.sh
[ -f "$FUZZ" ] || { echo "FAIL: $FUZZ is missing" >&2; exit 1; }
command -v bash > /dev/null || { echo "FAIL: fuzz-test.sh needs bash" >&2; exit 1; }

# The corpus: the scenario captures and the project's capture library (port
# 2017 ones are dissected as IMUP by port, the others by the heuristic)
# merged into one file, and a seeded random capture of IMUP-shaped datagrams
# large enough for the budget. Two files, so tshark's start-up (a second or
# more) is paid a few times, not once per small capture.
mkdir -p "$WORK/parts" "$WORK/corpus"
for scenario in "$IMUP_TEST_SOURCE"/captures/*.txt; do
    mv "$(make_capture "$(basename "$scenario")")" "$WORK/parts/"
done
cp "$IMUP_TEST_SOURCE"/../../captures/*.pcap "$WORK/parts/"
mergecap -a -F pcap -w "$WORK/corpus/library.pcap" "$WORK"/parts/*.pcap
library_frames=$(capture_frames "$WORK/corpus/library.pcap")
# Three runs of one pass each: the random capture takes what the library
# leaves of a third of the budget (at least 300 frames).
random_frames=$(( (FRAMES + 2) / 3 - library_frames ))
[ "$random_frames" -ge 300 ] || random_frames=300
"$IMUP_PCAP_WRITER" random "$random_frames" "$SEED" "$WORK/corpus/random.pcap" 2>/dev/null
chmod -R a+rX "$WORK/corpus"
corpus_frames=$((library_frames + $(capture_frames "$WORK/corpus/random.pcap")))
files=2
passes=1

# fuzz-test.sh runs $BIN/tshark, $BIN/editcap and $BIN/capinfos: tshark is a
# wrapper running the real one with the staged plugin (as nobody when root).
mkdir -p "$WORK/bin" "$WORK/tmp"
chmod a+rwx "$WORK/tmp"
ln -s "$(command -v editcap)" "$WORK/bin/editcap"
ln -s "$(command -v capinfos)" "$WORK/bin/capinfos"
# The wrapper runs tshark_run (scripts/tshark-with-plugin.sh: the staged
# plugin, its own HOME, nobody when root) with dissector bugs made fatal.
cat > "$WORK/bin/tshark" <<WRAPPER
#!/bin/sh
. "$IMUP_TEST_SOURCE/../../scripts/tshark-with-plugin.sh"
TSHARK_STAGE="$TSHARK_STAGE"
TSHARK_PRELOAD="$TSHARK_PRELOAD"
export WIRESHARK_ABORT_ON_DISSECTOR_BUG=1
tshark_run "\$@"
WRAPPER
chmod a+rx "$WORK/bin/tshark"
"$WORK/bin/tshark" -G plugins | grep -q "$TSHARK_STAGE/plugins/.*/imup.so" ||
  { echo "FAIL: the wrapper's tshark does not load the staged plugin" >&2; exit 1; }

# run_fuzz PASSES OPTIONS...: one fuzz-test.sh run; its log in $WORK/fuzz-N.log.
runs=0
mutated=0
run_fuzz() {
    p=$1
    shift
    [ "$p" -gt 0 ] || return 0
    runs=$((runs + 1))
    log=$WORK/fuzz-$runs.log
    status=0
    bash "$FUZZ" -b "$WORK/bin" -d "$WORK/tmp" -p "$p" "$@" "$WORK"/corpus/*.pcap > "$log" 2>&1 || status=$?
    ok=$(grep -c " OK (" "$log" || true)
    if [ "$status" -ne 0 ] || [ "$ok" -ne $((p * files)) ]; then
        cp "$WORK"/tmp/*.pcap /tmp/ 2>/dev/null || true
        tail -40 "$log"
        fail "fuzz-test.sh $* (status $status): $ok of $((p * files)) mutated files read cleanly; the file that failed is kept in /tmp"
        return 0
    fi
    mutated=$((mutated + p * corpus_frames))
    echo "ok: fuzz-test.sh $*: $p passes, $ok mutated files, $((p * corpus_frames)) frames"
}
third=$passes
run_fuzz "$third" -2 -o 42
run_fuzz "$third" -o 42
run_fuzz "$third" -2 -o 0
echo "wireshark-fuzz-test: Wireshark $TSHARK_ABI, $(basename "$WS")/tools/fuzz-test.sh: $mutated mutated frames" \
     "in $((3 * third * files)) files, each read twice (-nVxr, -nr): $((6 * third * files)) tshark runs;" \
     "corpus: $library_frames frames of the capture library and scenarios, $((corpus_frames - library_frames)) random IMUP-shaped"
finish
