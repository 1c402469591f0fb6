#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-craft's output in every format is accepted by tshark (fields decoded
# as crafted, checksums verified good), capinfos and tcpreplay; standard
# output pipes into tshark; every link type reads back in tshark and imup-verify.
# The server port is 29417, not 2017: the frames tcpreplay puts on lo must not
# look like IMUP to another part's test capturing there at the same time.
. "$(dirname "$0")/lib.sh"

cat > "$T/s.txt" <<'SCRIPT'
define alice 127.0.0.1:40000
define srv 127.0.0.2:29417
0      alice srv connect name=Sheng
+0.010 srv alice ack
+1.5   alice srv message message="Bonjour tout le monde" ttl=7 ip-id=0x1234
+0.010 srv alice ack
SCRIPT

for fmt in pcap pcap-nsec pcapng; do
  f="$T/s.$fmt"
  "$CRAFT" -F "$fmt" -f "$T/s.txt" -o "$f"
  # tshark: addresses, ports, lengths, TTL, IP id, payload bytes, checksum status.
  plain_tshark -r "$f" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields -E separator=' ' \
    -e frame.time_relative -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e udp.length \
    -e ip.ttl -e ip.id -e ip.checksum.status -e udp.checksum.status -e data.data \
    > "$T/fields.$fmt" 2>/dev/null
  cat > "$T/expected" <<EXPECTED
0.000000000 127.0.0.1 127.0.0.2 40000 29417 19 64 0x0000 1 1 000040605368656e670d0a
0.010000000 127.0.0.2 127.0.0.1 29417 40000 12 64 0x0001 1 1 00020000
1.510000000 127.0.0.1 127.0.0.2 40000 29417 35 7 0x1234 1 1 00448160426f6e6a6f757220746f7574206c65206d6f6e64650d0a
1.520000000 127.0.0.2 127.0.0.1 29417 40000 12 64 0x0003 1 1 00420000
EXPECTED
  diff "$T/expected" "$T/fields.$fmt" || fail "tshark fields differ for $fmt"
  # capinfos: the file type and packet count.
  capinfos -c -t "$f" > "$T/capinfos.$fmt" || fail "capinfos rejected $fmt"
  grep -q "Number of packets: *4" "$T/capinfos.$fmt" || fail "capinfos count for $fmt"
  case $fmt in
    pcapng) grep -q "pcapng" "$T/capinfos.$fmt" || fail "capinfos type pcapng" ;;
    pcap-nsec) grep -qi "nanosecond" "$T/capinfos.$fmt" || fail "capinfos type nsec" ;;
    *) grep -q "pcap" "$T/capinfos.$fmt" || fail "capinfos type pcap" ;;
  esac
  # tcpreplay sends every frame on lo without a failure.
  tcpreplay -i lo --topspeed "$f" > "$T/tcpreplay.$fmt" 2>&1 || { cat "$T/tcpreplay.$fmt"; fail "tcpreplay exit for $fmt"; }
  grep -q "Successful packets: *4" "$T/tcpreplay.$fmt" || { cat "$T/tcpreplay.$fmt"; fail "tcpreplay success count for $fmt"; }
  grep -q "Failed packets: *0" "$T/tcpreplay.$fmt" || fail "tcpreplay failures for $fmt"
done

# Standard output pipes straight into tshark.
n=$("$CRAFT" -f "$T/s.txt" | plain_tshark -r - 2>/dev/null | wc -l)
[ "$n" -eq 4 ] || fail "piped capture: $n frames in tshark"

# Every link type: tshark decodes the UDP layer of every frame; imup-verify
# reads the same datagrams (one of them fragmented, through QinQ on Ethernet).
for link in ether sll sll2 raw ipv4 null loop; do
  "$CRAFT" -L "$link" -f "$T/s.txt" -e '+1 alice srv list fragment=8 vlan=10,20' -o "$T/l.$link.pcap"
  ports=$(plain_tshark -r "$T/l.$link.pcap" -T fields -e udp.srcport 2>/dev/null | grep -c 40000)
  [ "$ports" -ge 3 ] || fail "$link: tshark found $ports datagrams from 40000"
  "$VERIFY" --server-port 29417 --json --ignore unanswered_at_end "$T/l.$link.pcap" > "$T/v.$link" || { cat "$T/v.$link"; fail "$link: verify"; }
  grep -q '"imup_datagrams":5,"reassembled":1' "$T/v.$link" || { cat "$T/v.$link"; fail "$link: verify counts"; }
done
# editcap's conversions are read too (pcap -> pcapng, and back to nsec pcap).
editcap -F pcapng "$T/l.sll2.pcap" "$T/e.pcapng"
editcap -F nsecpcap "$T/e.pcapng" "$T/e.pcap"
for f in "$T/e.pcapng" "$T/e.pcap"; do
  "$VERIFY" --server-port 29417 --json --ignore unanswered_at_end "$f" | grep -q '"imup_datagrams":5' || fail "editcap output $f"
done
echo ok
