# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the tools' shell tests: $1 = build directory. Gives $CRAFT,
# $VERIFY, $INJECT, $IMPAIR, $RESPONDER, a private temp dir $T (removed on
# exit, with the processes started through `spawn`), and fail().
set -eu
BUILD=$1
CRAFT=$BUILD/tools/craft/imup-craft
VERIFY=$BUILD/tools/verify/imup-verify
INJECT=$BUILD/tools/inject/imup-inject
IMPAIR=$BUILD/tools/impair/imup-impair
RESPONDER=$BUILD/tests/tools/imup-test-responder
T=$(mktemp -d /tmp/imup-tools-test.XXXXXX)
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
# tshark reading plain UDP: an IMUP plugin installed system-wide would name
# the frames IMUP. --disable-protocol of a protocol tshark does not know is
# fatal from Wireshark 4.4 on, so it is given only when imup is known.
plain_tshark() {
  if tshark -G protocols 2>/dev/null | cut -f3 | grep -qx imup; then
    tshark --disable-protocol imup "$@"
  else
    tshark "$@"
  fi
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
# spawn CMD...: runs in the background, remembered for cleanup.
spawn() {
  "$@" &
  PIDS="$PIDS $!"
  LAST_PID=$!
}
# wait_file FILE: until FILE exists and is not empty (5 s at most).
wait_file() {
  i=0
  while [ ! -s "$1" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "timed out waiting for $1"
    sleep 0.05
  done
}
# wait_grep TEXT FILE: until FILE says TEXT (5 s at most).
wait_grep() {
  i=0
  until grep -q -- "$1" "$2" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { cat "$2"; fail "timed out waiting for '$1' in $2"; }; sleep 0.05
  done
}
# wait_grep_within MS TEXT FILE: until FILE says TEXT, MS milliseconds at
# most (looked at every 10 ms); WAITED_MS is then how long it took.
ms_now() { echo $(($(date +%s%N) / 1000000)); }
wait_grep_within() {
  t_start=$(ms_now)
  until grep -q -- "$2" "$3" 2>/dev/null; do
    WAITED_MS=$(($(ms_now) - t_start))
    [ "$WAITED_MS" -gt "$1" ] && { cat "$3"; fail "no '$2' in $3 within $1 ms"; }
    sleep 0.01
  done
  WAITED_MS=$(($(ms_now) - t_start))
}
# start_server: the reference imup-server on 127.0.0.1, a free port, in $P,
# recording to $T/server.pcapng; sets SERVER_PID; its output in
# $T/server.out and $T/server.err.
start_server() {
  spawn "$BUILD/reference-impl/server/imup-server" --listen 127.0.0.1:0 --record "$T/server.pcapng" \
    > "$T/server.out" 2> "$T/server.err"
  SERVER_PID=$LAST_PID
  wait_grep "listening on" "$T/server.out"
  P=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' "$T/server.out")
  [ -n "$P" ] || fail "server port"
}
# start_impair LOG ARGS...: imup-impair in front of the server on port $P,
# its standard output in $T/LOG; sets $R to the relay's port and IMPAIR_PID.
start_impair() {
  log=$1
  shift
  # The bound address is the first line of standard output; the action
  # lines and the summary follow it.
  spawn "$IMPAIR" --listen 127.0.0.1:0 --server 127.0.0.1:$P "$@" > "$T/$log" 2> "$T/$log.err"
  IMPAIR_PID=$LAST_PID
  wait_grep "listening on" "$T/$log"
  R=$(sed -n '1s/^imup-impair listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$T/$log")
  [ -n "$R" ] || { cat "$T/$log"; fail "first line of standard output is not the listening line"; }
}
stop_impair() {
  kill "$IMPAIR_PID"
  wait "$IMPAIR_PID" 2>/dev/null || true
}
