#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The plugin's name of each type is PROTOCOL.md §5's: "English (French)" in
# the type field, read from the table itself (so a name changed in one place
# and not the other fails here, as tests/codec/type_names_test.cpp does for
# the codec).
. "$(dirname "$0")/lib.sh"

protocol="$IMUP_TEST_SOURCE/../../docs/PROTOCOL.md"
# | 8 | 0x08 | Reponse de recepteur | ACK | Ans | ... -> "8<TAB>ACK (Reponse de recepteur)"
awk -F' [|] ' '/^\| [0-9]+ \| 0x[0-9A-F][0-9A-F] \| / { sub(/^\| /, "", $1); printf "%s\t%s (%s)\n", $1, $4, $3 }' \
    "$protocol" > "$WORK/expected.txt"
expect_equal "PROTOCOL.md §5 names 21 types" 21 "$(wc -l < "$WORK/expected.txt" | tr -d ' ')"

# tshark -G values: "V<TAB>imup.type<TAB>8<TAB>ACK (Reponse de recepteur)"
ts -G values 2>/dev/null | awk -F'\t' '$1 == "V" && $2 == "imup.type" { print $3 "\t" $4 }' > "$WORK/plugin.txt"
if diff "$WORK/expected.txt" "$WORK/plugin.txt" > "$WORK/diff.txt"; then
    pass "the plugin's 21 type names are PROTOCOL.md's"
else
    fail "type names differ from PROTOCOL.md §5 (< table, > plugin): $(cat "$WORK/diff.txt")"
fi

finish
