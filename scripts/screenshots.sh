#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Takes the README's screenshots of the real Wireshark GUI (Debian's wireshark-qt)
# with the IMUP plugin, under a virtual X server (Xvfb), as an unprivileged user:
#   docs/images/wireshark-packets.png      packet list, one packet's IMUP tree, bytes
#   docs/images/wireshark-expert-info.png  Analyze > Expert Information
#   docs/images/wireshark-statistics.png   Statistics > IMUP > Messages, errors and users
#   docs/images/wireshark-flow-graph.png   Statistics > Flow Graph
#   docs/images/wireshark-chats.png        the packet list with a Chat (imup.chat) column
#   docs/images/wireshark-conversations.png Statistics > Conversations, IMUP tab
# Wireshark is driven by its command line (-r, -Y, -g, -z expert) and a
# throw-away profile (scripts/screenshots/); xdotool sends the few keystrokes
# the command line cannot: expand a tree, open a Statistics menu entry.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE="$ROOT/scripts/screenshots"
PACKAGES="wireshark-qt tshark xvfb xauth xdotool imagemagick fonts-dejavu-core util-linux cmake ninja-build"
SCREEN_W=1280
SCREEN_H=1000

usage() {
    cat <<EOF
Usage: scripts/screenshots.sh [--frame N] [--out DIR] [BUILD_DIR [CAPTURE]]

Takes screenshots of Wireshark's GUI decoding an IMUP capture, for the README.

  BUILD_DIR   CMake build folder (default: build); configured if needed, and its
              imup-dissector (and imup-pcap-writer) targets are built if out of date
  CAPTURE     pcap/pcapng file to show (default: the specification's section-5
              scenario, written by imup-pcap-writer from tests/plugin/captures/section5.txt)
  --frame N   the packet to select and expand (default: the first retransmission
              with a response link, else the first packet with an expert info and
              a request/response link, else the first IMUP packet)
  --out DIR   where the PNGs go (default: docs/images)
  -h, --help  this text

Needs no display: Wireshark runs under Xvfb, as 'nobody' when started as root.
Installs wireshark-qt, xvfb, xauth, xdotool and imagemagick when they are missing
(Debian 12; as root, or through sudo). Leaves no Xvfb or Wireshark running.
EOF
}

say() { echo "screenshots: $*"; }
die() { echo "screenshots: error: $*" >&2; exit 1; }

BUILD_DIR=""
CAPTURE=""
FRAME=""
OUT_DIR="$ROOT/docs/images"
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --frame) [ $# -ge 2 ] || die "--frame needs a packet number"; FRAME=$2; shift 2 ;;
        --frame=*) FRAME=${1#--frame=}; shift ;;
        --out) [ $# -ge 2 ] || die "--out needs a folder"; OUT_DIR=$2; shift 2 ;;
        --out=*) OUT_DIR=${1#--out=}; shift ;;
        --) shift; break ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) break ;;
    esac
done
[ $# -le 2 ] || die "too many arguments (see --help)"
BUILD_DIR=${1:-$ROOT/build}
CAPTURE=${2:-}
case "$FRAME" in
    ''|*[!0-9]*) [ -z "$FRAME" ] || die "--frame wants a packet number, not '$FRAME'" ;;
    0) die "--frame counts from 1" ;;
esac
if [ -n "$CAPTURE" ]; then
    if [ ! -f "$CAPTURE" ] || [ ! -r "$CAPTURE" ]; then die "cannot read the capture '$CAPTURE'"; fi
fi
mkdir -p "$OUT_DIR" || die "cannot create the output folder '$OUT_DIR'"
OUT_DIR=$(cd "$OUT_DIR" && pwd)

# --- 1. Packages, installed only when missing (as scripts/ensure-deps.sh does) ---
missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing packages:$missing, and no apt-get to install them (this script expects Debian 12)"
    if [ "$(id -u)" -eq 0 ]; then
        run=""
    elif command -v sudo >/dev/null 2>&1; then
        run="sudo"
    else
        die "missing packages:$missing; run as root or install sudo"
    fi
    say "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    $run apt-get update -qq || die "apt-get update failed"
    # shellcheck disable=SC2086
    $run apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
        die "apt-get install$missing failed"
