#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-verify - reads a pipe as it comes: a violation is printed (and
# flushed, through a pipe on standard output too) within 1 s of its
# datagram's bytes, while the writer keeps the pipe open; the summary and
# exit status 1 follow when it closes. Both readers: one thread, and the
# read-ahead thread (which must not hold a part-filled batch back).
. "$(dirname "$0")/lib.sh"
SRC=$(dirname "$0")/../../captures/retransmit-too-soon.pcap

for threads in 1 2; do
  rm -f "$T/in"
  mkfifo "$T/in"
  # Standard output is a pipe (to cat), as in `tcpdump -U -w - | imup-verify - | ...`.
  ( s=0; "$VERIFY" --threads $threads - < "$T/in" 2> "$T/err.$threads" || s=$?; echo $s > "$T/status.$threads" ) |
    cat > "$T/out.$threads" &
  exec 3> "$T/in"
  # The pcap header and the Connexion sent twice 0.5 s apart (3 frames: the
  # capture's own), written at once; the pipe stays open.
  cat "$SRC" >&3
  wait_grep_within 1000 "retransmit_too_soon" "$T/out.$threads"
  [ -e "$T/status.$threads" ] && fail "threads $threads: imup-verify ended though the pipe is open"
  grep -q "^summary:" "$T/out.$threads" && fail "threads $threads: a summary before the input ended"
  echo "threads $threads: violation reported $WAITED_MS ms after the datagram was written"
  exec 3>&-
  wait
  [ "$(cat "$T/status.$threads")" = 1 ] || fail "threads $threads: exit $(cat "$T/status.$threads"), not 1"
  grep -q "^summary: 3 frames, 3 UDP datagrams, 3 IMUP datagrams" "$T/out.$threads" ||
    { cat "$T/out.$threads"; fail "threads $threads: summary"; }
  grep -q "retransmit_too_soon  *1  error" "$T/out.$threads" ||
    { cat "$T/out.$threads"; fail "threads $threads: the summary's count"; }
done
echo ok
