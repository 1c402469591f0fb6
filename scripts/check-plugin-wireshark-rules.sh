#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs Wireshark's own checkers (the ones its tools/ folder holds) on the
# plugin's sources, from a Wireshark source tree that is already on this
# machine: nothing is downloaded, no checker needs the network here.
#
#   scripts/check-plugin-wireshark-rules.sh WIRESHARK_SOURCE_DIR [PLUGIN_OBJECT_DIR]
#
# WIRESHARK_SOURCE_DIR is an unpacked Wireshark source (`apt-get source
# wireshark`, or a git checkout): its tools/ and epan/ are used. The checkers
# expect to run from the source root on dissector files named
# epan/dissectors/packet-*.c, so the script lays out a staging root in a
# temporary folder: tools/ and epan/*.[ch] are symbolic links to the tree,
# and each plugin source is copied as epan/dissectors/packet-imup*.c
# (packet-imup.cpp as packet-imup.c, imup-text.cpp as packet-imup-text.c,
# plugin.cpp as packet-imup-plugin.c, ...), its headers beside them as they
# are. With PLUGIN_OBJECT_DIR (the build's
# plugin/CMakeFiles/imup-dissector.dir), check_static.py's rule is applied to
# the plugin's objects with nm (the script itself wants Wireshark's own build
# folder).
#
# Each checker present in the tree runs with all its checks; a checker the tree
# lacks (check_val_to_str.py, check_col_apis.py before 4.2) is reported
# "absent", check_spelling.py "skipped" without Python's spellchecker module,
# and check_dissector_urls.py is replaced by a count of the URLs the sources
# cite (it fetches each one). The findings argued as false positives in
# plugin/README.md ("Wireshark's checkers") are listed in ALLOWED below and
# not counted. Prints one line per checker and each finding; exits 0 when
# nothing is left, 1 when something is, 2 on bad arguments.
set -u

