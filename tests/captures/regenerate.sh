#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# captures/regenerate.sh reproduces every committed crafted capture byte for
# byte, and leaves no capture without its script (or script without capture).
. "$(dirname "$0")/lib.sh"
sh "$IMUP_CAPTURES/regenerate.sh" "$IMUP_CRAFT" "$T/out" > /dev/null
for script in "$IMUP_CAPTURES"/crafted/*.txt; do
  name=$(basename "$script" .txt)
  if [ ! -f "$IMUP_CAPTURES/$name.pcap" ]; then
    fail "$name.pcap is not committed"
  elif ! cmp "$T/out/$name.pcap" "$IMUP_CAPTURES/$name.pcap"; then
    fail "$name.pcap differs from what crafted/$name.txt gives (run the captures target)"
  fi
done
for capture in "$IMUP_CAPTURES"/*.pcap; do
  name=$(basename "$capture" .pcap)
  [ -f "$IMUP_CAPTURES/crafted/$name.txt" ] || fail "$name.pcap has no crafted/$name.txt"
done
# Twice in a row gives the same bytes (nothing taken from the clock or a random source).
sh "$IMUP_CAPTURES/regenerate.sh" "$IMUP_CRAFT" "$T/again" > /dev/null
for f in "$T"/out/*.pcap; do cmp "$f" "$T/again/$(basename "$f")" || fail "$(basename "$f") not deterministic"; done
finish
