#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The main job (`make demo`, after `make build`): the specification's section-5
# story played live by the real programs on loopback, with one message lost and
# resent, recorded, verified and decoded by tshark with the project's plugin.
#
#   imup-client Lucy  --\
#                        >-- imup-impair (port 2017) --> imup-server (any free port)
#   imup-client Sheng --/    drops exactly one datagram: Sheng's first "message to Bob"
#
# Lucy and Sheng run the scripts of reference-impl/client/examples/ and record
# what they send and receive (--record); their two recordings merged are the
# traffic on the clients' side of the relay: both tries of the lost message.
set -eu

usage() {
  cat <<'EOF'
Usage: scripts/demo.sh [--no-install] [--port PORT] [--out DIR] [BUILD_DIR]

Plays the specification's section-5 story live (imup-server, imup-impair, two
scripted imup-client), loses one message on purpose, records the traffic, runs
imup-verify on it and prints tshark's decoded packet list and flow ladder.

  BUILD_DIR     the CMake build folder, already built (default: build; `make demo`
                builds it first)
  --port PORT   the port the clients talk to (default 2017, IMUP's port; 0: any
                free port, decoded with tshark -d)
  --out DIR     where the captures go (default: BUILD_DIR/demo)
  --no-install  do not install the plugin in your Wireshark plugin folder
  -h, --help    this text

Exit status: 0 when the story ran, lost exactly one message and verified clean;
1 otherwise (the failing step says why).
EOF
}

root=$(cd "$(dirname "$0")/.." && pwd)
install=yes
port=2017
out=""
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --no-install) install=no; shift ;;
    --port) [ $# -ge 2 ] || { echo "demo: --port needs a number" >&2; exit 2; }; port=$2; shift 2 ;;
    --port=*) port=${1#--port=}; shift ;;
    --out) [ $# -ge 2 ] || { echo "demo: --out needs a folder" >&2; exit 2; }; out=$2; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    -*) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -le 1 ] || { echo "demo: too many arguments (see --help)" >&2; exit 2; }
case $port in ''|*[!0-9]*) echo "demo: --port wants a number, not '$port'" >&2; exit 2 ;; esac
[ "$port" -le 65535 ] || { echo "demo: --port $port is not a UDP port" >&2; exit 2; }
build=${1:-$root/build}
[ -d "$build" ] || { echo "demo: no build folder $build (run: make demo)" >&2; exit 1; }
build=$(cd "$build" && pwd)
out=${out:-$build/demo}
mkdir -p "$out" || { echo "demo: cannot create $out" >&2; exit 1; }
out=$(cd "$out" && pwd)

STORY_SOURCE=$root
STORY_BUILD=$build
STORY_NAME=demo
STORY_PORT_HINT="choose another: make demo DEMO_PORT=3017 (or scripts/demo.sh --port 0 for any)"
. "$root/scripts/story-lib.sh"
story_need "$SERVER_BIN" "$CLIENT_BIN" "$IMPAIR_BIN" "$VERIFY_BIN"
plugin_so=$(find "$build/plugin/plugins" -path '*/epan/imup.so' 2>/dev/null | head -1)
[ -n "$plugin_so" ] || story_die "the plugin is not built under $build/plugin/plugins (run: make build)"
for tool in tshark capinfos mergecap; do
  command -v $tool >/dev/null 2>&1 || story_die "$tool is missing (run: make deps)"
done

