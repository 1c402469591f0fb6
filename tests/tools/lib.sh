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
