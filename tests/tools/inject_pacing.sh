#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-inject --pps reports the rate it held: N datagrams at RATE take N/RATE
# seconds, so a short run reports 100% within 5%, not N/(N-1) of it (the
# clock used to stop at the last send: 10 datagrams at 1000/s said 111%).
. "$(dirname "$0")/lib.sh"

spawn "$RESPONDER" "$T/port"
wait_file "$T/port"
P=$(cat "$T/port")

for n in 500 10; do
  "$INJECT" --server 127.0.0.1:$P -e '0 client server list' --loop $n --pps 1000 --wait 0 > "$T/rate.$n"
  pct=$(sed -n 's/.*requested (\([0-9.]*\)%).*/\1/p' "$T/rate.$n")
  grep -q "^sent $n datagrams" "$T/rate.$n" && [ -n "$pct" ] || { cat "$T/rate.$n"; fail "--pps 1000 x $n: report"; }
  awk -v p="$pct" 'BEGIN { exit !(p >= 95 && p <= 105) }' || { cat "$T/rate.$n"; fail "--pps 1000 x $n: $pct% of the requested rate"; }
done
echo ok