fi

# --- 2. The plugin (and the capture writer), built if out of date ---
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    say "configuring $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null ||
        die "cmake could not configure $BUILD_DIR"
fi
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
targets="imup-dissector"
[ -n "$CAPTURE" ] || targets="$targets imup-pcap-writer"
say "building $targets in $BUILD_DIR"
# shellcheck disable=SC2086
cmake --build "$BUILD_DIR" --parallel 2 --target $targets >/dev/null ||
    die "building $targets failed (run: cmake --build $BUILD_DIR --target $targets)"
PLUGIN_SO=$(find "$BUILD_DIR/plugin/plugins" -path '*/epan/imup.so' 2>/dev/null | head -1)
[ -n "$PLUGIN_SO" ] || die "no imup.so under $BUILD_DIR/plugin/plugins (was libwireshark-dev found at configure time?)"
PLUGIN_ABI=$(basename "$(dirname "$(dirname "$PLUGIN_SO")")")

# --- 3. A world-readable staging folder: plugin, capture, throw-away HOME ---
WORK=$(mktemp -d /tmp/imup-screenshots.XXXXXX)
XVFB_PID=""
WS_PID=""
stop_wireshark() {
    [ -n "$WS_PID" ] || return 0
    # Wireshark leads its own process group (setsid below): end it and its helpers.
    kill -TERM -- "-$WS_PID" 2>/dev/null || kill -TERM "$WS_PID" 2>/dev/null || true
    i=0
    while kill -0 "$WS_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL -- "-$WS_PID" 2>/dev/null || kill -KILL "$WS_PID" 2>/dev/null || true
    wait "$WS_PID" 2>/dev/null || true
    WS_PID=""
}
cleanup() {
    stop_wireshark
    if [ -n "$XVFB_PID" ]; then
        kill "$XVFB_PID" 2>/dev/null || true
        wait "$XVFB_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "screenshots: interrupted" >&2; exit 130' INT
trap 'echo "screenshots: terminated" >&2; exit 143' TERM

mkdir -p "$WORK/plugins/$PLUGIN_ABI/epan" "$WORK/home/.config/wireshark" "$WORK/runtime" "$WORK/capture"
cp "$PLUGIN_SO" "$WORK/plugins/$PLUGIN_ABI/epan/imup.so"
cp "$HERE/preferences" "$HERE/recent" "$HERE/recent_common" "$WORK/home/.config/wireshark/"
if [ -n "$CAPTURE" ]; then
    # The window title is the file name: keep it readable and free of regex characters.
    shown=$(basename "$CAPTURE" | tr -c 'A-Za-z0-9_.\n-' '_')
    cp "$CAPTURE" "$WORK/capture/$shown"
else
    shown=section5.pcap
    say "writing the section-5 capture from tests/plugin/captures/section5.txt"
    "$BUILD_DIR/tests/plugin/imup-pcap-writer" scenario "$ROOT/tests/plugin/captures/section5.txt" \
        "$WORK/capture/$shown" >/dev/null 2>"$WORK/writer.log" ||
        die "imup-pcap-writer failed: $(cat "$WORK/writer.log")"
fi
PCAP="$WORK/capture/$shown"
chmod 755 "$WORK"
chmod -R a+rX "$WORK/plugins" "$WORK/capture"

# Wireshark run as root ignores plugin folders: run it (and tshark) as nobody.
if [ "$(id -u)" -eq 0 ]; then
    AS_USER="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    chown -R nobody:nogroup "$WORK/home" "$WORK/runtime"
else
    AS_USER=""
fi
chmod 700 "$WORK/runtime"
as_user() {
    # shellcheck disable=SC2086
    $AS_USER env HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/runtime" WIRESHARK_PLUGIN_DIR="$WORK/plugins" \
        LC_ALL=C.UTF-8 LANG=C.UTF-8 "$@"
}

# --- 4. Check the capture decodes as IMUP, and pick the packet to show ---
as_user tshark -G plugins 2>/dev/null | grep -q 'imup\.so' ||
    die "tshark does not load $PLUGIN_SO as $(id -un 2>/dev/null || echo root) with WIRESHARK_PLUGIN_DIR"
first_match() {
    as_user tshark -r "$PCAP" -2 -Y "$1" -T fields -e frame.number 2>/dev/null | head -1
}
as_user tshark -r "$PCAP" -c 1 >/dev/null 2>"$WORK/tshark.log" ||
    die "tshark cannot read ${CAPTURE:-the capture}: $(head -3 "$WORK/tshark.log")"
[ -n "$(first_match imup)" ] || die "no packet of ${CAPTURE:-the capture} decodes as IMUP"
if [ -z "$FRAME" ]; then
    FRAME=$(first_match 'imup.retransmission && imup.request.answer_in')
    [ -n "$FRAME" ] || FRAME=$(first_match '_ws.expert && imup && (imup.request.answer_in || imup.answer.request_in)')
    [ -n "$FRAME" ] || FRAME=$(first_match imup)
fi
# The details pane lists one line per protocol; the IMUP line's place among
# them says how many times to press Down from the first one.
tree=$(as_user tshark -r "$PCAP" -2 -V -Y "frame.number == $FRAME" 2>/dev/null | grep -v '^[[:space:]]' | grep -v '^$' || true)
[ -n "$tree" ] || die "the capture has no packet $FRAME"
imup_line=$(echo "$tree" | grep -n '^Instant Messaging over UDP Protocol' | head -1 | cut -d: -f1)
[ -n "$imup_line" ] || die "packet $FRAME is not IMUP; choose another with --frame"
say "showing packet $FRAME of $shown"

# --- 5. The virtual X server, reachable only with our cookie ---
display=90
while [ -e "/tmp/.X$display-lock" ] || [ -e "/tmp/.X11-unix/X$display" ]; do display=$((display + 1)); done
export DISPLAY=":$display"
export XAUTHORITY="$WORK/xauthority"
: > "$XAUTHORITY"
xauth -q -f "$XAUTHORITY" add "$DISPLAY" . "$(mcookie)" || die "xauth could not write a cookie"
[ -z "$AS_USER" ] || chown nobody:nogroup "$XAUTHORITY"
chmod 600 "$XAUTHORITY"
say "starting Xvfb on $DISPLAY (${SCREEN_W}x${SCREEN_H})"
Xvfb "$DISPLAY" -screen 0 "${SCREEN_W}x${SCREEN_H}x24" -nolisten tcp -auth "$XAUTHORITY" \
    >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
i=0
until xdotool getdisplaygeometry >/dev/null 2>&1; do
    kill -0 "$XVFB_PID" 2>/dev/null || die "Xvfb did not start: $(cat "$WORK/xvfb.log")"
    [ $i -lt 100 ] || die "Xvfb did not answer on $DISPLAY within 10 s"
    sleep 0.1
    i=$((i + 1))
done

# --- 6. Wireshark, one run per picture ---
start_wireshark() {
    cp "$HERE/recent" "$HERE/recent_common" "$WORK/home/.config/wireshark/"
    # RECENT_EXTRA: lines for this run's profile "recent" file (e.g. which tabs a dialog opens with).
    [ -z "${RECENT_EXTRA:-}" ] || printf '%s\n' "$RECENT_EXTRA" >> "$WORK/home/.config/wireshark/recent"
    [ -z "$AS_USER" ] || chown nobody:nogroup "$WORK/home/.config/wireshark/recent" "$WORK/home/.config/wireshark/recent_common"
    say "running: wireshark -r $shown $*"
    # A plain command, not the as_user function, so that $! is Wireshark itself
    # (a function in the background is a subshell). setsid: its own process
    # group, so that stop_wireshark ends its helpers too.
    # shellcheck disable=SC2086
    $AS_USER env HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/runtime" WIRESHARK_PLUGIN_DIR="$WORK/plugins" \
        LC_ALL=C.UTF-8 LANG=C.UTF-8 DISPLAY="$DISPLAY" XAUTHORITY="$XAUTHORITY" NO_AT_BRIDGE=1 \
        setsid wireshark -r "$PCAP" "$@" >"$WORK/wireshark.log" 2>&1 &
    WS_PID=$!
    MAIN=$(wait_window "^$(echo "$shown" | sed 's/\./\\./g')\$")
    # The title appears before the packets are read and the window drawn.
    sleep 3
}

# wait_window REGEX: the id of the visible window whose title matches, once it exists.
wait_window() {
    i=0
    while :; do
        id=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -1 || true)
        if [ -n "$id" ]; then
            echo "$id"
            return 0
        fi
        kill -0 "$WS_PID" 2>/dev/null || die "Wireshark exited early: $(tail -5 "$WORK/wireshark.log")"
        [ $i -lt 300 ] || die "no window titled /$1/ within 30 s; Wireshark said: $(tail -5 "$WORK/wireshark.log")"
        sleep 0.1
        i=$((i + 1))
    done
}

