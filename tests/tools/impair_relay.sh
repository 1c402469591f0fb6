#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-impair between a client (imup-inject --client) and a responder, real
# processes on loopback: --drop-nth loses exactly one datagram and the client
# retransmits; seeded impairments replay identically; the summary adds up.
. "$(dirname "$0")/lib.sh"

spawn "$RESPONDER" "$T/port"
wait_file "$T/port"
P=$(cat "$T/port")

# Exactly the first client -> server datagram is lost: the Connexion is
# sent again 2-3 s later and answered.
start_impair drop.log --drop-nth up:1
"$INJECT" --server 127.0.0.1:$R --client -e '0 client server connect name=Sheng' -e '+0.01 client server list' > "$T/client.out" || { cat "$T/client.out"; fail "client through impair"; }
stop_impair
grep -q "1 (Connect) seq=0: answered by 8 (ACK) in .* ms, 1 retry" "$T/client.out" || { cat "$T/client.out"; fail "retry not reported"; }
grep -q "4 (List request) seq=1: answered by 21 (User list page) in .* ms, 0 retries" "$T/client.out" || fail "list"
grep -q "up #1 .* type=1 seq=0: drop (--drop-nth)" "$T/drop.log" || { cat "$T/drop.log"; fail "drop line"; }
[ "$(grep -c ': drop' "$T/drop.log")" -eq 1 ] || fail "exactly one drop line"
grep -q "summary up: 3 received, 2 forwarded, 1 dropped" "$T/drop.log" || { cat "$T/drop.log"; fail "summary up"; }
grep -q "summary down: 2 received, 2 forwarded, 0 dropped" "$T/drop.log" || { cat "$T/drop.log"; fail "summary down"; }

# Seeded duplicates, reordering and delays: the same seed gives the same
# actions; every request is still answered; counts add up.
script="$T/many.txt"
: > "$script"
for i in $(seq 1 12); do echo "- client server message message=m$i" >> "$script"; done
sed -i '1i 0 client server connect name=Sheng' "$script"
for run in 1 2; do
  start_impair "seeded.$run" --seed 42 --duplicate 0.3 --reorder 0.3 --delay 2 --jitter 3
  "$INJECT" --server 127.0.0.1:$R --client --no-script-times -f "$script" > "$T/seeded.client.$run" || { cat "$T/seeded.client.$run"; fail "seeded run $run"; }
  stop_impair
  # The actions without their times.
  grep -v '^summary' "$T/seeded.$run" | cut -d' ' -f2- | sed 's/delay [0-9.]* ms/delay/' > "$T/actions.$run"
  grep -q "unanswered, 0" "$T/seeded.client.$run" || true
  grep -q "13 requests, 13 answered, 0 unanswered" "$T/seeded.client.$run" || { cat "$T/seeded.client.$run"; fail "seeded run $run answers"; }
done
grep -q duplicate "$T/actions.1" && grep -q reorder "$T/actions.1" || { cat "$T/seeded.1"; fail "no impairment happened"; }
up1=$(grep '^[0-9.]* up ' "$T/seeded.1" | cut -d' ' -f2- | sed 's/delay [0-9.]* ms/delay/')
up2=$(grep '^[0-9.]* up ' "$T/seeded.2" | cut -d' ' -f2- | sed 's/delay [0-9.]* ms/delay/')
[ "$(echo "$up1" | sed 's/ 127.0.0.1:[0-9]* -> / -> /')" = "$(echo "$up2" | sed 's/ 127.0.0.1:[0-9]* -> / -> /')" ] || fail "same seed, different actions"
# forwarded = received - dropped + duplicated, per direction.
awk '/^summary/ { if ($5 != $3 - $7 + $9) { print; exit 1 } }' "$T/seeded.1" || fail "summary does not add up"

# Peer to peer: clients reach each other at the addresses the server sees
# (the relay's per-client sockets, listed in decentralized member lines).
# Peer B (a responder) says hello through the relay, so it gets a socket
# there; peer A says hello too, then sends a request to B's socket: the relay
# passes it to B from A's socket, and B's answer back to A from B's socket.
start_impair peer.log -v
spawn "$RESPONDER" "$T/b.port" 0 "$R"
wait_file "$T/b.port"
i=0
until grep -q "client 127.0.0.1:$(cat "$T/b.port"): seen by the server and its peers as" "$T/peer.log"; do
  i=$((i + 1)); [ $i -gt 100 ] && { cat "$T/peer.log"; fail "peer B never reached the relay"; }; sleep 0.05
done
B_SEEN=$(sed -n "s/.*client 127.0.0.1:$(cat "$T/b.port"): seen by the server and its peers as 127.0.0.1:\([0-9]*\)$/\1/p" "$T/peer.log")
# A stranger (no session in the relay) is not let through to B.
"$INJECT" --server 127.0.0.1:$B_SEEN -e '0 client server list' > /dev/null
spawn "$RESPONDER" "$T/a.port" 0 "$R" "$B_SEEN"
wait_file "$T/a.port"
A=$(cat "$T/a.port"); B=$(cat "$T/b.port")
i=0
until grep -q "^[0-9.]* peer #[0-9]* 127.0.0.1:$B -> 127.0.0.1:$A " "$T/peer.log"; do
  i=$((i + 1)); [ $i -gt 100 ] && { cat "$T/peer.log"; fail "no answer from peer B to peer A"; }; sleep 0.05
done
stop_impair
grep -q "peer #1 127.0.0.1:[0-9]* -> 127.0.0.1:$B .*: drop (sender is neither the server nor a client of this relay)" "$T/peer.log" || { cat "$T/peer.log"; fail "stranger not dropped"; }
grep -q "peer #2 127.0.0.1:$A -> 127.0.0.1:$B 4 bytes type=4 seq=1: pass" "$T/peer.log" || { cat "$T/peer.log"; fail "A -> B"; }
grep -q "peer #3 127.0.0.1:$B -> 127.0.0.1:$A [0-9]* bytes type=21 seq=1: pass" "$T/peer.log" || { cat "$T/peer.log"; fail "B -> A"; }
grep -q "summary peer: 3 received, 2 forwarded, 1 dropped" "$T/peer.log" || { cat "$T/peer.log"; fail "summary peer"; }

# Bad options: usage errors (status 2), each naming its option and range.
set +e
"$IMPAIR" --listen 127.0.0.1:0 2> "$T/e1"; a=$?
"$IMPAIR" --listen 127.0.0.1:0 --server 127.0.0.1:1 --drop 2 2> "$T/e2"; b=$?
"$IMPAIR" --listen 127.0.0.1:0 --server 127.0.0.1:1 --drop-nth sideways:1 2> "$T/e3"; c=$?
set -e
[ $a -eq 2 ] && [ $b -eq 2 ] && [ $c -eq 2 ] || fail "bad option exits $a $b $c"
grep -q "required" "$T/e1" && grep -qF -- "--drop 2 is out of range: 0..1" "$T/e2" && grep -q "up:N" "$T/e3" || fail "bad option messages"
echo ok
