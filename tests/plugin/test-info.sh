#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Info column stays one short line: a long text is cut at 60 bytes, on a
# character boundary, and its length is shown; a short one is shown whole.
. "$(dirname "$0")/lib.sh"

# text_hex TEXT: the bytes of TEXT as the scenario format's hex list.
text_hex() {
    printf '%s' "$1" | od -An -v -tx1 | tr -s ' \n' '  '
}
long="Bonjour$(printf '%02993d' 0)"      # 3000 bytes
accents="$(printf 'é%.0s' $(seq 40))"    # 80 bytes, 40 characters of 2 bytes
cat > "$WORK/long.txt" <<SCENARIO
1.000 127.0.0.2:40001 127.0.0.1:2017 seq=00 type=12 len=3FF text: $(text_hex "$long") 0d 0a
1.100 127.0.0.2:40001 127.0.0.1:2017 seq=01 type=12 len=51 text: $(text_hex "$accents") 0d 0a
1.200 127.0.0.2:40001 127.0.0.1:2017 seq=02 type=12 len=08 text: $(text_hex "Bonjour") 0d 0a
SCENARIO
"$IMUP_PCAP_WRITER" scenario "$WORK/long.txt" "$WORK/long.pcap" 2>/dev/null
chmod a+r "$WORK/long.pcap"
pcap=$WORK/long.pcap

expect_equal "a 3000-byte message: 60 bytes, an ellipsis and its length" \
    "Message seq=0 \"Bonjour$(printf '%053d' 0)…\" (3000 bytes)" "$(field_of "$pcap" 1 _ws.col.Info)"
expect_equal "a long text in 2-byte characters is cut between characters" \
    "Message seq=1 \"$(printf 'é%.0s' $(seq 30))…\" (80 bytes)" "$(field_of "$pcap" 2 _ws.col.Info)"
expect_equal "a short message is shown whole" 'Message seq=2 "Bonjour"' "$(field_of "$pcap" 3 _ws.col.Info)"
expect_equal "the message field itself is not cut" "3000" \
    "$(ts -r "$pcap" -Y frame.number==1 -T fields -e imup.message 2>/dev/null | tr -d '\n' | wc -c)"
finish