# keys KEY...: key presses to the focused window, paced so Qt sees each one.
keys() {
    for k in "$@"; do
        xdotool key "$k"
        sleep 0.15
    done
}

# grab WINDOW NAME: writes OUT_DIR/NAME.png, without the time stamps ImageMagick
# would add, so that an unchanged picture makes an unchanged file.
grab() {
    # The pointer rests outside the window: no hover highlight in the picture.
    xdotool mousemove "$((SCREEN_W - 1))" "$((SCREEN_H - 1))"
    sleep 1
    import -window "$1" "$WORK/grab.png" || die "ImageMagick could not grab window $1"
    # A 256-colour palette halves the file and is invisible on a GUI's flat colours.
    convert "$WORK/grab.png" -strip +dither -colors 256 -define png:compression-level=9 \
        -define png:exclude-chunks=date,time "PNG8:$WORK/$2.png" ||
        die "ImageMagick could not write $2.png"
    colors=$(identify -format '%k' "$WORK/$2.png")
    [ "$colors" -gt 16 ] || die "$2.png came out blank ($colors colours)"
    mv "$WORK/$2.png" "$OUT_DIR/$2.png"
    say "wrote $OUT_DIR/$2.png ($(identify -format '%wx%h' "$OUT_DIR/$2.png"))"
}

