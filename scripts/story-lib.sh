# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the scripts that play stories with the real programs on loopback
# (scripts/demo.sh, captures/record.sh): start imup-server, imup-impair and
# scripted imup-client in the background, wait for what they print, stop them
# all on exit. Sourced (`. scripts/story-lib.sh`) after setting:
#   STORY_SOURCE the source tree (scripts and examples are found under it)
#   STORY_BUILD  the CMake build folder (binaries are found under it)
#   STORY_NAME   the name errors start with (e.g. "demo")
#   STORY_PORT_HINT (optional) what to do when a port is taken
# and after `story_init WORK_DIR`. Every program's standard output goes to
# WORK_DIR/NAME.out and its standard error to WORK_DIR/NAME.log.

: "${STORY_SOURCE:?set STORY_SOURCE to the source tree}"
: "${STORY_BUILD:?set STORY_BUILD to the build folder}"
: "${STORY_NAME:=story}"
SERVER_BIN=$STORY_BUILD/reference-impl/server/imup-server
CLIENT_BIN=$STORY_BUILD/reference-impl/client/imup-client
IMPAIR_BIN=$STORY_BUILD/tools/impair/imup-impair
INJECT_BIN=$STORY_BUILD/tools/inject/imup-inject
VERIFY_BIN=$STORY_BUILD/tools/verify/imup-verify
STORY_PIDS=""
STORY_WORK=""

story_die() {
  echo "$STORY_NAME: error: $*" >&2
  exit 1
}

# story_init DIR: where the programs' outputs go (created).
story_init() {
  STORY_WORK=$1
  mkdir -p "$STORY_WORK"
}

# story_need BINARY...: each one is built, or a clear error.
story_need() {
  for bin in "$@"; do
    [ -x "$bin" ] || story_die "$bin is not built (run: make build)"
  done
}

# story_stop_all: ends every program still running that this library started
# (SIGTERM, then SIGKILL after 2 s). Safe to call twice; call it from a trap.
story_stop_all() {
  for pid in $STORY_PIDS; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $STORY_PIDS; do
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STORY_PIDS=""
}

# story_spawn NAME COMMAND...: runs COMMAND in the background; sets LAST_PID.
story_spawn() {
  name=$1
  shift
  "$@" >"$STORY_WORK/$name.out" 2>"$STORY_WORK/$name.log" &
  LAST_PID=$!
  STORY_PIDS="$STORY_PIDS $LAST_PID"
}

# story_forget PID: the program has ended (waited for); stop tracking it.
story_forget() {
  STORY_PIDS=$(echo "$STORY_PIDS" | tr ' ' '\n' | grep -vx "$1" | paste -sd' ' - || true)
}

# story_stop PID...: SIGTERM, then wait (a clean stop prints counters, flushes captures).
story_stop() {
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    wait "$pid" 2>/dev/null || true
    story_forget "$pid"
  done
}

# story_wait_for FILE REGEX [SECONDS] [PID]: waits until a line of FILE matches
# REGEX (grep -E); returns 1 after SECONDS (default 5) or as soon as PID exits.
story_wait_for() {
  limit=$(( ${3:-5} * 20 ))
  i=0
  until grep -Eq "$2" "$1" 2>/dev/null; do
    [ $i -lt $limit ] || return 1
    [ -z "${4:-}" ] || kill -0 "$4" 2>/dev/null || { grep -Eq "$2" "$1" 2>/dev/null; return; }
    sleep 0.05
    i=$((i + 1))
  done
}

