#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The reference client and server with imup-impair between them losing
# exactly the client's first datagram (its Connexion): the client connects
# anyway by retransmitting, and imup-verify, reading the client's own
# recording, sees the retransmission 2 s or more after the first try and
# nothing wrong; the server's recording is clean too.
. "$(dirname "$0")/lib.sh"
CLIENT=$BUILD/reference-impl/client/imup-client

start_server

start_impair impair.log --drop-nth up:1

printf '/wait connected timeout=15000\n/quit\n' > "$T/sheng.script"
"$CLIENT" --server 127.0.0.1:$R --name Sheng --seed 1 --script "$T/sheng.script" \
  --record "$T/client.pcapng" > "$T/client.json" 2> "$T/client.err" || { cat "$T/client.json" "$T/client.err"; fail "client exit"; }
grep -q '"event":"connected"' "$T/client.json" || { cat "$T/client.json"; fail "client never connected"; }
stop_impair
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
grep -q "up #1 .* type=1 seq=0: drop (--drop-nth)" "$T/impair.log" || { cat "$T/impair.log"; fail "impair log"; }

# At the client: the Connexion twice, at least 2 s apart, then answered.
"$VERIFY" --server-port "$R" "$T/client.pcapng" > "$T/client.verify" || { cat "$T/client.verify"; fail "client recording"; }
grep -q "exchanges: .* 1 retransmissions, 0 unanswered" "$T/client.verify" || { cat "$T/client.verify"; fail "one retransmission"; }
# At the server: one Connexion, clean.
"$VERIFY" --server-port "$P" "$T/server.pcapng" > "$T/server.verify" || { cat "$T/server.verify"; fail "server recording"; }
grep -q "0 retransmissions" "$T/server.verify" || fail "server saw a retransmission"
echo ok
