#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Each fault the test relay (imup-test-fault-relay --list) gives the
# reference server makes exactly the imup-conformance case that checks its
# rule fail, while named other cases still pass. Faults run four at a time,
# each with a server and a relay of its own (the cases expect a public room
# that no other run talks in).
. "$(dirname "$0")/lib.sh"
CONF=$BUILD/tools/conformance/imup-conformance
RELAY=$BUILD/tests/tools/imup-test-fault-relay
OTHERS="6.1-connect-acked,9.6-public-message-relayed"
JOBS=${IMUP_FAULT_JOBS:-4}
trap 'for f in "$T"/*.pid; do [ -e "$f" ] && { kill "$(cat "$f")" 2>/dev/null || true; }; done; cleanup' EXIT

# fault_case FAULT CASE: CASE fails behind the relay, the others pass.
# Writes $T/FAULT.verdict: "ok" or what went wrong.
# started_port NAME CMD...: starts CMD (its output in $T/NAME.out, its pid in
# $T/NAME.pid for the cleanup: it is not the main shell's child) and prints
# the port of its "listening on" line, or nothing after 5 s.
started_port() {
  name=$1
  shift
  "$@" > "$T/$name.out" 2>&1 &
  echo $! > "$T/$name.pid"
  i=0
  until grep -q "listening on" "$T/$name.out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && return
    sleep 0.05
  done
  sed -n '1s/.*:\([0-9]*\)$/\1/p' "$T/$name.out"
}
fault_case() {
  fault=$1 case=$2
  S=$(started_port "server-$fault" "$BUILD/reference-impl/server/imup-server" --listen 127.0.0.1:0)
  R=$(started_port "relay-$fault" "$RELAY" 127.0.0.1:0 127.0.0.1:$S "$fault")
  if [ -z "$S" ] || [ -z "$R" ]; then echo "server or relay did not start" > "$T/$fault.verdict"; return; fi
  "$CONF" --server 127.0.0.1:$R --json --tries 3 --run "$case,$OTHERS" > "$T/$fault.json" 2>&1 || true  # 1: a MUST case failed, as it should
  kill "$(cat "$T/relay-$fault.pid")" "$(cat "$T/server-$fault.pid")"
  verdict=ok
  grep "\"id\":\"$case\"" "$T/$fault.json" | grep -q '"result":"FAIL"' || verdict="$case does not fail"
  for other in $(echo "$OTHERS" | tr ',' ' '); do
    grep "\"id\":\"$other\"" "$T/$fault.json" | grep -q '"result":"PASS"' || verdict="$other does not pass"
  done
  echo "$verdict" > "$T/$fault.verdict"
}

"$RELAY" --list > "$T/faults.txt"
[ -s "$T/faults.txt" ] || fail "the relay lists no fault"
# Every fault names a case imup-conformance has.
"$CONF" --list | awk '{print $1}' | sort > "$T/cases.txt"
awk '{print $2}' "$T/faults.txt" | while read -r c; do
  grep -qx "$c" "$T/cases.txt" || fail "a fault breaks $c, which imup-conformance does not list"
done

# In batches of $JOBS (dash has no wait -n); `wait` names the batch's pids,
# for the server started above is a child too.
batch=""
n=0
while read -r fault case _; do
  fault_case "$fault" "$case" &
  PIDS="$PIDS $!"
  batch="$batch $!"
  n=$((n + 1))
  if [ "$n" -ge "$JOBS" ]; then wait $batch; batch="" n=0; fi
done < "$T/faults.txt"
[ -z "$batch" ] || wait $batch
bad=0
while read -r fault case _; do
  v=$(cat "$T/$fault.verdict" 2>/dev/null || echo "no verdict")
  if [ "$v" = ok ]; then
    echo "ok   $fault -> $case FAIL"
  else
    echo "BAD  $fault: $v"; cat "$T/$fault.json" 2>/dev/null; bad=1
  fi
done < "$T/faults.txt"
[ $bad -eq 0 ] || fail "a fault does not fail exactly its case"
missing=$(awk '{print $2}' "$T/faults.txt" | sort -u | comm -23 "$T/cases.txt" - | sort)
echo "cases with no fault yet: $(echo "$missing" | grep -c . || true)"
echo ok
