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
. "$(dirname "$0")/../../scripts/tshark-with-plugin.sh"
tshark_stage "$IMUP_PLUGIN_SO" "$T"
mkdir -p "$T/staged"
chmod a+rwx "$T/staged"
FAILURES=0

ts() { tshark_run "$@"; }

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
