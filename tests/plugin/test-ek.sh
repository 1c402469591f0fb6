#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `tshark -T ek` writes every capture of captures/ (all its folders) and of the plugin's
# scenarios as JSON objects without repeated keys, which Elasticsearch
# rejects. Wireshark 4.0's ek writer keys each field by its parent and so
# repeats Wireshark's own _ws.expert (and eth.addr) wherever they sit under
# two different items; there the IMUP layer alone is checked (-J imup), with
# _ws_expert allowed to repeat. From 4.4 on the whole output is checked.
. "$(dirname "$0")/lib.sh"

case $TSHARK_ABI in
    4.0|4.2) scope="-J imup"; allowed="_ws_expert" ;;
    *) scope=""; allowed="" ;;
esac

mkdir -p "$WORK/ek"
# Every capture of the repository's captures/, in whatever folder (the crafted
# ones and the reference server's recordings alike), then the scenarios.
captures=$(cd "$IMUP_TEST_SOURCE/../../captures" && pwd)
find "$captures" -name '*.pcap' -o -name '*.pcapng' | sort | while read -r pcap; do
    relative=${pcap#"$captures"/}
    cp "$pcap" "$WORK/ek/$(echo "$relative" | tr / -)"
done
for scenario in "$IMUP_TEST_SOURCE"/captures/*.txt; do
    "$IMUP_PCAP_WRITER" scenario "$scenario" "$WORK/ek/scenario-$(basename "$scenario" .txt).pcap" 2>/dev/null
done
chmod -R a+rX "$WORK/ek"

checked=0
for pcap in "$WORK"/ek/*.pcap "$WORK"/ek/*.pcapng; do
    # shellcheck disable=SC2086
    ts -r "$pcap" -2 -T ek $scope > "$WORK/ek.json" 2>/dev/null
    # shellcheck disable=SC2086
    repeats=$(python3 "$IMUP_TEST_SOURCE/ek-keys.py" $allowed < "$WORK/ek.json" | head -3 | tr '\n' ' ')
    expect_equal "$(basename "$pcap"): no repeated key in -T ek" "" "$repeats"
    checked=$((checked + 1))
done
expect_equal "IMUP objects were written" "yes" \
    "$(grep -q '"imup_imup_type"' "$WORK/ek.json" && echo yes)"
expect_equal "every capture of captures/ was checked" "$(find "$captures" -name '*.pcap' -o -name '*.pcapng' | wc -l)" \
    "$(find "$WORK/ek" -type f ! -name 'scenario-*' | wc -l)"
[ "$checked" -ge 60 ] && pass "$checked captures checked" || fail "only $checked captures checked"
finish
