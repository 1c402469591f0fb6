#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# plugin.wireshark_rules: scripts/check-plugin-wireshark-rules.sh on the
# plugin's sources and objects, with Wireshark's checkers from the source tree
# scripts/wireshark-source.sh fetches once (or IMUP_WIRESHARK_SOURCE).
#
#   test-wireshark-rules.sh PLUGIN_OBJECT_DIR
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
ws=${IMUP_WIRESHARK_SOURCE:-$(sh "$top/scripts/wireshark-source.sh")} ||
  { echo "FAIL: no Wireshark source tree for its checkers (see scripts/wireshark-source.sh)" >&2; exit 1; }
exec sh "$top/scripts/check-plugin-wireshark-rules.sh" "$ws" "$1"
