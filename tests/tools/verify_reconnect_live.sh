#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The reference client's /disconnect then /connect, recorded by the
# reference server on a port of its own: imup-verify learns the port from
# the traffic and finds the reconnect legitimate (§14: the server numbers the
# new session half the sequence space away), with no --server-port.
. "$(dirname "$0")/lib.sh"
CLIENT=$BUILD/reference-impl/client/imup-client

start_server

# Each change of connection, and each message, waits for the client's event
# (no sleeps: under load they would race; a /disconnect sent while 'hello'
# is unanswered ends the session with it undelivered, a failure of the
# script); /quit waits for the server's goodbye.
cat > "$T/sheng.script" <<'SCRIPT'
/connect Sheng
/wait connected timeout=15000
hello
/wait message_delivered timeout=15000
/disconnect
/wait disconnected timeout=15000
/connect Sheng
/wait connected timeout=15000
again
/wait message_delivered timeout=15000
/quit
SCRIPT
"$CLIENT" --server "127.0.0.1:$P" --script "$T/sheng.script" > "$T/client.out" 2> "$T/client.err" ||
  { cat "$T/client.err"; fail "client exit $?"; }
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

"$VERIFY" "$T/server.pcapng" > "$T/out" 2> "$T/err" || { cat "$T/out" "$T/err"; fail "verify exit $?"; }
grep -q "server port $P, learned from the traffic (frame 1 of .*: type 1 (Connect) sent to it)" "$T/err" ||
  { cat "$T/err"; fail "the server port was not learned"; }
grep -q "  1 Connect: 2" "$T/out" || { cat "$T/out"; fail "not two Connexions"; }
grep -q "^violations: 0 errors, 0 warnings$" "$T/out" || { cat "$T/out"; fail "the reconnect was reported"; }
echo ok
