#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-conformance through imup-impair at 10% loss each way: no case fails
# because of loss alone (the test clients retransmit by the §7 timers and
# take duplicates for what they are). Every case but the member-limit one
# (102 clients, each proving its return path): 320 s on 2 shared cores, as
# long as without §7's and §14's cases (317 s): the timer cases run beside
# the others, on threads of their own, and mostly wait.
# IMUP_CONFORMANCE_LOSS_ALL=1: the member-limit case too (490 s, passing).
. "$(dirname "$0")/lib.sh"
CONF=$BUILD/tools/conformance/imup-conformance
start_server
start_impair impair.log --drop 0.1 --seed ${IMUP_IMPAIR_SEED:-11}
start=$(date +%s)
set +e
if [ "${IMUP_CONFORMANCE_LOSS_ALL:-}" = 1 ]; then
  ids=$("$CONF" --list | awk '{print $1}' | paste -sd, -)
else
  ids=$("$CONF" --list | awk '{print $1}' | grep -v '^8-group-member-limit-17$' | paste -sd, -)
fi
"$CONF" --server 127.0.0.1:$R --seed 5 --run "$ids" > "$T/run.txt" 2>&1; s=$?
set -e
took=$(( $(date +%s) - start ))
stop_impair
grep -q "^FAIL" "$T/run.txt" && { cat "$T/run.txt"; fail "a case fails at 10% loss"; }
[ $s -eq 0 ] || { cat "$T/run.txt"; fail "status $s at 10% loss"; }
grep "summary up" "$T/impair.log" | grep -qv " 0 dropped" || fail "the relay dropped nothing"
echo "ok ($took s)"
