#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-conformance's group limits of §8 against a reference server with
# small ones (--set limits.max-groups=3, limits.max-group-members=4): given
# --max-groups 3 --max-group-members 4, 8-group-count-limit-17 and
# 8-group-member-limit-17 run and pass (the default run skips them: with the
# server's limits of 100 they would need 100 clients, and 100 names do not
# fit one Invitation). Then each limit fault of imup-test-fault-relay, in
# front of such a server of its own, makes its case fail while
# 6.1-connect-acked and 9.6-public-message-relayed pass.
. "$(dirname "$0")/lib.sh"
CONF=$BUILD/tools/conformance/imup-conformance
RELAY=$BUILD/tests/tools/imup-test-fault-relay
LIMITS="--set limits.max-groups=3 --set limits.max-group-members=4"
CONF_LIMITS="--max-groups 3 --max-group-members 4"
CASES="8-group-count-limit-17,8-group-member-limit-17"
OTHERS="6.1-connect-acked,9.6-public-message-relayed"

# started NAME CMD...: starts CMD, its output in $T/NAME.out; prints the
# port of its "listening on" line.
started() {
  name=$1
  shift
  spawn "$@" > "$T/$name.out" 2> "$T/$name.err"
  wait_grep "listening on" "$T/$name.out"
  sed -n '1s/.*:\([0-9]*\)$/\1/p' "$T/$name.out"
}
# result FILE ID: the result of case ID in the --json output FILE.
result() { grep "\"id\":\"$2\"" "$1" | sed -n 's/.*"result":"\([A-Z]*\)".*/\1/p'; }

# The two cases pass (not skip) against the small limits.
# shellcheck disable=SC2086
S=$(started server "$BUILD/reference-impl/server/imup-server" --listen 127.0.0.1:0 $LIMITS)
# shellcheck disable=SC2086
"$CONF" --server 127.0.0.1:$S --json $CONF_LIMITS --run "$CASES" > "$T/limits.json" ||
  { cat "$T/limits.json"; fail "a limit case fails against the reference server"; }
for c in $(echo "$CASES" | tr ',' ' '); do
  [ "$(result "$T/limits.json" "$c")" = PASS ] || { cat "$T/limits.json"; fail "$c does not pass"; }
done

# Each limit fault fails its case, and only it.
for fc in member-limit-not-checked:8-group-member-limit-17 group-count-limit-not-checked:8-group-count-limit-17; do
  fault=${fc%%:*} case=${fc#*:}
  # shellcheck disable=SC2086
  S=$(started "server-$fault" "$BUILD/reference-impl/server/imup-server" --listen 127.0.0.1:0 $LIMITS)
  R=$(started "relay-$fault" "$RELAY" 127.0.0.1:0 127.0.0.1:$S "$fault")
  # shellcheck disable=SC2086
  "$CONF" --server 127.0.0.1:$R --json --tries 3 $CONF_LIMITS --run "$case,$OTHERS" > "$T/$fault.json" || true
  [ "$(result "$T/$fault.json" "$case")" = FAIL ] || { cat "$T/$fault.json"; fail "$fault: $case does not fail"; }
  for other in $(echo "$OTHERS" | tr ',' ' '); do
    [ "$(result "$T/$fault.json" "$other")" = PASS ] || { cat "$T/$fault.json"; fail "$fault: $other does not pass"; }
  done
done
echo ok
