#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The tools read ADDR:PORT with the one parser the server and the client use
# (reference-impl/io/socket_address): imup-inject --server localhost:PORT
# reaches a live imup-server, imup-impair --listen localhost:0 binds, and the
# refusals name what is wrong. Every run is bounded in time.
. "$(dirname "$0")/lib.sh"

start_server

# A session to localhost: accepted, every request answered.
timeout 20 "$INJECT" --server "localhost:$P" --client --no-script-times \
  -e '0 client server connect name=Local' -e '+0.01 server client ack' \
  -e '+0.05 client server disconnect' -e '+0.01 server client ack' > "$T/local.out" 2> "$T/local.err" \
  || { cat "$T/local.out" "$T/local.err"; fail "imup-inject --server localhost:$P"; }
grep -q "2 requests, 2 answered, 0 unanswered, 0 answered otherwise" "$T/local.out" \
  || { cat "$T/local.out"; fail "localhost session summary"; }
# Replay to localhost, --bind localhost.
timeout 20 "$INJECT" --server "localhost:$P" --bind localhost -e '0 client server list' \
  > "$T/replay.out" 2> "$T/replay.err" || { cat "$T/replay.err"; fail "replay to localhost"; }

# The relay: --listen localhost:0 and --server localhost:PORT; a client through it.
spawn timeout 20 "$IMPAIR" --listen localhost:0 --server "localhost:$P" > "$T/impair.log" 2> "$T/impair.err"
i=0
until grep -q "listening on 127.0.0.1:" "$T/impair.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 100 ] && { cat "$T/impair.err"; fail "impair on localhost did not start"; }; sleep 0.05
done
R=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' "$T/impair.log")
timeout 20 "$INJECT" --server "127.0.0.1:$R" --client --no-script-times \
  -e '0 client server connect name=Relayed' -e '+0.01 server client ack' > "$T/relayed.out" 2>&1 \
  || { cat "$T/relayed.out"; fail "session through the relay on localhost"; }
grep -q "1 requests, 1 answered" "$T/relayed.out" || { cat "$T/relayed.out"; fail "relayed summary"; }

# Refusals: exit 2, the option and the culprit named.
refused() {  # STATUS WANT CMD...: CMD exits STATUS, its standard error says WANT
  status=$1 want=$2
  shift 2
  set +e
  timeout 10 "$@" > /dev/null 2> "$T/refused.err"; s=$?
  set -e
  [ "$s" -eq "$status" ] && grep -qF -- "$want" "$T/refused.err" \
    || { cat "$T/refused.err"; fail "$* (exit $s, want $status and: $want)"; }
}
refused 2 "--server: '0' is not a port to send to" "$INJECT" --server localhost:0 -e '0 client server list'
refused 2 "--server: 'example' is not a dotted IPv4 address" "$INJECT" --server example:2017 -e '0 client server list'
refused 2 "--server: '99999' is not a port number (1..65535)" "$INJECT" --server 127.0.0.1:99999 -e '0 client server list'
refused 2 "--server: '127.0.0.1' is not ADDR:PORT" "$INJECT" --server 127.0.0.1 -e '0 client server list'
refused 2 "--bind: '1.2.3' is not a dotted IPv4 address" "$INJECT" --server 127.0.0.1:2017 --bind 1.2.3 -e '0 client server list'
refused 2 "--listen: 'x' is not a port number (0..65535)" "$IMPAIR" --listen 127.0.0.1:x --server 127.0.0.1:2017
refused 2 "--server: '0' is not a port to send to" "$IMPAIR" --listen 127.0.0.1:0 --server 127.0.0.1:0
echo ok
