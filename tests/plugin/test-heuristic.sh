#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The heuristic dissector finds IMUP on other ports with strict checks and
# claims nothing in random traffic; Decode As puts IMUP on any port, taking the
# port it was given as the server's.
. "$(dirname "$0")/lib.sh"
NOISE=${NOISE:-20000}

pcap=$(make_capture other-port.txt)
expect_equal "the heuristic claims the exchange on port 3000" "1,2,3,4" "$(frames_matching "$pcap" imup)"
expect_equal "without a server port the direction is unknown" "1,2,3,4" "$(frames_matching "$pcap" 'imup.direction == 0')"
expect_equal "the heuristic can be switched off" "" "$(frames_matching "$pcap" imup --disable-heuristic imup_udp)"
expect_equal "Decode As: port 3000 is the server's" "1,3|2,4" \
    "$(frames_matching "$pcap" 'imup.direction == 1' -d udp.port==3000,imup)|$(frames_matching "$pcap" 'imup.direction == 2' -d udp.port==3000,imup)"
expect_equal "the server port preference does the same" "1,3" \
    "$(frames_matching "$pcap" 'imup.direction == 1' --disable-heuristic imup_udp -o 'imup.udp.port:2017,3000')"

# False positives: random payloads, randpkt's UDP and DNS packets. Port 2017 is
# excluded: there the port, not the heuristic, decides.
"$IMUP_PCAP_WRITER" noise "$NOISE" 7 30000 "$WORK/noise.pcap" 2>/dev/null
randpkt -b 600 -c "$NOISE" -t udp "$WORK/randpkt-udp.pcap"
randpkt -b 600 -c "$NOISE" -t dns "$WORK/randpkt-dns.pcap"
chmod a+r "$WORK"/*.pcap
for f in noise randpkt-udp randpkt-dns; do
    claimed=$(ts -r "$WORK/$f.pcap" -Y 'imup && !(udp.port == 2017)' -T fields -e frame.number 2>/dev/null | wc -l)
    expect_equal "no false positive in $NOISE datagrams of $f" "0" "$claimed"
done
finish
