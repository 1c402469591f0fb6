#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# glib-help.sh PROGRAM ARGS...: what help2man runs instead of PROGRAM (see
# make-page.sh). --version passes through; --help is PROGRAM's own text with
# GLib's layout turned into the GNU one help2man reads, and nothing reworded:
#   "Usage:" and the indented line under it  ->  "Usage: PROG [OPTION...] ARGS"
#       (help2man's SYNOPSIS; GLib's "- summary" parameter text is dropped,
#       the NAME line says it)
#   "Help Options:"                          ->  "Options:" (OPTIONS)
#   "Application Options:"                   ->  dropped: one OPTIONS section
#   a paragraph "Exit status: TEXT"          ->  section EXIT STATUS: TEXT
#   after the options, a paragraph opening with "Heading:" or "Heading: text"
#                                            ->  section HEADING (help2man's
#       "*Heading*" marker); "Examples:" stays, help2man knows it
#   an indented command line ("  imup-verify ...", "  printf ... | imup-...")
#       outside the options              ->  "  $ imup-verify ...", which
#       help2man sets verbatim, one per line, instead of filling them together
#   from the line starting with the heading IMUP_MAN_VERBATIM names (if set)
#       to the end (GLib prints the description last)
#                                            ->  left out: make-page.sh puts
#       it in its own section verbatim (a pre-formatted table help2man would
#       fill into paragraphs)
#   "…" (GLib's "[OPTION…]")                 ->  "..."; make-page.sh turns any
#       other non-ASCII character into a groff escape
set -eu

prog=$1
shift
[ "${1:-}" = "--help" ] || exec "$prog" "$@"

# Captured first, so that a failing program fails help2man, not a pipeline.
text=$("$prog" --help)
printf '%s\n' "$text" | sed 's/…/.../g' | awk -v verbatim="${IMUP_MAN_VERBATIM:-}" '
  function section(heading, rest) {
    print "*" heading "*"
    print ""
    if (rest != "") print toupper(substr(rest, 1, 1)) substr(rest, 2)
  }
  usage { sub(/^ +/, ""); sub(/ - .*$/, ""); print "Usage: " $0; usage = 0; blank = 0; next }
  $0 == "Usage:" { usage = 1; next }
  $0 == "Help Options:" { print "Options:"; options = 1; blank = 0; next }
  $0 == "Application Options:" { blank = 0; next }
  skipping { next }
  verbatim != "" && index($0, verbatim ":") == 1 { skipping = 1; next }
  $0 == "" { print; blank = 1; in_options = 0; next }
  blank && /^Exit status: / { section("Exit status", substr($0, 14)); blank = 0; next }
  blank && options && /^[A-Z][A-Za-z -]*:( |$)/ && !/^Examples:/ {
    i = index($0, ":")
    rest = substr($0, i + 1); sub(/^ +/, "", rest)
    section(substr($0, 1, i - 1), rest)
    blank = 0
    next
  }
  blank && /^  -/ { in_options = 1 }
  !in_options && /^  [^ -]/ && (/^  imup-/ || /\| *imup-/) { sub(/^  /, "  $ "); blank = 0; print; next }
  { blank = 0; print }
'