# story_start_listening NAME PROGRAM LISTEN [OPTIONS...]: imup-server or
# imup-impair in the background, waiting for its "PROGRAM listening on" line;
# sets LAST_PID and LISTEN_ADDRESS (the bound address: port 0 becomes the
# kernel's choice). A clear error when it cannot start (the port is taken,
# most often).
story_start_listening() {
  name=$1
  program=$2
  listen=$3
  shift 3
  case $program in
    imup-server) bin=$SERVER_BIN ;;
    *) bin=$IMPAIR_BIN ;;
  esac
  story_spawn "$name" "$bin" --listen "$listen" "$@"
  if ! story_wait_for "$STORY_WORK/$name.out" "^$program listening on " 5 "$LAST_PID"; then
    why=$(head -3 "$STORY_WORK/$name.log")
    case $why in
      *"in use"*) story_die "$program cannot listen on $listen: the port is taken (another imup-server or relay? see: ss -ulpn | grep ${listen##*:}); ${STORY_PORT_HINT:-choose another port}" ;;
      *) story_die "$program did not start on $listen: $why" ;;
    esac
  fi
  LISTEN_ADDRESS=$(sed -n "s/^$program listening on //p" "$STORY_WORK/$name.out" | head -1)
}

# story_start_server NAME LISTEN [OPTIONS...]: imup-server; sets SERVER_PID and
# SERVER_ADDRESS.
story_start_server() {
  name=$1
  listen=$2
  shift 2
  story_start_listening "$name" imup-server "$listen" -q "$@"
  SERVER_PID=$LAST_PID
  SERVER_ADDRESS=$LISTEN_ADDRESS
}

# story_start_impair NAME LISTEN SERVER [OPTIONS...]: imup-impair in front of
# SERVER; sets IMPAIR_PID and IMPAIR_ADDRESS. Its action lines follow the
# listening line in NAME.out.
story_start_impair() {
  name=$1
  listen=$2
  server=$3
  shift 3
  story_start_listening "$name" imup-impair "$listen" --server "$server" "$@"
  IMPAIR_PID=$LAST_PID
  IMPAIR_ADDRESS=$LISTEN_ADDRESS
}

# story_start_client NAME SERVER SCRIPT [OPTIONS...]: a scripted imup-client in
# the background (JSON events in NAME.out); sets CLIENT_PID.
story_start_client() {
  name=$1
  server=$2
  script=$3
  shift 3
  story_spawn "$name" "$CLIENT_BIN" --server "$server" --script "$script" "$@"
  CLIENT_PID=$LAST_PID
}

# story_wait_event NAME REGEX [SECONDS]: waits for a JSON event of client NAME
# (e.g. '"event":"connected"'); a clear error when it never comes.
story_wait_event() {
  story_wait_for "$STORY_WORK/$1.out" "$2" "${3:-10}" ||
    story_die "$1 never printed $2; its events:$(echo; tail -5 "$STORY_WORK/$1.out"; cat "$STORY_WORK/$1.log")"
}

# story_finish_client NAME PID: waits for a scripted client's end; a clear
# error with its last events when it failed.
story_finish_client() {
  status=0
  wait "$2" || status=$?
  story_forget "$2"
  [ $status -eq 0 ] ||
    story_die "$1's script failed (exit status $status); its last events:$(echo; tail -5 "$STORY_WORK/$1.out"; cat "$STORY_WORK/$1.log")"
}

# story_section5_scripts DIR MODE [pause]: writes DIR/lucy.script and
# DIR/sheng.script, the section-5 scripts of reference-impl/client/examples/
# with Sheng's group in MODE (centralise or decentralise). With "pause",
# Sheng waits 300 ms once connected, so that his answer to the server's
# probe always leaves before his "message to Bob": the relay's count of
# datagrams (imup-impair --drop-nth) then falls on that message every run.
story_section5_scripts() {
  examples=$STORY_SOURCE/reference-impl/client/examples
  cp "$examples/section5-lucy.script" "$1/lucy.script"
  sed "s/^\/mode centralise$/\/mode $2/" "$examples/section5-sheng.script" >"$1/sheng.script"
  if [ "${3:-}" = pause ]; then
    sed -i '0,/^\/wait connected$/s//\/wait connected\n\/sleep 300/' "$1/sheng.script"
  fi
}
