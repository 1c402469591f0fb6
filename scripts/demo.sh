#!/bin/sh
# The main job (`make demo`). Until the live demo lands (server, scripted
# clients, impairment relay, capture, verification, tshark ladder), it decodes
# the draft's section-5 exchange with the project's codec and prints it as a table.
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
decode="$build/tools/decode/imup-decode"
[ -x "$decode" ] || { echo "demo: $decode is not built (run make build)" >&2; exit 1; }

cat <<'INTRO'
IMUP: the draft's section-5 scenario, datagram by datagram
(Sheng connects, is refused the name "lucy", connects as Sheng, messages an unknown
Bob, lists users, talks with Lucy, opens a private group with her, leaves it, and
disconnects). Each line is the datagram as the draft prints it, decoded by the
project's codec (lenient); "!" lines are the deviations from docs/PROTOCOL.md.

INTRO
"$decode" --vectors "$root"/tests/vectors/section5/*.vec
cat <<'OUTRO'

Only two length fields break the n-1 rule (PROTOCOL.md section 13): the literal count on
"nom de recepteur n'existe pas" and the impossible 0x22 on "fermer ... personne".
OUTRO
