#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-conformance's group limits of §8 against a reference server with
# small ones: given them (--max-groups, --max-group-members),
# 8-group-count-limit-17 and 8-group-member-limit-17 run and pass, neither
# skipped. The default run skips the group count: the reference server's 100
# groups would take 102 clients. The limits are those the faults of these two
# cases run with (imup-test-fault-relay --list: the server's arguments, then
# imup-conformance's), so that each fault is checked, by
# conformance_faults.sh, against a server on which its case passes.
. "$(dirname "$0")/lib.sh"
CONF=$BUILD/tools/conformance/imup-conformance
RELAY=$BUILD/tests/tools/imup-test-fault-relay
CASES="8-group-count-limit-17 8-group-member-limit-17"

# result FILE ID: the result of case ID in the --json output FILE.
result() { grep "\"id\":\"$2\"" "$1" | sed -n 's/.*"result":"\([A-Z]*\)".*/\1/p'; }

for c in $CASES; do
  "$RELAY" --list | awk -F '\t' -v c="$c" '$2 == c { print $3; print $4 }' > "$T/args"
  [ "$(wc -l < "$T/args")" -eq 2 ] || fail "no single fault for $c in the relay's --list"
  server_args=$(sed -n 1p "$T/args") conf_args=$(sed -n 2p "$T/args")
  [ "$server_args" != - ] && [ "$conf_args" != - ] || fail "the fault for $c gives no limits"
  # shellcheck disable=SC2086 # the arguments are words
  spawn "$BUILD/reference-impl/server/imup-server" --listen 127.0.0.1:0 $server_args > "$T/server-$c.out" 2>&1
  wait_grep "listening on" "$T/server-$c.out"
  P=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' "$T/server-$c.out")
  # shellcheck disable=SC2086
  "$CONF" --server 127.0.0.1:$P --json $conf_args --run "$c" > "$T/$c.json" ||
    { cat "$T/$c.json"; fail "$c fails against the reference server ($server_args)"; }
  [ "$(result "$T/$c.json" "$c")" = PASS ] || { cat "$T/$c.json"; fail "$c does not pass ($conf_args)"; }
done
echo ok
