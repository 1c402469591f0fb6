#!/bin/sh
# run-fuzzer.sh BINARY SEED_CORPUS SECONDS
# Runs a libFuzzer target for SECONDS on a scratch copy of the seed corpus (so
# the repository's seeds never grow), and prints the executions it made.
set -eu
bin=$1 seeds=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
"$bin" -max_total_time="$seconds" -seed=2017 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || {
  status=$?
  tail -40 "$work/log"
  for crash in "$work/artifacts"/*; do
    [ -f "$crash" ] && { echo "crashing input ($crash):"; od -An -tx1 "$crash" | head -20; }
  done
  exit "$status"
}
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
echo "$(basename "$bin"): ${runs:-?} executions in ${seconds}s, no crash"
