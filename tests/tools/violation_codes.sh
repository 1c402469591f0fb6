#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every code of `imup-verify --list-codes` is shown by a capture crafted to
# show it (and a code added without a case here fails this test).
. "$(dirname "$0")/lib.sh"

long=$(head -c 1100 /dev/zero | tr '\0' a)
CONNECT='0 client server connect name=Sheng
+0.01 server client ack'
CONNECT2='+0.01 client2 server connect name=Lucy
+0.01 server client2 ack'

# case CODE SCRIPT [CAPTURE_TRANSFORM]: crafts SCRIPT, checks CODE is reported.
tested=""
case_of() {
  code=$1
  printf '%s\n' "$2" > "$T/$code.txt"
  "$CRAFT" -f "$T/$code.txt" -o "$T/$code.pcap" || fail "$code: craft failed"
  if [ $# -ge 3 ]; then
    eval "$3" || fail "$code: transform failed"
  fi
  set +e
  "$VERIFY" --json --max-repeats 0 "$T/$code.pcap" > "$T/$code.out"
  status=$?
  set -e
  grep -q "\"code\":\"$code\"" "$T/$code.out" || { cat "$T/$code.out"; fail "$code not reported"; }
  severity=$("$VERIFY" --list-codes | awk -v c="$code" '$1 == c { print $2 }')
  if [ "$severity" = error ] && [ $status -ne 1 ]; then fail "$code: exit status $status, not 1"; fi
  tested="$tested $code"
}

case_of truncated '0 client server ack payload=0102'
case_of unknown_type '0 client server 23'
case_of text_too_long "0 client server message text=\"$long\""
case_of bad_length '0 client server connect name=Sheng length=2'
case_of length_literal '0 client server connect name=Sheng length=7'
case_of reserved_set '0 client server connect name=Sheng low=1'
case_of bad_state_mode '0 client server message message=x state=2'
case_of bad_utf8 '0 client server connect text="\xff\xfe\r\n"'
case_of missing_crlf '0 client server connect text=Sheng'
case_of bare_lf '0 client server connect text="Sheng\n"'
case_of missing_field '0 client server connect text=""'
case_of extra_field '0 client server connect text="A\r\nB\r\n"'
case_of unexpected_text '0 client server ack text="x\r\n"'
case_of bad_name '0 client server connect text="has space\r\n"'
case_of bad_number "$CONNECT
+1 client server list text=\"abc\\r\\n\""
case_of bad_address '0 server client update text="A 1.2.3:4\r\n"'
case_of bad_user_entry "$CONNECT
+1 client server list
+0.01 server client user-list text=\"\\x00\\x00\""
case_of text_user_list "$CONNECT
+1 client server list
+0.01 server client user-list text=\"publique, Lucy\""
case_of one_field_text '0 server client relayed text="Bonjour\r\n"'
case_of mode_text_mismatch '0 client server choose-mode mode=d text="centralise\r\n"'
case_of bad_ip_checksum '0 client server ack ip-checksum=0x1234'
case_of bad_udp_checksum '0 client server ack bad-checksum=yes'
# 0x8429: the pseudo-header sum of 192.0.2.10 -> 192.0.2.1, UDP length 12,
# which is what a stack using checksum offload leaves in the field.
case_of checksum_offload '0 client server ack udp-checksum=0x8429'
case_of truncated_frame '0 client server ack ip-length=200'
case_of bad_ip_header '0 client server ack ip-length=10'
case_of bad_udp_length '0 client server ack udp-length=200'
# The last fragment (sent first) repeated before the first one arrives.
case_of fragment_overlap '0 client server connect name=Sheng fragment=8 reverse-fragments=yes' \
  'editcap -r "$T/fragment_overlap.pcap" "$T/first.pcap" 1 &&
   mergecap -F pcap -a -w "$T/fragment_overlap.pcap.m" "$T/first.pcap" "$T/fragment_overlap.pcap" &&
   mv "$T/fragment_overlap.pcap.m" "$T/fragment_overlap.pcap"'
# A fragment never completed, then traffic 40 s later.
case_of fragment_timeout '0 client server connect name=Sheng fragment=8
+40 server client ack' \
  'editcap "$T/fragment_timeout.pcap" "$T/ft.pcap" 1 && mv "$T/ft.pcap" "$T/fragment_timeout.pcap"'
# 65 datagrams in reassembly at once (one more than the table holds).
lines=""
for i in $(seq 1 65); do lines="$lines- client server ack fragment=8 reverse-fragments=yes
"; done
case_of fragment_table_full "$lines" \
  'editcap "$T/fragment_table_full.pcap" "$T/ftf.pcap" $(seq 2 2 130) && mv "$T/ftf.pcap" "$T/fragment_table_full.pcap"'
case_of wrong_direction '0 server client connect name=Sheng'
# A client that counted its Connexion's text as n - 1 counts its message's
# 4 text bytes ("hi" CRLF) literally.
case_of length_convention_changed "$CONNECT
+0.01 client server message message=hi length=4"
case_of unexpected_answer '0 server client ack seq=5'
case_of duplicate_answer "$CONNECT
+0.01 server client ack"
case_of cached_answer_differs "$CONNECT
+3 client server connect name=Sheng resend=yes
+0.01 server client refused reason=\"nom de client deja utilise\" seq=0"
case_of unanswered_request '0 client server connect name=Sheng
+101 client2 server connect name=Lucy
+0.01 server client2 ack'
case_of unanswered_at_end '0 client server connect name=Sheng'
case_of retransmit_too_soon '0 client server connect name=Sheng
+0.5 client server connect name=Sheng resend=yes'
case_of too_many_tries '0 client server connect name=Sheng
+3 client server connect name=Sheng resend=yes
+6 client server connect name=Sheng resend=yes
+12 client server connect name=Sheng resend=yes
+24 client server connect name=Sheng resend=yes
+48 client server connect name=Sheng resend=yes'
# Three tries, then silence while the capture goes on past the fourth's time.
case_of gave_up_early '0 client server connect name=Sheng
+3 client server connect name=Sheng resend=yes
+6 client server connect name=Sheng resend=yes
+101 client2 server connect name=Lucy
+0.01 server client2 ack'
case_of seq_not_increasing "0 client server connect name=Sheng seq=5
+0.01 server client ack
+1 client server message message=x seq=3
+0.01 server client ack"
case_of seq_gap "$CONNECT
+1 client server message message=x seq=5
+0.01 server client ack"
case_of seq_reused '0 client server connect name=Sheng
+0.5 client server message message=x seq=0'
lines="$CONNECT
"
for i in $(seq 1 33); do lines="$lines- client server message message=m$i
"; done
case_of window_exceeded "$lines"
case_of not_connected '0 client server message message=x
+0.01 server client ack'
case_of peer_not_member "$CONNECT
$CONNECT2
+1 client client2 message message=direct state=private mode=d"
case_of group_without_offer "$CONNECT
+1 client server choose-mode mode=c
+0.01 server client ack"
case_of message_crosses_rooms "$CONNECT
$CONNECT2
+1 client server invitation names=Sheng,Lucy
+0.01 server client offer reason=\"centralise ou decentralise\"
+1 client server choose-mode mode=c
+0.01 server client ack
+1 client server message message=public state=public
+0.01 server client ack"
case_of message_outside_group "$CONNECT
+1 client server message message=x state=private
+0.01 server client ack"
case_of peer_message_not_private "$CONNECT
$CONNECT2
+1 client client2 message message=direct state=public mode=c"
case_of offer_to_member "$CONNECT
$CONNECT2
+1 client server invitation names=Sheng,Lucy
+0.01 server client offer reason=\"centralise ou decentralise\"
+1 client server choose-mode mode=c
+0.01 server client ack
+1 client server invitation names=Lucy
+0.01 server client offer reason=\"centralise ou decentralise\""
case_of group_mode_mismatch "$CONNECT
+1 client server invitation names=Lucy
+0.01 server client offer reason=\"centralise ou decentralise\"
+1 client server choose-mode mode=c
+0.01 server client ack
+1 client server message message=x state=private mode=d"
case_of sender_not_member "$CONNECT
+1 client server invitation names=Lucy
+0.01 server client offer reason=\"centralise ou decentralise\"
+1 client server choose-mode mode=c
+0.01 server client ack
+1 server client update member=Lucy
+0.01 client server ack
+1 client server message message=x state=private mode=c"
case_of update_part_out_of_order "$CONNECT
+1 server client update member=Sheng more=yes
+0.01 server client update member=Lucy"
many=$(for i in $(seq 1 101); do printf 'U%d,' "$i"; done)
case_of group_limit_exceeded "$CONNECT
+1 client server invitation names=${many%,}
+0.01 server client limit-reached reason=\"limite atteinte\""

# The user list's pages (§11). A full first page: 46 entries of 21 bytes
# (966 of 1024, too little room left for another entry of up to 84).
full=$(for i in $(seq 10 55); do printf ' entry=%d:User%02dxxxxxxxxxxx' "$i" "$i"; done)
case_of list_page_order "$CONNECT
+1 client server list
+0.01 server client user-list entry=3:A entry=1:B"
case_of list_duplicate_user "$CONNECT
+1 client server list
+0.01 server client user-list $full more=yes
+1 client server list start=56
+0.01 server client user-list entry=55:User55xxxxxxxxxxx entry=60:C"
case_of list_more_flag "$CONNECT
+1 client server list
+0.01 server client user-list entry=1:A more=yes"
case_of list_page_start "$CONNECT
+1 client server list
+0.01 server client user-list $full more=yes
+1 client server list start=40
+0.01 server client user-list entry=60:C"
case_of list_incomplete "$CONNECT
+1 client server list
+0.01 server client user-list $full more=yes
+200 client server message message=x
+0.01 server client ack"

# Nothing listed is left untested.
for code in $("$VERIFY" --list-codes | awk '{ print $1 }'); do
  case " $tested " in
    *" $code "*) ;;
    *) fail "no capture shows $code" ;;
  esac
done

# tools/README.md's code table lists every code, with its severity.
readme="$(dirname "$0")/../../tools/README.md"
"$VERIFY" --list-codes | while read -r code severity rest; do
  grep -qF "| \`$code\` | $severity |" "$readme" || fail "tools/README.md: no row for $code ($severity)"
done

# And a clean session shows none of them.
printf '%s\n%s\n' "$CONNECT" "$CONNECT2" > "$T/clean.txt"
"$CRAFT" -f "$T/clean.txt" -o "$T/clean.pcapng"
"$VERIFY" "$T/clean.pcapng" > "$T/clean.out" || { cat "$T/clean.out"; fail "clean capture reported"; }
grep -q "violations: 0 errors, 0 warnings" "$T/clean.out" || fail "clean summary"
echo "all $(echo $tested | wc -w) codes shown"
