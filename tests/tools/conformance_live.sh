#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# imup-conformance against the reference imup-server on a free 127.0.0.1
# port: every case of the default selection passes (exit 0, no FAIL line),
# in under 5 minutes; the -w recording opens in tshark and capinfos and is
# read to its end by imup-verify (which names the faults the cases commit on
# purpose: status 0 or 1, never 2); --json, --junit, --list, --run and
# --section; usage errors exit 2 naming the culprit.
. "$(dirname "$0")/lib.sh"
CONF=$BUILD/tools/conformance/imup-conformance

# Usage errors: status 2, the culprit named.
"$CONF" --server 127.0.0.1:99999 > /dev/null 2> "$T/e1" && fail "bad port accepted"
[ $? -eq 2 ] || fail "bad port: status"
grep -q "99999" "$T/e1" || { cat "$T/e1"; fail "bad port not named"; }
set +e
"$CONF" --server 127.0.0.1:2017 --run no-such-case > /dev/null 2> "$T/e2"; s=$?
"$CONF" --server 127.0.0.1:2017 --section 99 > /dev/null 2> "$T/e3"; s3=$?
"$CONF" --bogus > /dev/null 2> "$T/e4"; s4=$?
"$CONF" > /dev/null 2> "$T/e5"; s5=$?
"$CONF" --server 127.0.0.1:2017 --timeout-scale 0 > /dev/null 2> "$T/e6"; s6=$?
set -e
[ $s -eq 2 ] && grep -q "no-such-case" "$T/e2" || fail "unknown --run id"
[ $s3 -eq 2 ] && grep -q "section 99" "$T/e3" || fail "unknown --section"
[ $s4 -eq 2 ] && grep -q "bogus" "$T/e4" || fail "unknown option"
[ $s5 -eq 2 ] && grep -q "server" "$T/e5" || fail "missing --server"
[ $s6 -eq 2 ] && grep -q "timeout-scale" "$T/e6" || fail "--timeout-scale range"
"$CONF" --version | grep -q "^imup-conformance (IMUP toolkit)" || fail "--version"
"$CONF" --help | grep -q "Exit status" || fail "--help"
n=$("$CONF" --list | wc -l)
[ "$n" -ge 50 ] || fail "--list shows $n cases"
"$CONF" --list --section 9 | grep -v "§9\." && fail "--section 9 lists another section"

start_server
start=$(date +%s)
"$CONF" --server 127.0.0.1:$P --seed 3 -w "$T/run.pcapng" --junit "$T/run.xml" > "$T/run.txt" 2> "$T/run.err" ||
  { cat "$T/run.txt"; fail "the reference server fails a MUST case"; }
took=$(( $(date +%s) - start ))
grep -q "^FAIL" "$T/run.txt" && { cat "$T/run.txt"; fail "a case fails against the reference server"; }
[ "$took" -lt 300 ] || fail "the default selection took $took s (more than 5 minutes)"
grep -q "every MUST case passed" "$T/run.txt" || fail "summary"
grep -q "<testsuite name=\"imup-conformance\"" "$T/run.xml" || fail "junit"
grep -q 'failures="0"' "$T/run.xml" || fail "junit failures"
capinfos "$T/run.pcapng" > /dev/null || fail "capinfos rejects the recording"
frames=$(plain_tshark -r "$T/run.pcapng" 2>/dev/null | wc -l)
[ "$frames" -gt 500 ] || fail "tshark reads $frames frames"
set +e
"$VERIFY" --server-port "$P" "$T/run.pcapng" > "$T/verify.out" 2>&1; v=$?
set -e
[ $v -le 1 ] || { cat "$T/verify.out"; fail "imup-verify could not read the recording"; }

# --json: one object per case and a summary; --run picks cases.
"$CONF" --server 127.0.0.1:$P --json --run 6.1-connect-acked,9.6-direct-message > "$T/j.txt" || fail "json run"
[ "$(grep -c '"result":"PASS"' "$T/j.txt")" -eq 2 ] || { cat "$T/j.txt"; fail "json results"; }
grep -q '"summary":true' "$T/j.txt" || fail "json summary"
echo "ok ($took s)"
