#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# version_test.sh VERSION PROGRAM...: every program answers --version with
#   PROG (IMUP toolkit) VERSION
#   Copyright (C) YEAR ...
#   License GPL-2.0-or-later ...
# (the GNU form help2man and packagers read), exit status 0 and nothing on
# standard error, and lists --version in its --help. VERSION is CMake's
# PROJECT_VERSION; a program without --version fails (GLib: unknown option).
set -u
version=$1
shift
fail=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

for bin in "$@"; do
  name=$(basename "$bin")
  ok=1
  status=0
  "$bin" --version >"$out" 2>"$err" || status=$?
  first=$(sed -n 1p "$out")
  if [ "$status" -ne 0 ]; then
    echo "FAIL $name --version: exit status $status (no --version?)"; cat "$out" "$err"; fail=1 ok=0; continue
  fi
  if [ "$first" != "$name (IMUP toolkit) $version" ]; then
    echo "FAIL $name --version: first line '$first', expected '$name (IMUP toolkit) $version'"; fail=1 ok=0
  fi
  if ! sed -n 2p "$out" | grep -Eq '^Copyright \(C\) [0-9]{4}(-[0-9]{4})? .'; then
    echo "FAIL $name --version: second line is no 'Copyright (C) YEAR HOLDER' line:"; cat "$out"; fail=1 ok=0
  fi
  if ! grep -q '^License GPL-2.0-or-later' "$out"; then
    echo "FAIL $name --version: no 'License GPL-2.0-or-later' line:"; cat "$out"; fail=1 ok=0
  fi
  if [ -s "$err" ]; then
    echo "FAIL $name --version wrote to standard error:"; cat "$err"; fail=1 ok=0
  fi
  # --help lists it with the program's own options.
  if ! "$bin" --help 2>&1 | grep -Eq '^  --version +[^ ]'; then
    echo "FAIL $name --help does not list --version"; fail=1 ok=0
  fi
  # It acts when parsed, as --help does: a bad option after it is never read.
  status=0
  "$bin" --version --no-such-option >"$out" 2>&1 || status=$?
  if [ "$status" -ne 0 ] || [ "$(sed -n 1p "$out")" != "$first" ]; then
    echo "FAIL $name --version --no-such-option: exit status $status, expected 0 and the version"; fail=1 ok=0
  fi
  [ "$ok" -eq 1 ] && echo "ok   $name: $first"
done
exit $fail
