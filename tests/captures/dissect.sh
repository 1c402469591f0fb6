#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every capture of the library is dissected by tshark with our plugin, with
# both passes (-2) and the full tree (-V): IMUP frames are found, and no frame
# is a "Malformed Packet" or a "Dissector bug".
. "$(dirname "$0")/lib.sh"
count=0
for capture in $(all_captures); do
  name=${capture#"$IMUP_CAPTURES"/}
  staged=$(stage "$capture")
  frames=$(capinfos -c -M "$staged" | sed -n 's/^Number of packets: *//p')
  imup=$(ts -r "$staged" -2 -Y imup -T fields -e frame.number 2>"$T/err" | wc -l)
  [ -s "$T/err" ] && { cat "$T/err" >&2; fail "$name: tshark wrote errors"; }
  # A crafted capture broken below IMUP says how many frames tshark cannot
  # reach IMUP in ("# not-imup: N" in its script).
  script=$IMUP_CAPTURES/crafted/${name%.pcap}.txt
  not_imup=0
  [ -f "$script" ] && not_imup=$(sed -n 's/^# not-imup: *\([0-9]*\).*/\1/p' "$script" | head -1)
  [ -n "$not_imup" ] || not_imup=0
  [ "$imup" -gt 0 ] && [ "$imup" -eq $((frames - not_imup)) ] ||
    fail "$name: $imup of $frames frames decoded as IMUP ($not_imup expected not to be)"
  if ts -r "$staged" -2 -V 2>&1 | grep -E 'Malformed Packet|Dissector bug|\[Exception'; then
    fail "$name: malformed or dissector bug"
  fi
  count=$((count + 1))
done
[ "$count" -ge 13 ] || fail "only $count captures found in $IMUP_CAPTURES"
echo "$count captures dissected"
finish
