#!/bin/sh
# imup-decode's command line: outputs, JSON, and exit codes 0 / 1 / 2.
set -u
bin=$1 vectors=$2
fail=0
check() {  # check NAME EXPECTED-STATUS EXPECTED-SUBSTRING -- command...
  name=$1 want_status=$2 want_text=$3
  shift 4
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -ne "$want_status" ]; then
    echo "FAIL $name: exit $status, expected $want_status"; echo "$out"; fail=1
  elif ! printf '%s' "$out" | grep -qF -- "$want_text"; then
    echo "FAIL $name: output lacks '$want_text'"; echo "$out"; fail=1
  else
    echo "ok   $name"
  fi
}
check "canonical Connexion" 0 'Connect seq=1 name="Sheng"' -- "$bin" --strict 004040605368656e670d0a
check "draft form is a warning" 0 'warning missing_crlf' -- "$bin" 004040405368656e67
check "strict refuses the draft form" 1 'ERROR missing_crlf (text)' -- "$bin" --strict 004040405368656e67
check "unknown type" 1 'ERROR unknown_type (header.type): type 22 is not 1..21' -- "$bin" 00058000
check "not hex is an input error" 2 "0z: not hex bytes: '0z'" -- "$bin" 0z
check "not hex on line 2 of stdin, the rest decoded" 2 'ACK seq=1' -- sh -c "printf '00420000\\nxyz\\n' | '$bin' -"
check "stdin and JSON" 0 '"decoded":"ACK seq=1","warnings":[]' -- sh -c "printf '00420000\n' | '$bin' --json -"
check "vector table" 0 'Unknown recipient seq=2' -- "$bin" --vectors "$vectors"/06-invalideenvoie.vec
check "broken vector file" 2 'cannot open' -- "$bin" --vectors /nonexistent.vec
check "no arguments" 2 'nothing to decode' -- "$bin"
check "unknown option" 2 'Unknown option' -- "$bin" --frobnicate
check "help" 0 'Exit status' -- "$bin" --help
exit $fail
