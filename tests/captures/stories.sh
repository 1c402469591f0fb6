#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Each recorded story shows what captures/README.md says it shows: the
# datagram types it is recorded for, counted by imup-verify (its JSON summary's
# by_type), e.g. the three type-16 answers of error-group-ended-server.
. "$(dirname "$0")/lib.sh"
# expect CAPTURE TYPE=COUNT...: COUNT datagrams of each TYPE ("+" for at least one).
expect() {
  capture="$IMUP_CAPTURES/recorded/$1"
  shift
  [ -f "$capture" ] || { fail "no recorded/$(basename "$capture")"; return; }
  by_type=$("$IMUP_VERIFY" --json -q "$capture" | sed -n 's/.*"by_type":{\([^}]*\)}.*/\1/p' | tr ',' '\n' | tr -d '"')
  for want in "$@"; do
    type=${want%%=*}
    count=${want#*=}
    got=$(echo "$by_type" | sed -n "s/^$type:\\([0-9]*\\)$/\\1/p")
    got=${got:-0}
    if [ "$count" = + ]; then
      [ "$got" -ge 1 ] || fail "$(basename "$capture"): no datagram of type $type"
    else
      [ "$got" -eq "$count" ] || fail "$(basename "$capture"): $got datagrams of type $type, expected $count"
    fi
  done
}
expect connect-server.pcapng 1=3 2=1 12=2 3=2
expect invalid-name-server.pcapng 1=3 2=3 8=0
expect messages-server.pcapng 18=3 9=5 2=0 14=0
expect group-centralized-server.pcapng 19=3 10=1 20=1 5=2 6=0 11=7 13=1 9=5
expect leave-close-server.pcapng 7=2 11=7 13=1 9=2
expect error-unknown-recipient-server.pcapng 18=1 19=1 14=2
expect error-crosses-rooms-server.pcapng 15=1 14=0
expect error-group-ended-server.pcapng 7=1 18=1 20=1 16=3
expect error-limit-reached-server.pcapng 17=2 10=2 13=1
expect section5-loss-sheng.pcapng 18=+ 14=1
expect user-list-pages-lister.pcapng 21=3
expect probe-drop-server.pcapng 12=+ 13=1
finish
