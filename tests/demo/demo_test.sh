#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs scripts/demo.sh as `make demo` does, but on a free port (--port 0: no
# clash with parallel tests or a running server) and without installing the
# plugin, then checks what it printed against what it left: imup-verify's
# clean verdict, exactly one datagram dropped by the relay and exactly one
# retransmission seen by tshark with our plugin, the flow ladder, and a
# capture file capinfos reads with as many packets as the list printed.
set -eu
: "${IMUP_SOURCE:?}" "${IMUP_BUILD:?}" "${IMUP_PLUGIN_SO:?}"
T=$(mktemp -d /tmp/imup-demo-test.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
FAILURES=0
fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

status=0
sh "$IMUP_SOURCE/scripts/demo.sh" --no-install --port 0 --out "$T/out" "$IMUP_BUILD" >"$T/demo.out" 2>"$T/demo.err" || status=$?
cat "$T/demo.out"
[ $status -eq 0 ] || { cat "$T/demo.err" >&2; fail "demo.sh exited $status"; }
[ -s "$T/demo.err" ] && { cat "$T/demo.err" >&2; fail "demo.sh wrote to standard error"; }

port=$(sed -n 's/^imup-impair listens on 127\.0\.0\.1:\([0-9]*\):.*/\1/p' "$T/demo.out")
[ -n "$port" ] || fail "no relay port in the output"
capture=$T/out/section5-live.pcap

# The steps' headings, in order.
headings=$(grep -c '^== [0-9]*\. ' "$T/demo.out" || true)
[ "$headings" -eq 7 ] || fail "$headings headings, expected 7 (no install step)"

# The relay lost exactly one datagram, Sheng's first message to Bob.
[ "$(grep -c ': drop' "$T/demo.out" || true)" -eq 1 ] || fail "not exactly one drop line"
grep -q 'type=18 seq=2: drop (--drop-nth)' "$T/demo.out" || fail "the dropped datagram is not Sheng's message to Bob"

# imup-verify's verdict, printed and true.
grep -q '^violations: 0 errors, 0 warnings$' "$T/demo.out" || fail "imup-verify's summary line"
grep -q '^exchanges: 24 requests, 24 answers, 1 retransmissions, 0 unanswered$' "$T/demo.out" ||
  fail "imup-verify's exchange line"
grep -q '^imup-verify: clean (exit status 0)$' "$T/demo.out" || fail "the clean verdict"
[ -f "$capture" ] || fail "no capture at $capture"
"$IMUP_BUILD/tools/verify/imup-verify" -q --server-port "$port" "$capture" >/dev/null || fail "imup-verify rejects $capture"

# capinfos reads the capture; the packet list printed has a line per packet.
packets=$(capinfos -c -M "$capture" | sed -n 's/^Number of packets: *//p')
[ -n "$packets" ] && [ "$packets" -ge 40 ] || fail "capinfos reads ${packets:-no} packets"
listed=$(grep -cE '^ *[0-9]+ +[0-9]+\.[0-9]{3}  (Lucy|Sheng|server) +-> ' "$T/demo.out" || true)
[ "$listed" = "$packets" ] || fail "the packet list has $listed lines for $packets packets"

# tshark with our plugin (as nobody when root) finds exactly one retransmission:
# the second try of the message to Bob, linked to the first.
. "$IMUP_SOURCE/scripts/tshark-with-plugin.sh"
chmod a+rx "$T"  # tshark may run as nobody: it must reach $T/tshark
tshark_stage "$IMUP_PLUGIN_SO" "$T/tshark"
cp "$capture" "$T/tshark/live.pcap"
chmod a+r "$T/tshark/live.pcap"
ts() { tshark_run "$@"; }
retrans=$(ts -r "$T/tshark/live.pcap" -2 -d "udp.port==$port,imup" -Y imup.retransmission -T fields \
  -e frame.number -e imup.request.retransmission_of -e imup.type 2>/dev/null)
[ "$(echo "$retrans" | grep -c .)" -eq 1 ] || fail "tshark sees [$retrans] as retransmissions, expected one"
first=$(echo "$retrans" | cut -f2)
[ "$(echo "$retrans" | cut -f3)" = 18 ] || fail "the retransmission is not a Message: [$retrans]"
grep -q "retransmissions (filter imup.retransmission): frame $(echo "$retrans" | cut -f1) resends frame $first, " "$T/demo.out" ||
  fail "the demo's retransmission line does not match tshark's"

# The ladder: a column per endpoint and an arrow per packet.
grep -q '^|Time     | 127\.0\.0\.2 .*| 127\.0\.0\.3 ' "$T/demo.out" || fail "the ladder's header"
arrows=$(grep -cE '^\|  .*\(([0-9]+)\) +(-{18}>|<-{18}) +\(([0-9]+)\)' "$T/demo.out" || true)
[ "$arrows" = "$packets" ] || fail "the ladder has $arrows arrows for $packets packets"

# The end says where the capture is and how to open it.
grep -qx "open it with:    wireshark $capture" "$T/demo.out" || fail "the closing lines"
# Nothing left running: the relay's port is free again.
if ss -uln 2>/dev/null | grep -q "127.0.0.1:$port "; then fail "something still listens on the relay's port"; fi

if [ $FAILURES -ne 0 ]; then
  echo "$FAILURES check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
