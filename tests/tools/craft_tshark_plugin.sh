#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-craft -> tshark with the project's IMUP plugin, field by field, and the
# plugin's expert infos against imup-verify's codes on crafted faults.
# tshark runs as nobody when we are root (as root it ignores
# WIRESHARK_PLUGIN_DIR), with the plugin and captures staged in a
# world-readable folder (scripts/tshark-with-plugin.sh).
. "$(dirname "$0")/lib.sh"
PLUGIN=$(find "$BUILD/plugin/plugins" -path '*/epan/imup.so' 2>/dev/null | head -1)
[ -f "$PLUGIN" ] || fail "plugin not built: $PLUGIN"
. "$(dirname "$0")/../../scripts/tshark-with-plugin.sh"
tshark_stage "$PLUGIN" "$T"
tshark_plugin() {
  chmod -R a+rX "$T"  # the captures written since, for nobody
  tshark_run "$@" 2> "$T/tshark.err"
}

# Every type, with the sequence numbers the script rules give.
cat > "$T/all.txt" <<'SCRIPT'
0 client server connect name=Sheng
- server client ack
- client server disconnect name=Sheng
- server client ack
- client server list start=40
- server client user-list more=yes entry=0:Sheng entry=private:1023:Lucy
- server client relayed message=Bonjour sender=Sheng recipient=Lucy
- client server ack
- client server invitation names=Sheng,Lucy note="vous invite"
- server client offer reason="centralise ou decentralise"
- client server choose-mode mode=d mode-text=yes
- server client ack
- server client update member=Sheng@10.0.0.1:4000 member=Lucy@10.0.0.2:4001
- client server ack
- server client probe
- client server ack
- client server message message="é à ü" recipient=Bob state=private mode=decentralized
- server client unknown-recipient reason="nom de recepteur n'existe pas: Bob"
- client server leave
- server client group-ended reason="Messagerie se termine"
- server client closed reason="fermer cette messagerie"
- client server accept seq=7
- client server refuse seq=8
- server client refused reason="nom de client deja utilise" seq=9
- server client crosses-rooms reason="Client privee recoit un message public" seq=10
- server client limit-reached reason="Nombre de client superieur" seq=11
SCRIPT
"$CRAFT" -f "$T/all.txt" -o "$T/all.pcapng"
tshark_plugin -2 -r "$T/all.pcapng" -T fields -E separator=';' -e frame.number -e imup.seq -e imup.type \
  -e imup.length -e udp.length -e imup.request.answer_in > "$T/fields" || { cat "$T/tshark.err"; fail "tshark"; }
# frame;seq;type;request.answer_in (the request's answer frame, from the plugin's tracking)
cat > "$T/expected" <<'EXPECTED'
1;0;1;2
2;0;8;
3;1;3;4
4;1;8;
5;2;4;6
6;2;21;
7;0;9;8
8;0;8;
9;3;19;10
10;3;10;
11;4;20;12
12;4;8;
13;1;11;14
14;1;8;
15;2;12;16
16;2;8;
17;5;18;18
18;5;14;
19;6;7;20
20;6;16;
21;3;13;
22;7;5;
23;8;6;
24;9;2;
25;10;15;
26;11;17;
EXPECTED
cut -d';' -f1,2,3,6 "$T/fields" > "$T/got"
diff "$T/expected" "$T/got" || fail "plugin fields differ from the crafted ones"
# The length field follows the n - 1 rule (0 without text) in every frame.
awk -F';' '{ n = $5 - 8 - 4; want = n > 0 ? n - 1 : 0; if ($4 != want) { print; exit 1 } }' "$T/fields" \
  || fail "length field"
# Text fields as crafted.
tshark_plugin -r "$T/all.pcapng" -Y 'frame.number == 1 || frame.number == 17' -T fields \
  -e imup.user.name -e imup.message -e imup.recipient > "$T/text"
printf 'Sheng\t\t\n\té à ü\tBob\n' | diff - "$T/text" || fail "text fields"

# The same faults named the same way by the plugin and by imup-verify.
check_both() {
  code=$1
  printf '%s\n' "$2" > "$T/$code.txt"
  "$CRAFT" -f "$T/$code.txt" -o "$T/$code.pcap"
  "$VERIFY" --json "$T/$code.pcap" | grep -q "\"code\":\"$code\"" || fail "imup-verify misses $code"
  n=$(tshark_plugin -2 -r "$T/$code.pcap" -Y "imup.$code" | wc -l)
  [ "$n" -ge 1 ] || { cat "$T/tshark.err"; fail "the plugin misses $code"; }
}
check_both bad_length '0 client server connect name=Sheng length=2'
check_both length_literal '0 client server connect name=Sheng length=7'
check_both reserved_set '0 client server connect name=Sheng low=1'
check_both bad_state_mode '0 client server message message=x state=2'
check_both unknown_type '0 client server 23'
check_both retransmit_too_soon '0 client server connect name=Sheng
+0.5 client server connect name=Sheng resend=yes'
check_both unexpected_answer '0 server client ack seq=5'
echo ok
