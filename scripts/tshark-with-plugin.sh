# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the demo and the tshark tests: tshark with a freshly built IMUP
# plugin and no other. tshark run as root ignores personal plugin folders and
# WIRESHARK_PLUGIN_DIR, so when we are root it runs as `nobody`, which is why
# everything it reads must be world-readable.
#
#   tshark_stage PLUGIN_SO DIR   stages the plugin in DIR/plugins/<ABI>/epan and
#                                a HOME of its own in DIR/home (so no other copy
#                                of the plugin is loaded), all world-readable
#                                (sets TSHARK_ABI, e.g. 4.0, and TSHARK_PRELOAD)
#   tshark_run ARGS...           tshark with the staged plugin, run from DIR
#   tshark_fields_as_4_0         filter: -T fields output of any tshark written
#                                the way 4.0 writes it, so one golden file and
#                                one expected value serve every version
#   tshark_verbose_as_4_0        filter: the same for -V output
#
# tshark_stage also proves that tshark loads the staged copy and no other: a
# plugin installed system-wide or in a personal folder (by `make
# install-plugin-system`, a package, or an older checkout) could otherwise be
# the one a test tests. When tshark reports another copy, it stops the caller
# at once (exit 3) with a message naming that copy and what to do.

tshark_stage() {
  TSHARK_STAGE=$2
  TSHARK_BUILT_SO=$1
  TSHARK_ABI=$(tshark -v 2>/dev/null | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p' | head -1)
  mkdir -p "$TSHARK_STAGE/plugins/$TSHARK_ABI/epan" "$TSHARK_STAGE/home"
  cp "$1" "$TSHARK_STAGE/plugins/$TSHARK_ABI/epan/imup.so"
  chmod -R a+rwX "$TSHARK_STAGE"
  chmod a+rx "$TSHARK_STAGE"
  # A plugin built with AddressSanitizer (`make asan`) needs the sanitizer
  # runtimes loaded first into the uninstrumented tshark.
  TSHARK_PRELOAD=""
  if readelf -d "$1" 2>/dev/null | grep -q 'libasan'; then
    for lib in libasan.so libubsan.so; do
      TSHARK_PRELOAD="$TSHARK_PRELOAD${TSHARK_PRELOAD:+ }$(readlink -f "$(${CXX:-g++} -print-file-name=$lib)")"
    done
  fi
  tshark_check_fresh
}

# The IMUP plugin tshark loads must be the staged one; a byte-identical copy
# elsewhere (the same build, installed) is the same plugin and passes too.
tshark_check_fresh() {
  staged="$TSHARK_STAGE/plugins/$TSHARK_ABI/epan/imup.so"
  loaded=$(tshark_run -G plugins 2>/dev/null | awk '$1 == "imup.so" { print $NF; exit }')
  [ "$loaded" = "$staged" ] && return 0
  if [ -z "$loaded" ]; then
    echo "tshark-with-plugin: tshark $TSHARK_ABI loaded no IMUP plugin from $staged (built for another Wireshark?)" >&2
    exit 3
  fi
  if [ -r "$loaded" ] && cmp -s "$loaded" "$staged"; then
    return 0
  fi
  tshark_foreign_copy "$loaded"
  exit 3
}

# tshark_foreign_copy PATH: what to say when tshark loads another build.
tshark_foreign_copy() {
  echo "tshark-with-plugin: tshark loads the IMUP plugin installed at $1, not the one just built ($TSHARK_BUILT_SO);" >&2
  echo "  a test would test that copy. Remove it (apt remove imup-wireshark, or rm $1)," >&2
  echo "  or replace it with this build (make install-plugin-system), then run again." >&2
}

tshark_run() {
  if [ "$(id -u)" -eq 0 ]; then
    set -- setpriv --reuid=nobody --regid=nogroup --clear-groups tshark "$@"
  else
    set -- tshark "$@"
  fi
  (cd "$TSHARK_STAGE" && env HOME="$TSHARK_STAGE/home" WIRESHARK_PLUGIN_DIR="$TSHARK_STAGE/plugins" \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ${TSHARK_PRELOAD:+"LD_PRELOAD=$TSHARK_PRELOAD"} "$@")
}

# tshark 4.2 and later name the Info column's field _ws.col.info in a header
# line (4.0: _ws.col.Info; both accept either with -e) and print a boolean
# field as True/False (4.0: 1/0). The filter rewrites the later forms into
# 4.0's: the header name anywhere on the line, and a boolean only where it is a
# whole cell or a whole occurrence (between tab, '|', ',' or the line's ends);
# no test's text is exactly "True" or "False". One value at a time until none
# is left, since two adjacent values share the separator between them.
tshark_fields_as_4_0() {
  sed -E -e 's/_ws\.col\.info/_ws.col.Info/g' -e ':again' \
    -e 's/(^|[\t|,])True($|[\t|,])/\11\2/; s/(^|[\t|,])False($|[\t|,])/\10\2/; t again'
}

# tshark 4.6 heads each frame's tree "Frame N: Packet, ..." (4.0: "Frame N:
# ...") and shows a relative time below one second in milliseconds or
# microseconds ("100.000000 milliseconds"; 4.0: "0.100000000 seconds"). The
# filter writes both the 4.0 way; the conversion is exact at the nanosecond
# that both print.
tshark_verbose_as_4_0() {
  awk '
    /^Frame [0-9]+: Packet, / { sub(/: Packet, /, ": ") }
    match($0, /[0-9]+\.[0-9]+ (milli|micro)seconds/) {
      number = substr($0, RSTART, RLENGTH); unit = number
      sub(/ .*/, "", number); sub(/^[^ ]* /, "", unit)
      scale = (unit == "milliseconds") ? 1e3 : 1e6
      $0 = substr($0, 1, RSTART - 1) sprintf("%.9f seconds", number / scale) substr($0, RSTART + RLENGTH)
    }
    { print }'
}
