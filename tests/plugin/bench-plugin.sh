#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: tshark over N IMUP datagrams (default 200,000) three ways:
#   plugin  this dissector (header, text, tracking, expert infos, Info column)
#   data    the same port decoded as plain data (-d udp.port==2017,data), the
#           cheapest possible dissection of those bytes
#   lua     tests/plugin/imup-minimal.lua, a Lua dissector of the header only
# Runs are alternated (the order rotates each round) and the figures are the
# medians of the paired ratios, of wall time and of CPU time (on a shared
# machine the CPU time is the steadier). Aim: plugin/data <= 1.25, plugin/lua <= 1.
#
#
# Then memory: the peak resident set (/usr/bin/time -f %M) of `tshark -2` over
# MEMORY_N datagrams (default 1,000,000) with the plugin and with the port
# decoded as plain data, and the bytes per frame the plugin adds (aim <= 64),
# with every feature on; and the breakdown by part, measured the same way
# with parts left out one after another (IMUP_MEMORY_OFF, packet-imup.cpp).
#
#   bench-plugin.sh [N] [ROUNDS] [MEMORY_N]
. "$(dirname "$0")/lib.sh"
N=${1:-200000}
ROUNDS=${2:-5}
MEMORY_N=${3:-1000000}

"$IMUP_PCAP_WRITER" bench "$N" "$WORK/bench.pcap" 2>/dev/null
cp "$IMUP_TEST_SOURCE/imup-minimal.lua" "$WORK/imup-minimal.lua"
mkdir -p "$WORK/no-plugins"
chmod -R a+rX "$WORK"
frames=$(capture_frames "$WORK/bench.pcap")

as_user() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK/home" "$@"
    else
        env HOME="$WORK/home" "$@"
    fi
}
# cpu_of FILE: CPU seconds (user + system) of the children, from the output of `times`.
cpu_of() {
    awk 'NR == 2 {
        n = split($0, t, /[ \t]+/); total = 0
        for (i = 1; i <= n; i++) { if (t[i] == "") continue; split(t[i], ms, "m"); sub(/s$/, "", ms[2]); total += ms[1] * 60 + ms[2] }
        printf "%.3f", total }' "$1"
}
# measure CONFIG: "wall cpu" seconds of one tshark run printing every summary line.
measure() {
    start=$(date +%s%N)
    times > "$WORK/times-before.txt"  # in this shell: `times` counts its own children
    case "$1" in
        plugin) as_user env WIRESHARK_PLUGIN_DIR="$WORK/plugins" tshark -r "$WORK/bench.pcap" > /dev/null 2>&1 ;;
        data) as_user env WIRESHARK_PLUGIN_DIR="$WORK/plugins" tshark -r "$WORK/bench.pcap" -d udp.port==2017,data > /dev/null 2>&1 ;;
        lua) as_user env WIRESHARK_PLUGIN_DIR="$WORK/no-plugins" tshark -X lua_script:"$WORK/imup-minimal.lua" -r "$WORK/bench.pcap" > /dev/null 2>&1 ;;
    esac
    times > "$WORK/times-after.txt"
    end=$(date +%s%N)
    cpu_before=$(cpu_of "$WORK/times-before.txt")
    cpu_after=$(cpu_of "$WORK/times-after.txt")
    echo "$start $end $cpu_before $cpu_after" | awk '{ printf "%.3f %.3f", ($2 - $1) / 1e9, $4 - $3 }'
}

# Check each configuration decodes what it should before timing it.
expect_equal "the plugin decodes every datagram" "$frames" \
    "$(as_user env WIRESHARK_PLUGIN_DIR="$WORK/plugins" tshark -r "$WORK/bench.pcap" -Y imup 2>/dev/null | wc -l)"
expect_equal "the Lua peer decodes every datagram" "$frames" \
    "$(as_user env WIRESHARK_PLUGIN_DIR="$WORK/no-plugins" tshark -X lua_script:"$WORK/imup-minimal.lua" -r "$WORK/bench.pcap" -Y imuplua 2>/dev/null | wc -l)"

