#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The section-5 capture, as tshark with our plugin summarizes it, is the
# reviewed golden file section5.fields (frame, time, addresses, sequence
# number, type, retransmission and answer links, Info column, expert infos).
# To update after a deliberate change: run with UPDATE_GOLDEN=1, then review the diff.
. "$(dirname "$0")/lib.sh"
golden=$(dirname "$0")/section5.fields
staged=$(stage "$IMUP_CAPTURES/section5.pcap")
ts -r "$staged" -2 -T fields -E separator=/t -E occurrence=a -E aggregator=, \
  -e frame.number -e frame.time_relative -e ip.src -e ip.dst -e imup.seq -e imup.type \
  -e imup.request.retransmission_of -e imup.answer.request_in -e _ws.col.Info -e _ws.expert.message \
  2>"$T/err" > "$T/section5.raw" || fail "tshark failed: $(cat "$T/err")"
tshark_fields_as_4_0 < "$T/section5.raw" > "$T/section5.fields"
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
  cp "$T/section5.fields" "$golden"
  echo "golden updated: review git diff $golden"
fi
diff -u "$golden" "$T/section5.fields" || fail "section5.pcap's summary differs from section5.fields"
[ "$(wc -l < "$golden")" -eq 38 ] || fail "golden file must hold the 38 frames"
finish
