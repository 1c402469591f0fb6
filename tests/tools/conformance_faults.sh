#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Each fault the test relay (imup-test-fault-relay) gives the reference
# server makes exactly the imup-conformance case that checks its rule fail,
# while named other cases still pass.
. "$(dirname "$0")/lib.sh"
CONF=$BUILD/tools/conformance/imup-conformance
RELAY=$BUILD/tests/tools/imup-test-fault-relay
start_server
OTHERS="6.1-connect-acked,9.6-public-message-relayed"

# fault_case FAULT CASE: CASE fails behind the relay, the others pass.
fault_case() {
  fault=$1 case=$2
  spawn "$RELAY" 127.0.0.1:0 127.0.0.1:$P "$fault" > "$T/relay-$fault.out"
  relay_pid=$LAST_PID
  wait_grep "listening on" "$T/relay-$fault.out"
  R=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' "$T/relay-$fault.out")
  set +e
  "$CONF" --server 127.0.0.1:$R --json --tries 3 --run "$case,$OTHERS" > "$T/$fault.json"
  set -e
  kill "$relay_pid"
  grep "\"id\":\"$case\"" "$T/$fault.json" | grep -q '"result":"FAIL"' ||
    { cat "$T/$fault.json"; fail "$fault: $case does not fail"; }
  for other in $(echo "$OTHERS" | tr ',' ' '); do
    grep "\"id\":\"$other\"" "$T/$fault.json" | grep -q '"result":"PASS"' ||
      { cat "$T/$fault.json"; fail "$fault: $other does not pass"; }
  done
  echo "ok   $fault -> $case FAIL"
}
fault_case resent-connect-refused 6.3-connect-resend-gets-cached-ack
fault_case long-name-accepted 8-name-too-long-refused
fault_case truncated-answered 5-truncated-datagram-ignored
fault_case unknown-recipient-acked 9.6-unknown-recipient-14
fault_case oversized-truncated 8-oversized-datagram-dropped
fault_case fast-resend 7-server-resends-no-sooner-than-2s
echo ok
