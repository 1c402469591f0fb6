# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the capture-library tests. Environment (set by CMake):
# IMUP_CAPTURES (the captures/ folder), IMUP_CRAFT, IMUP_VERIFY, IMUP_PLUGIN_SO.
# Gives $T (a world-readable temp dir, removed on exit), ts (tshark with our
# plugin, as `nobody` when we are root: tshark as root ignores plugin folders),
# stage FILE (a copy nobody can read), fail and finish.
set -eu
: "${IMUP_CAPTURES:?}" "${IMUP_CRAFT:?}" "${IMUP_VERIFY:?}" "${IMUP_PLUGIN_SO:?}"
T=$(mktemp -d /tmp/imup-captures-test.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
abi=$(tshark -v 2>/dev/null | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p' | head -1)
mkdir -p "$T/plugins/$abi/epan" "$T/home" "$T/staged"
cp "$IMUP_PLUGIN_SO" "$T/plugins/$abi/epan/imup.so"
chmod -R a+rwX "$T"
FAILURES=0

ts() {
  if [ "$(id -u)" -eq 0 ]; then
    set -- setpriv --reuid=nobody --regid=nogroup --clear-groups tshark "$@"
  else
    set -- tshark "$@"
  fi
  (cd "$T" && env HOME="$T/home" WIRESHARK_PLUGIN_DIR="$T/plugins" "$@")
}

# stage FILE: prints the path of a world-readable copy of FILE.
stage() {
  cp "$1" "$T/staged/$(basename "$1")"
  chmod a+r "$T/staged/$(basename "$1")"
  echo "$T/staged/$(basename "$1")"
}

# every capture of the library, one path a line.
all_captures() {
  find "$IMUP_CAPTURES" -name '*.pcap' -o -name '*.pcapng' | sort
}

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

finish() {
  if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}
