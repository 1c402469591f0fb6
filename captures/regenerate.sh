#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Rebuilds the reference captures from the inputs kept next to this script.
#
#   regenerate.sh CRAFT_BIN [OUT_DIR]
#
# Every crafted/NAME.txt (an imup-craft message script) becomes OUT_DIR/NAME.pcap
# (classic pcap, microsecond timestamps, Ethernet). imup-craft stamps frames
# from a fixed start (2026-01-01 00:00:00 UTC) plus the script's own times and
# draws nothing at random, so the files come out byte for byte the same on
# every run and every machine. OUT_DIR defaults to this folder, where the
# committed captures live; the tests regenerate into a temp dir and compare.
set -eu
craft=${1:?usage: regenerate.sh CRAFT_BIN [OUT_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
out=${2:-$here}
mkdir -p "$out"
count=0
for script in "$here"/crafted/*.txt; do
  name=$(basename "$script" .txt)
  "$craft" -F pcap -f "$script" -o "$out/$name.pcap.tmp"
  mv "$out/$name.pcap.tmp" "$out/$name.pcap"
  count=$((count + 1))
done
echo "regenerate.sh: $count crafted captures written to $out"