# A world-readable work folder: tshark runs as nobody when we are root, and
# reads the plugin and the captures from here.
work=$(mktemp -d /tmp/imup-demo.XXXXXX)
cleanup() {
  story_stop_all
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted; every program it started is stopped" >&2; exit 130' INT
trap 'echo "demo: terminated" >&2; exit 143' TERM
story_init "$work/run"
started=$(date +%s)

step=0
heading() {
  step=$((step + 1))
  printf '\n== %d. %s\n' "$step" "$*"
}

# --- The plugin in the user's Wireshark ---
if [ $install = yes ]; then
  heading "Installing the IMUP plugin in your Wireshark plugin folder"
  cmake --build "$build" --target install-plugin >"$work/install.log" 2>&1 ||
    story_die "installing the plugin failed: $(tail -3 "$work/install.log")"
  sed -n 's/^Installed /installed /p; s/^Note: /note: /p' "$work/install.log"
fi

# tshark with the plugin just built and no other (scripts/tshark-with-plugin.sh).
. "$root/scripts/tshark-with-plugin.sh"
chmod 755 "$work"  # before staging: the stage proves nobody's tshark loads the plugin
tshark_stage "$plugin_so" "$work/tshark"
mkdir -p "$work/show"
chmod a+rwX "$work/show"
ts() { tshark_run "$@"; }
ts -G plugins 2>/dev/null | grep -q 'imup\.so' || story_die "tshark does not load the plugin $plugin_so"

# --- The server and the relay ---
heading "Starting imup-server, and imup-impair in front of it"
story_start_server server 127.0.0.1:0 --record "$work/server.pcapng"
# Lucy's first two datagrams (Connexion, her answer to the server's probe)
# and Sheng's first three (the name refused, his Connexion, his answer to the
# probe) pass; the sixth datagram towards the server is Sheng's first
# "message to Bob": the relay drops it, Sheng sends it again after his timeout.
story_start_impair relay "127.0.0.1:$port" "$SERVER_ADDRESS" --log-all --drop-nth up:6
port=${IMPAIR_ADDRESS##*:}
echo "imup-server listens on $SERVER_ADDRESS (recording what it sees)"
echo "imup-impair listens on $IMPAIR_ADDRESS: the clients talk to it; it drops the 6th datagram towards the server"

# --- The story ---
heading "Playing the specification's section-5 story: Lucy and Sheng through the relay"
story_section5_scripts "$work" centralise pause
# Each client on its own loopback address: the ladder gets a column per endpoint.
story_start_client lucy "$IMPAIR_ADDRESS" "$work/lucy.script" --bind 127.0.0.2:0 --seed 1 --record "$work/lucy.pcapng"
lucy_pid=$CLIENT_PID
story_wait_event lucy '"event":"connected"'
story_wait_for "$work/run/relay.out" '^[0-9.]+ up #2 ' 5 ||
  story_die "Lucy's answer to the server's probe never crossed the relay"
echo "Lucy is connected"
story_start_client sheng "$IMPAIR_ADDRESS" "$work/sheng.script" --bind 127.0.0.3:0 --seed 2 --record "$work/sheng.pcapng"
sheng_pid=$CLIENT_PID
echo "Sheng: asks for the name Lucy (taken), connects, writes to Bob (nobody), lists the users,"
echo "       talks with Lucy, opens a centralized private group with her, leaves it, quits"
story_finish_client sheng "$sheng_pid"
story_finish_client lucy "$lucy_pid"
story_stop "$IMPAIR_PID" "$SERVER_PID"
drops=$(grep -c ': drop' "$work/run/relay.out" || true)
[ "$drops" -eq 1 ] && grep -q 'type=18 seq=2: drop' "$work/run/relay.out" ||
  story_die "the relay was to drop exactly Sheng's first message to Bob; it says:$(echo; grep ': drop' "$work/run/relay.out")"
echo "the relay dropped one datagram:"
grep ': drop' "$work/run/relay.out" | sed 's/^[0-9.]* /  /'
echo "Sheng sent it again; both scripts ran to the end ($(grep -c '"event"' "$work/run/lucy.out") events for Lucy, $(grep -c '"event"' "$work/run/sheng.out") for Sheng)"

# --- The recording ---
heading "Recording: the clients' side of the relay"
capture=$out/section5-live.pcap
server_capture=$out/section5-live-server.pcapng
# Classic pcap: microsecond times, which tshark's flow ladder prints in its column.
mergecap -F pcap -w "$capture" "$work/lucy.pcapng" "$work/sheng.pcapng" ||
  story_die "mergecap could not merge Lucy's and Sheng's recordings"
cp "$work/server.pcapng" "$server_capture"
capinfos -c -u "$capture" | sed -n 's/^Number of packets: */packets:  /p; s/^Capture duration: */duration: /p'
echo "$capture"
echo "  Lucy's and Sheng's recordings (imup-client --record) merged: both tries of the lost message"
echo "$server_capture"
echo "  imup-server --record: the same story seen by the server (the lost try never reached it)"

# --- imup-verify ---
heading "Checking the capture against docs/PROTOCOL.md: imup-verify"
status=0
"$VERIFY_BIN" --server-port "$port" "$capture" || status=$?
[ $status -eq 0 ] || story_die "imup-verify found violations in $capture (exit status $status)"
echo "imup-verify: clean (exit status 0)"

# --- tshark ---
shown=$work/show/section5-live.pcap
cp "$capture" "$shown"
chmod a+r "$shown"
decode_as=""
[ "$port" -eq 2017 ] || decode_as="-d udp.port==$port,imup"
heading "tshark's decoded packet list, with the IMUP plugin"
# shellcheck disable=SC2086
ts -r "$shown" -2 $decode_as -T fields -E separator=/t \
  -e frame.number -e frame.time_relative -e ip.src -e ip.dst -e _ws.col.Info >"$work/list.txt" ||
  story_die "tshark could not read $capture"
echo "  #    time  from     to      Info column (what the plugin decoded)"
awk -F '\t' 'function who(a) { return a == "127.0.0.2" ? "Lucy" : a == "127.0.0.3" ? "Sheng" : "server" }
  { printf "%3s %7.3f  %-6s -> %-6s  %s\n", $1, $2, who($3), who($4), $5 }' "$work/list.txt"
# shellcheck disable=SC2086
retransmissions=$(ts -r "$shown" -2 $decode_as -Y imup.retransmission -T fields -e frame.number \
  -e imup.request.retransmission_of -e imup.request.since_first | awk -F '\t' '{ printf "frame %s resends frame %s, %.1f s later\n", $1, $2, $3 }')
[ -n "$retransmissions" ] || story_die "tshark shows no retransmission in $capture"
echo
echo "retransmissions (filter imup.retransmission): $retransmissions"

heading "The flow ladder: tshark -z flow,any,network"
echo "(127.0.0.2 is Lucy, 127.0.0.3 is Sheng, 127.0.0.1:$port the relay, the server behind it)"
# shellcheck disable=SC2086
ts -r "$shown" -2 $decode_as -q -z flow,any,network >"$work/ladder.txt" ||
  story_die "tshark could not draw the flow ladder"
cat "$work/ladder.txt"

# --- Where to go next ---
heading "Done in $(( $(date +%s) - started )) s: open the capture in Wireshark"
echo "the capture:     $capture"
echo "open it with:    wireshark $capture"
[ "$port" -eq 2017 ] || echo "                 (port $port: Analyze > Decode As... UDP port $port as IMUP, or add -d udp.port==$port,imup)"
echo "try the filters: imup.retransmission   imup.type == 14   imup.answer.time > 0.1"
echo "and the menus:   Statistics > IMUP,  Analyze > Expert Information,  Statistics > Flow Graph"
if [ "$(id -u)" -eq 0 ]; then
  echo "you are root: Wireshark run as root ignores personal plugin folders. To see the"
  echo "decoding in your own Wireshark, install the plugin for every user:"
  echo "                 make install-plugin-system"
elif [ $install = yes ]; then
  if tshark -G plugins 2>/dev/null | grep -q 'imup\.so'; then
    echo "your tshark and Wireshark load the plugin from your personal plugin folder"
  else
    echo "note: your tshark does not list the plugin yet; see the README's 'The Wireshark plugin'"
  fi
fi