quit_wireshark() {
    xdotool windowfocus --sync "$MAIN" 2>/dev/null || true
    xdotool key ctrl+q 2>/dev/null || true
    i=0
    while kill -0 "$WS_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    stop_wireshark
}

# (1) The packet list filtered on imup, the chosen packet selected, its IMUP
# tree expanded with every subtree (expert infos, links to the request or the
# answer and to the first copy), the bytes below.
start_wireshark -Y imup -g "$FRAME"
xdotool windowfocus --sync "$MAIN"
# A click in the empty lower part of the details pane gives it the keyboard
# (the pane sizes come from scripts/screenshots/recent); Home is its first line.
xdotool mousemove 640 700 click 1
sleep 0.3
keys Home
n=1
while [ $n -lt "$imup_line" ]; do keys Down; n=$((n + 1)); done
# View > Expand Subtrees.
keys shift+Right
grab "$MAIN" wireshark-packets
quit_wireshark

# (2) Expert Information, opened by -z expert, every group expanded.
start_wireshark -z expert
EXPERT=$(wait_window 'Expert Information')
xdotool windowsize --sync "$EXPERT" 1180 800
xdotool windowmove --sync "$EXPERT" 50 50
xdotool windowfocus --sync "$EXPERT"
sleep 0.5
# A click in the tree's empty lower part gives it the keyboard. Groups are
# expanded from the last one up, so that opening one never moves the rows above it.
xdotool mousemove 640 650 click 1
sleep 0.3
keys End
groups=$(as_user tshark -r "$PCAP" -2 -Y _ws.expert -T fields -e _ws.expert.message 2>/dev/null |
    tr ',' '\n' | sort -u | wc -l)
