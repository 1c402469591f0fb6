#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The reference client's /disconnect then /connect, recorded by the
# reference server on a port of its own: imup-verify learns the port from
# the traffic and finds the reconnect legitimate (§14: the server numbers the
# new session half the sequence space away), with no --server-port.
. "$(dirname "$0")/lib.sh"
SERVER=$BUILD/reference-impl/server/imup-server
CLIENT=$BUILD/reference-impl/client/imup-client

spawn "$SERVER" --listen 127.0.0.1:0 --record "$T/server.pcapng" > "$T/server.out" 2> "$T/server.err"
SERVER_PID=$LAST_PID
wait_file "$T/server.out"
P=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' "$T/server.out")
[ -n "$P" ] || fail "server port"

# Commands paced so that each one's exchange is over before the next.
{
  echo "/connect Sheng"; sleep 0.5
  echo "hello"; sleep 0.5
  echo "/disconnect"; sleep 0.5
  echo "/connect Sheng"; sleep 0.5
  echo "again"; sleep 0.5
  echo "/quit"
} | "$CLIENT" --server "127.0.0.1:$P" --script - > "$T/client.out" 2> "$T/client.err" ||
  { cat "$T/client.err"; fail "client exit $?"; }
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

"$VERIFY" "$T/server.pcapng" > "$T/out" 2> "$T/err" || { cat "$T/out" "$T/err"; fail "verify exit $?"; }
grep -q "server port $P, learned from the traffic (frame 1 of .*: type 1 (Connect) sent to it)" "$T/err" ||
  { cat "$T/err"; fail "the server port was not learned"; }
grep -q "  1 Connect: 2" "$T/out" || { cat "$T/out"; fail "not two Connexions"; }
grep -q "^violations: 0 errors, 0 warnings$" "$T/out" || { cat "$T/out"; fail "the reconnect was reported"; }
echo ok
