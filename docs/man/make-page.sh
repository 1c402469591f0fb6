#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make-page.sh PROGRAM INCLUDE OUT [VERBATIM-HEADING]: the man page of PROGRAM
# into OUT, made by help2man from the program's own --help and --version
# (through glib-help.sh) and the hand-written INCLUDE (docs/man/PROGRAM.h2m:
# NAME, the longer DESCRIPTION, EXIT STATUS, EXAMPLES, SEE ALSO).
# VERBATIM-HEADING names where the last block of the --help text starts
# ("Message script" for imup-craft's script format): from there to the end it
# goes in a section of its own, line for line, instead of being filled into
# paragraphs.
# The page comes out as plain ASCII roff: preconv turns "§" and the like into
# groff escapes, so it reads the same whatever locale man runs in. help2man
# dates the page from SOURCE_DATE_EPOCH when it is set (package builds), so
# package builds reproduce.
set -eu
prog=$1 include=$2 out=$3 verbatim=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp="$out.tmp"
block="$out.verbatim.h2m"
trap 'rm -f "$tmp" "$block"' EXIT

# Under `make asan` the programs are sanitized: LeakSanitizer's verdict when
# --help exits is no concern of a man page, and must not fail its build.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

extra=""
if [ -n "$verbatim" ]; then
  # The block: from its heading line to the end, roff-escaped (backslashes,
  # leading dots and quotes, minus signs).
  text=$("$prog" --help)
  heading=$(printf '%s' "$verbatim" | tr '[:lower:]' '[:upper:]')
  {
    printf '[%s]\n.nf\n' "$heading"
    printf '%s\n' "$text" | awk -v h="$verbatim:" '
      index($0, h) == 1 { on = 1 }
      on' |
      sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    printf '.fi\n'
  } >"$block"
  [ "$(wc -l <"$block")" -gt 3 ] || { echo "make-page: no '$verbatim:' block in $prog --help" >&2; exit 1; }
  extra="--include=$block"
fi

# shellcheck disable=SC2086
LC_ALL=C.UTF-8 IMUP_MAN_VERBATIM="$verbatim" help2man --no-info --locale=C.UTF-8 \
  --include="$include" $extra --output="$tmp" "sh $here/glib-help.sh $prog"
# preconv starts with a ".lf 1 FILE" request for error messages: not wanted
# before help2man's header comment.
preconv -e UTF-8 "$tmp" | sed '1{/^\.lf /d}' >"$out.new"
mv "$out.new" "$out"
