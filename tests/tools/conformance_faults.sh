#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Each fault the test relay (imup-test-fault-relay --list) gives the
# reference server makes exactly the imup-conformance case that checks its
# rule fail, while named other cases still pass; and every case has such a
# fault. Faults run four at a time, each with a server and a relay of its
# own (the cases expect a public room that no other run talks in).
#
# --list gives, tab-separated: the fault, the case it breaks, the reference
# server's arguments for that run and imup-conformance's ("-": none; for a
# fault that only shows with a server configured so, e.g. a small limit),
# the description.
. "$(dirname "$0")/lib.sh"
CONF=$BUILD/tools/conformance/imup-conformance
RELAY=$BUILD/tests/tools/imup-test-fault-relay
OTHERS="6.1-connect-acked,9.6-public-message-relayed"
JOBS=${IMUP_FAULT_JOBS:-4}
trap 'for f in "$T"/*.pid; do [ -e "$f" ] && { kill "$(cat "$f")" 2>/dev/null || true; }; done; cleanup' EXIT

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
# fault_case FAULT CASE SERVER_ARGS CONFORMANCE_ARGS: CASE fails behind the
# relay, the others (but CASE itself, when it is one of them) pass. Writes
# $T/FAULT.verdict: "ok" or what went wrong.
fault_case() {
  fault=$1 case=$2 server_args=$3 conf_args=$4
  [ "$server_args" = - ] && server_args=""
  [ "$conf_args" = - ] && conf_args=""
  others=$(echo "$OTHERS" | tr ',' '\n' | grep -vx "$case" | paste -sd, -)
  # shellcheck disable=SC2086 # the arguments are words
  S=$(started_port "server-$fault" "$BUILD/reference-impl/server/imup-server" --listen 127.0.0.1:0 $server_args)
  R=$(started_port "relay-$fault" "$RELAY" 127.0.0.1:0 127.0.0.1:$S "$fault")
  if [ -z "$S" ] || [ -z "$R" ]; then echo "server or relay did not start" > "$T/$fault.verdict"; return; fi
  # shellcheck disable=SC2086
  "$CONF" --server 127.0.0.1:$R --json --tries 3 $conf_args --run "$case,$others" > "$T/$fault.json" 2>&1 || true  # 1: a MUST case failed, as it should
  kill "$(cat "$T/relay-$fault.pid")" "$(cat "$T/server-$fault.pid")"
  verdict=ok
  grep "\"id\":\"$case\"" "$T/$fault.json" | grep -q '"result":"FAIL"' || verdict="$case does not fail"
  for other in $(echo "$others" | tr ',' ' '); do
    grep "\"id\":\"$other\"" "$T/$fault.json" | grep -q '"result":"PASS"' || verdict="$other does not pass"
  done
  echo "$verdict" > "$T/$fault.verdict"
}

"$RELAY" --list > "$T/faults.txt"
[ -s "$T/faults.txt" ] || fail "the relay lists no fault"
# Every fault names a case imup-conformance has.
"$CONF" --list | awk '{print $1}' | sort > "$T/cases.txt"
cut -f2 "$T/faults.txt" | while read -r c; do
  grep -qx "$c" "$T/cases.txt" || fail "a fault breaks $c, which imup-conformance does not list"
done
[ "$(cut -f1 "$T/faults.txt" | sort | uniq -d)" = "" ] || fail "two faults have one name"

# $JOBS workers take the faults in turn, the long ones (§7, §14: a minute
# or two each) first; a fault is claimed by creating $T/claim.N.
cp "$T/faults.txt" "$T/here.txt"
awk -F '\t' '$2 ~ /^(7|14)-/' "$T/here.txt" > "$T/order.txt"
awk -F '\t' '$2 !~ /^(7|14)-/' "$T/here.txt" >> "$T/order.txt"
worker() {
  n=0
  while IFS="$(printf '\t')" read -r fault case server_args conf_args _; do
    n=$((n + 1))
    mkdir "$T/claim.$n" 2>/dev/null || continue
    fault_case "$fault" "$case" "$server_args" "$conf_args"
  done < "$T/order.txt"
}
start=$(date +%s)
workers=""
i=0
while [ $i -lt "$JOBS" ]; do
  worker &
  workers="$workers $!"
  i=$((i + 1))
done
PIDS="$PIDS $workers"
wait $workers
took=$(( $(date +%s) - start ))
bad=0
while IFS="$(printf '\t')" read -r fault case _; do
  v=$(cat "$T/$fault.verdict" 2>/dev/null || echo "no verdict")
  if [ "$v" = ok ]; then
    echo "ok   $fault -> $case FAIL"
  else
    echo "BAD  $fault: $v"; cat "$T/$fault.json" 2>/dev/null || true; bad=1
  fi
done < "$T/here.txt"
[ $bad -eq 0 ] || fail "a fault does not fail exactly its case"
missing=$(cut -f2 "$T/faults.txt" | sort -u | comm -23 "$T/cases.txt" -)
if [ -n "$missing" ]; then
  echo "cases with no fault:"; echo "$missing" | sed 's/^/  /'
  fail "$(echo "$missing" | grep -c .) cases have no fault"
fi
echo "ok ($(wc -l < "$T/faults.txt") faults, every one of the $(wc -l < "$T/cases.txt") cases has one; $took s)"
