#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The tools against the live reference server: imup-inject --client through
# imup-impair (one datagram lost on purpose) gets every request answered,
# the server's own --record capture (written with imup_capture) is clean for
# imup-verify and accepted by tshark and capinfos.
. "$(dirname "$0")/lib.sh"

start_server

cat > "$T/session.txt" <<'SCRIPT'
0     client  server connect name=Sheng
+0.01 server  client ack
+0.05 client2 server connect name=Lucy
+0.01 server  client2 ack
+0.05 client  server message message="Bonjour tout le monde"
+0.01 server  client ack
+0.05 client  server list
+0.01 server  client user-list entry=0:Sheng entry=1:Lucy
+0.05 client  server message message="a Bob" recipient=Bob
+0.01 server  client unknown-recipient reason="nom de recepteur n'existe pas"
+0.05 client  server disconnect
+0.01 server  client ack
+0.05 client2 server disconnect
+0.01 server  client2 ack
SCRIPT

# Straight to the server.
"$INJECT" --server 127.0.0.1:$P --client -f "$T/session.txt" > "$T/direct.out" || { cat "$T/direct.out"; fail "direct session"; }
grep -q "7 requests, 7 answered, 0 unanswered, 0 answered otherwise" "$T/direct.out" || { cat "$T/direct.out"; fail "direct summary"; }

# Through the relay, losing the third client -> server datagram.
start_impair impair.log --drop-nth up:3
"$INJECT" --server 127.0.0.1:$R --client -f "$T/session.txt" > "$T/relayed.out" || { cat "$T/relayed.out"; fail "relayed session"; }
stop_impair
grep -q "7 requests, 7 answered, 0 unanswered" "$T/relayed.out" || { cat "$T/relayed.out"; fail "relayed summary"; }
grep -q ", 1 retry" "$T/relayed.out" || grep -q "up #3 .*drop (--drop-nth)" "$T/impair.log" || fail "the lost datagram"
grep -q "up #3 .*drop (--drop-nth)" "$T/impair.log" || { cat "$T/impair.log"; fail "impair drop line"; }

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
# The server's recording: well-formed for tshark and capinfos, clean for imup-verify.
capinfos "$T/server.pcapng" > /dev/null || fail "capinfos rejects the server's recording"
n=$(plain_tshark -r "$T/server.pcapng" 2>/dev/null | wc -l)
[ "$n" -ge 28 ] || fail "tshark reads $n frames of the recording"
"$VERIFY" --server-port "$P" "$T/server.pcapng" > "$T/verify.out" || { cat "$T/verify.out"; fail "verify finds violations in the server's recording"; }
grep -q "violations: 0 errors" "$T/verify.out" || fail "verify summary"
echo ok