usage() { echo "usage: $0 WIRESHARK_SOURCE_DIR [PLUGIN_OBJECT_DIR]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
ws=$(cd "$1" 2>/dev/null && pwd) || usage
objects=
if [ $# -eq 2 ]; then
    objects=$(cd "$2" 2>/dev/null && pwd) || usage
fi
[ -f "$ws/tools/checkAPIs.pl" ] || { echo "$1: no tools/checkAPIs.pl: not a Wireshark source tree" >&2; exit 2; }
plugin=$(cd "$(dirname "$0")/../plugin" && pwd)

# Symbols the loader finds by name (plugin.cpp): no other object refers to
# them, and they cannot be static (check_static.py's false positives).
ALLOWED_STATIC="plugin_version plugin_want_major plugin_want_minor plugin_register plugin_describe"

stage=$(mktemp -d /tmp/imup-ws-rules.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/epan/dissectors"
ln -s "$ws/tools" "$stage/tools"
for f in "$ws"/epan/*.c "$ws"/epan/*.h; do
    [ -e "$f" ] && ln -s "$f" "$stage/epan/$(basename "$f")"
done
for f in "$plugin"/*.cpp; do
    base=$(basename "$f" .cpp)
    case $base in
        packet-*) name=$base ;;
        imup-*) name=packet-$base ;;
        *) name=packet-imup-$base ;;
    esac
    cp "$f" "$stage/epan/dissectors/$name.c"
done
cp "$plugin"/*.h "$stage/epan/dissectors/"
cd "$stage" || exit 2
files=$(ls epan/dissectors/*.c)
file_args=$(for f in $files; do printf -- '--file %s ' "$f"; done)

version=$(sed -n 's/^set(PROJECT_\(MAJOR\|MINOR\|PATCH\)_VERSION \([0-9]*\)).*/\2/p' "$ws/CMakeLists.txt" 2>/dev/null |
          tr '\n' . | sed 's/\.$//')
[ -n "$version" ] || version=$(sed -n 's/^project(Wireshark *VERSION *\([0-9.]*\).*/\1/p' "$ws/CMakeLists.txt" 2>/dev/null)
echo "Wireshark's checkers from $ws${version:+ (Wireshark $version)}"

left=0
report() {  # report CHECKER COUNT OUTPUT_FILE
    if [ "$2" -eq 0 ]; then
        echo "$1: clean"
    else
        echo "$1: $2 finding(s)"
        sed 's/^/    /' "$3"
        left=$((left + $2))
    fi
}

# The store_true options of a Python checker's --help: every optional check.
python_checks() {
    python3 "tools/$1" --help 2>/dev/null |
        grep -oE '^ +--[a-z][a-z-]*( [A-Z_]+)?' | grep -v ' [A-Z_]' | tr -d ' ' |
        grep -vxE -- '--(help|open|verbose|commits|file|folder|build)' | tr '\n' ' '
}

# checkAPIs.pl: every group it defines, not only the default ones.
groups=$(perl tools/checkAPIs.pl -h 2>&1 | sed -n 's/.*Available Groups: *//p' | tr -d ' ' | tr ',' ' ')
group_args=$(for g in $groups; do printf -- '-g %s ' "$g"; done)
# shellcheck disable=SC2086
perl tools/checkAPIs.pl $group_args $files > out.txt 2>&1
grep -E '^(Error|Warning|ERROR|WARNING)' out.txt > found.txt
report "tools/checkAPIs.pl $group_args(and its hf, value_string and shadow checks)" "$(wc -l < found.txt)" found.txt

# shellcheck disable=SC2086
perl tools/checkhf.pl $files > out.txt 2>&1
grep -vE '^\s*$' out.txt > found.txt
report "tools/checkhf.pl" "$(wc -l < found.txt)" found.txt

if [ -f tools/checkfiltername.pl ]; then
    # shellcheck disable=SC2086
    perl tools/checkfiltername.pl $files > out.txt 2>&1
    # It prints nothing when clean; else each bad name, then its totals and
    # file lists.
    sed '/^TOTAL ERRORS/,$d' out.txt | grep -vE '^\s*$|\(of [0-9]+\) fields' > found.txt
    errors=$(sed -n 's/^TOTAL ERRORS: \([0-9]*\).*/\1/p' out.txt)
    report "tools/checkfiltername.pl" "${errors:-0}" found.txt
fi

for checker in check_typed_item_calls.py check_tfs.py check_val_to_str.py check_col_apis.py; do
    if [ ! -f "tools/$checker" ]; then
        echo "tools/$checker: absent from this tree"
        continue
    fi
    checks=$(python_checks "$checker")
    # shellcheck disable=SC2086
    python3 "tools/$checker" $checks $file_args > out.txt 2>&1
    status=$?
    grep -iE '^(error|warning)' out.txt > found.txt
    [ $status -ne 0 ] && [ ! -s found.txt ] && cp out.txt found.txt
    report "tools/$checker $checks" "$(wc -l < found.txt)" found.txt
done

if [ ! -f tools/check_spelling.py ]; then
    echo "tools/check_spelling.py: absent from this tree"
elif ! python3 -c 'import spellchecker' 2>/dev/null; then
    echo "tools/check_spelling.py: skipped (no Python spellchecker module)"
else
    # shellcheck disable=SC2086
    python3 tools/check_spelling.py $file_args > out.txt 2>&1
    grep -E '^epan/' out.txt > found.txt
    report "tools/check_spelling.py" "$(wc -l < found.txt)" found.txt
fi

# check_dissector_urls.py fetches every URL it finds: count them instead.
# shellcheck disable=SC2086
grep -nE 'https?://' $files > found.txt
if [ -s found.txt ]; then
    echo "tools/check_dissector_urls.py: not run (it needs the network); the sources cite $(wc -l < found.txt) URL(s):"
    sed 's/^/    /' found.txt
else
    echo "tools/check_dissector_urls.py: not run (it needs the network); the sources cite no URL"
fi

# check_static.py: a global symbol that one object defines and no other
# object of the plugin refers to could be static.
if [ -n "$objects" ]; then
    : > found.txt
    for o in "$objects"/*.o; do
        [ -f "$o" ] || continue
        for other in "$objects"/*.o; do
            [ "$other" = "$o" ] || nm -u "$other"
        done | awk '{print $NF}' | sort -u > used.txt
        for sym in $(nm -g --defined-only "$o" | awk '$2 ~ /^[TDBR]$/ {print $3}'); do
            grep -qxF "$sym" used.txt && continue
            plain=$(echo "$sym" | c++filt)
            case " $ALLOWED_STATIC " in *" $plain "*) continue ;; esac
            echo "$(basename "$o" .o | sed 's/\.cpp$//'): $plain is not referred to by another file: make it static" >> found.txt
        done
    done
    report "tools/check_static.py (its rule, with nm on $(find "$objects" -maxdepth 1 -name '*.o' | wc -l) objects; loader entry points allowed)" \
        "$(wc -l < found.txt)" found.txt
else
    echo "tools/check_static.py: not run (no PLUGIN_OBJECT_DIR)"
fi

if [ $left -eq 0 ]; then
    echo "all clean"
    exit 0
fi
echo "$left finding(s) left"
exit 1