n=0
while [ $n -le "$groups" ] && [ $n -lt 60 ]; do keys Right Up; n=$((n + 1)); done
# The last row selected: the groups keep their severity colours.
keys End
grab "$EXPERT" wireshark-expert-info
quit_wireshark

# (3) Statistics > IMUP > "Messages, errors and users" (the plugin's stats tree;
# Wireshark's GUI has no -z for stats trees). IMUP is the menu's last entry, one
# Up from the first.
start_wireshark
xdotool windowfocus --sync "$MAIN"
keys alt+s
sleep 0.5
keys Up Right
sleep 0.5
keys Return
STATS=$(wait_window 'Messages, errors and users')
xdotool windowsize --sync "$STATS" 1000 720
xdotool windowmove --sync "$STATS" 140 150
# Two clicks on the Count column's header (ascending, then descending): the
# commonest items first.
xdotool mousemove $((140 + 280)) $((150 + 22)) click 1
sleep 0.5
xdotool click 1
sleep 1
grab "$STATS" wireshark-statistics

# (4) Statistics > Flow Graph: the exchange as a ladder, drawn from the Info column.
# The GUI has no -z for it either; it is the 17th entry of Debian 12's Statistics
# menu (IMUP_FLOW_GRAPH_MENU_INDEX overrides), and the window's title confirms it.
xdotool windowfocus --sync "$MAIN"
keys alt+s
sleep 0.5
n=1
while [ $n -lt "${IMUP_FLOW_GRAPH_MENU_INDEX:-17}" ]; do keys Down; n=$((n + 1)); done
keys Return
FLOW=$(wait_window 'Wireshark.*Flow')
xdotool windowsize --sync "$FLOW" 1280 1000
xdotool windowmove --sync "$FLOW" 0 0
sleep 1
grab "$FLOW" wireshark-flow-graph
quit_wireshark

# (5) The packet list with a Chat column (imup.chat, plugin/imup-follow.cpp),
# filtered on the chats' datagrams, the first private-group message selected.
# Wireshark 4.0's Analyze > Follow is a fixed list that holds no plugin's
# follow stream (plugin/README.md), so the chat is shown by its field.
CHAT_FRAME=$(first_match 'imup.chat && imup.type == 18 && imup.chat != 0')
[ -n "$CHAT_FRAME" ] || CHAT_FRAME=$(first_match 'imup.chat')
if [ -n "$CHAT_FRAME" ]; then
    start_wireshark -Y 'imup.chat' -g "$CHAT_FRAME" \
        -o 'gui.column.format:"No.","%m","Time","%t","Source","%s","Destination","%d","Chat","%Cus:imup.chat:0:R","Info","%i"'
    grab "$MAIN" wireshark-chats
    quit_wireshark
else
    say "no datagram of ${CAPTURE:-the capture} belongs to a chat: no wireshark-chats.png"
fi

# (6) Statistics > Conversations (the menu's 4th entry) with the IMUP tab
# alone (the profile's recent file names the tabs), plugin/imup-conversations.cpp:
# the pairs of parties. 4.0's -z conv,imup does not open it (its main window
# lacks the slot the command line calls).
RECENT_EXTRA='gui.conversation_tabs: IMUP' start_wireshark
xdotool windowfocus --sync "$MAIN"
keys alt+s
sleep 0.5
keys Down Down Down Return
CONV=$(wait_window 'Conversations')
xdotool windowsize --sync "$CONV" 1180 520
xdotool windowmove --sync "$CONV" 50 100
sleep 1
grab "$CONV" wireshark-conversations
quit_wireshark

say "done: wireshark-packets.png wireshark-expert-info.png wireshark-statistics.png wireshark-flow-graph.png wireshark-chats.png wireshark-conversations.png in $OUT_DIR"