echo "bench-plugin: $frames IMUP datagrams, $ROUNDS rounds"
echo "Seconds of wall time (and of CPU time, user + system), and their ratios:"
echo "round  plugin         data           lua            plugin/data wall (cpu)  plugin/lua wall (cpu)"
: > "$WORK/ratios.txt"
round=1
while [ "$round" -le "$ROUNDS" ]; do
    case $((round % 3)) in
        1) order="plugin data lua" ;;
        2) order="data lua plugin" ;;
        0) order="lua plugin data" ;;
    esac
    for config in $order; do
        eval "t_$config=\$(measure $config)"
    done
    # shellcheck disable=SC2154
    echo "$round $t_plugin $t_data $t_lua" |
        awk '{ printf "%5d  %6.2f (%5.2f)  %6.2f (%5.2f)  %6.2f (%5.2f)  %11.3f (%5.3f)  %10.3f (%5.3f)\n",
                      $1, $2, $3, $4, $5, $6, $7, $2 / $4, $3 / $5, $2 / $6, $3 / $7 }' | tee -a "$WORK/ratios.txt"
    round=$((round + 1))
done
median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
column_median() {
    awk -v c="$1" '{ gsub(/[()]/, ""); print $c }' "$WORK/ratios.txt" | median
}
echo "median plugin/data = $(column_median 8) wall, $(column_median 9) cpu (aim <= 1.25)"
echo "median plugin/lua  = $(column_median 10) wall, $(column_median 11) cpu (aim <= 1.00)"
plugin_s=$(column_median 2)
echo "$frames $plugin_s" | awk '{ printf "plugin: %.0f datagrams/s (median run %.2f s wall)\n", $1 / $2, $2 }'

# peak_kib [ENV=VALUE...] -- [TSHARK OPTIONS...]: peak KiB of tshark -2 over memory.pcap.
peak_kib() {
    envs=""
    while [ "$1" != "--" ]; do envs="$envs $1"; shift; done
    shift
    # shellcheck disable=SC2086
    as_user env WIRESHARK_PLUGIN_DIR="$WORK/plugins" $envs /usr/bin/time -f %M -o "$WORK/peak.txt" \
        tshark -2 -r "$WORK/memory.pcap" "$@" > /dev/null 2>&1
    tail -1 "$WORK/peak.txt"
}
"$IMUP_PCAP_WRITER" bench "$MEMORY_N" "$WORK/memory.pcap" 2>/dev/null
chmod a+r "$WORK/memory.pcap"
chmod a+rwx "$WORK"
memory_frames=$(capture_frames "$WORK/memory.pcap")
kib_plugin=$(peak_kib -- )
kib_data=$(peak_kib -- -d udp.port==2017,data)
echo "memory (tshark -2, peak RSS): frames $memory_frames, plugin $kib_plugin KiB, data $kib_data KiB" |
    tee "$WORK/memory.txt"
added=$(echo "$kib_plugin $kib_data $memory_frames" | awk '{ printf "%.1f", ($1 - $2) * 1024 / $3 }')
echo "memory: $added bytes per frame added by the plugin (aim <= 64)"
kib_no_follow=$(peak_kib IMUP_MEMORY_OFF=follow -- )
kib_no_sessions=$(peak_kib IMUP_MEMORY_OFF=follow,sessions -- )
kib_no_rules=$(peak_kib IMUP_MEMORY_OFF=follow,sessions,sequence -- )
kib_no_tracking=$(peak_kib IMUP_MEMORY_OFF=follow,sessions,sequence,tracking -- )
echo "memory by part, bytes per frame (the peak with the part left out, after the ones above it):"
echo "$kib_plugin $kib_no_follow $kib_no_sessions $kib_no_rules $kib_no_tracking $kib_data $memory_frames" | awk '{
    f = 1024 / $7
    printf "  chats (imup-follow.cpp)                          %6.1f\n", ($1 - $2) * f
    printf "  sessions (imup-sessions.cpp)                     %6.1f\n", ($2 - $3) * f
    printf "  sequence and paging (imup-sequence/paging.cpp)   %6.1f\n", ($3 - $4) * f
    printf "  tracker (imup-tracking.cpp)                      %6.1f\n", ($4 - $5) * f
    printf "  dissection without state (header, text, Info)    %6.1f\n", ($5 - $6) * f }'
if [ "$(echo "$added" | awk '{ print ($1 <= 64) }')" = 1 ]; then
    pass "memory: $added bytes per frame, at most 64"
else
    fail "memory: $added bytes per frame, more than 64"
fi
finish
