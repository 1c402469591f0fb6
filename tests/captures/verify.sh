#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-verify on every crafted capture shows exactly the codes its script's
# "# verify:" line names ("(none)": a clean capture), and exits 1 exactly when
# one of them is an error (0 otherwise). Recorded captures are clean (but two).
. "$(dirname "$0")/lib.sh"
"$IMUP_VERIFY" --list-codes | awk '$2 == "error" { print $1 }' > "$T/errors"
count=0
for script in "$IMUP_CAPTURES"/crafted/*.txt; do
  name=$(basename "$script" .txt)
  capture="$IMUP_CAPTURES/$name.pcap"
  [ -f "$capture" ] || { fail "$name: no $name.pcap (run the captures target)"; continue; }
  want=$(sed -n 's/^# verify: //p' "$script" | tr ' ' '\n' | grep -v '^(none)$' | grep . | sort -u | paste -sd' ' -)
  [ -n "$want" ] || grep -q '^# verify: (none)$' "$script" || { fail "$name: no '# verify:' line"; continue; }
  status=0
  "$IMUP_VERIFY" --json --max-repeats 0 "$capture" > "$T/$name.json" || status=$?
  got=$(sed -n 's/.*"code":"\([a-z_0-9]*\)".*/\1/p' "$T/$name.json" | sort -u | paste -sd' ' -)
  [ "$got" = "$want" ] || fail "$name: imup-verify shows [$got], the script says [$want]"
  expected_status=0
  for code in $want; do
    grep -qx "$code" "$T/errors" && expected_status=1
  done
  [ "$status" -eq "$expected_status" ] || fail "$name: exit status $status, expected $expected_status"
  count=$((count + 1))
done
echo "$count crafted captures verified"
# The recorded captures (the real server and clients) are clean: no code, exit 0
# (but two, below).
recorded=0
for capture in "$IMUP_CAPTURES"/recorded/*.pcap*; do
  [ -f "$capture" ] || continue
  name=$(basename "$capture")
  status=0
  "$IMUP_VERIFY" --json --max-repeats 0 "$capture" > "$T/$name.json" || status=$?
  got=$(sed -n 's/.*"code":"\([a-z_0-9]*\)".*/\1/p' "$T/$name.json" | sort -u | paste -sd' ' -)
  # The server's side of the liveness-probe drop ends with Lucy's last probe
  # unanswered (the capture stops soon after the server gave her up); the
  # invalid names are the clients' errors, each refused by the server.
  want=""
  want_status=0
  case $name in
    probe-drop-server.pcapng) want=unanswered_at_end ;;
    invalid-name-server.pcapng) want=bad_name want_status=1 ;;
  esac
  [ "$got" = "$want" ] && [ "$status" -eq "$want_status" ] || fail "recorded/$name: exit status $status, codes [$got], expected [$want]"
  grep -q '"imup_datagrams":[1-9]' "$T/$name.json" || fail "recorded/$name: no IMUP datagram"
  recorded=$((recorded + 1))
done
[ "$recorded" -ge 20 ] || fail "only $recorded recorded captures"
echo "$recorded recorded captures verified clean"
finish
