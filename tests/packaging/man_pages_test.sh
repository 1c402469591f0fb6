#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# man_pages_test.sh PAGE-DIR PROGRAM...: each program's generated page
# PAGE-DIR/PROGRAM.1 renders without a single groff warning (groff -ww, the
# terminal device man uses; and man --warnings the way lintian runs it, when
# man-db is installed), has the title and NAME line of its program, the
# sections a reader looks for, and lists --version among the options.
set -u
dir=$1
shift
fail=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT

for name in "$@"; do
  page="$dir/$name.1"
  page_ok=1
  bad() { echo "FAIL $name.1: $*"; fail=1; page_ok=0; }
  [ -s "$page" ] || { bad "missing (the man target makes it)"; continue; }
  LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$page" 2>"$err"
  [ -s "$err" ] && bad "groff warnings: $(cat "$err")"
  if command -v man >/dev/null 2>&1; then
    LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" \
      >/dev/null 2>"$err"
    [ -s "$err" ] && bad "man --warnings: $(cat "$err")"
  fi
  # Pure ASCII: make-page.sh escapes the rest, so any locale renders it.
  LC_ALL=C grep -q '[^ -~	]' "$page" && bad "non-ASCII bytes: $(LC_ALL=C grep -n '[^ -~	]' "$page" | head -3)"
  upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
  grep -q "^\.TH $upper \"1\" " "$page" || bad "no '.TH $upper \"1\"' title line"
  # NAME: one line "PROGRAM \- summary", what apropos and lexgrog index.
  name_line=$(sed -n '/^\.SH NAME$/{n;p;q}' "$page")
  case "$name_line" in
    "$name \\- "[a-z]??????????*) ;;
    *) bad "NAME line '$name_line' is not '$name \\- summary' (a summary of 10 characters or more)" ;;
  esac
  for section in SYNOPSIS DESCRIPTION OPTIONS '"EXIT STATUS"' EXAMPLES '"SEE ALSO"'; do
    grep -q "^\.SH $section\$" "$page" || bad "no $section section"
  done
  grep -q '\\fB\\-\\-version\\fR' "$page" || bad "--version is not among the options"
  [ "$page_ok" -eq 1 ] && echo "ok   $name.1: $name_line"
done
exit $fail
