#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Minimal Debian roots for testing the project on other releases, made once
# with debootstrap and kept on the machine, and a way to run a command inside
# one as root with /proc and /dev mounted (and unmounted again on every exit).
#
#   platform-root.sh path    [--pristine] RELEASE    make the root if missing; print its folder
#   platform-root.sh run     [--pristine] RELEASE CMD   run the shell command CMD inside it
#   platform-root.sh scratch RELEASE DIR             a throw-away copy of the pristine root in DIR
#   platform-root.sh list                            the cached roots
#
# RELEASE is bookworm (Debian 12), trixie (Debian 13) or forky (Debian testing).
# The build root has what scripts/ensure-deps.sh installs on that release (plus
# make and git); it is keyed by the release and a hash of the package lists, so
# a change of the lists makes a new root and an unchanged one costs nothing.
# The pristine root is minbase and nothing else: the release as a user has it,
# to install the project's packages on. Roots live in $IMUP_ROOTS
# (default /var/cache/imup-roots). Needs root, debootstrap and the network to
# Debian's archive (MIRROR, default http://deb.debian.org/debian).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
ROOTS=${IMUP_ROOTS:-/var/cache/imup-roots}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

die() { echo "platform-root: $*" >&2; exit 2; }
usage() { sed -n '6,10s/^# \{0,1\}//p' "$0"; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap and chroot)"

release_script() {
  case "$1" in
    bookworm|trixie) echo "" ;;
    # Debian 12's debootstrap has no script for forky; sid's is the same.
    forky) echo /usr/share/debootstrap/scripts/sid ;;
    *) die "unknown release '$1' (bookworm, trixie or forky)" ;;
  esac
}

key_of() {  # the cache key of a build root: its package lists
  cat "$here/ensure-deps.sh" "$here/packages.extra" 2>/dev/null | sha256sum | cut -c1-12
}

# Mounts /proc and /dev in a root for the duration of one command; the trap
# unmounts them whatever way the command ends (failure, signal, set -e).
mounted_in=""
unmount_all() {
  for m in $mounted_in; do umount -l "$m" 2>/dev/null || true; done
  mounted_in=""
}
trap 'unmount_all' EXIT
trap 'unmount_all; exit 130' INT
trap 'unmount_all; exit 143' TERM

enter() {  # enter ROOT CMD: CMD run by sh inside ROOT
  root=$1; shift
  # Set here, not only at the top: a command substitution runs in a subshell
  # that does not inherit the traps.
  trap 'unmount_all' EXIT
  trap 'unmount_all; exit 130' INT
  trap 'unmount_all; exit 143' TERM
  mount -t proc proc "$root/proc" && mounted_in="$root/proc $mounted_in"
  mount --bind /dev "$root/dev" && mounted_in="$root/dev $mounted_in"
  # A bind of /dev is not recursive: pseudo-terminals (the terminal client's
  # tests) and POSIX shared memory are mounts of their own.
  for sub in pts shm; do
    if mountpoint -q "/dev/$sub"; then
      mount --bind "/dev/$sub" "$root/dev/$sub" && mounted_in="$root/dev/$sub $mounted_in"
    fi
  done
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  status=0
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive ${CI:+CI=$CI} \
    /bin/sh -c "$*" || status=$?
  unmount_all
  return $status
}

bootstrap() {  # bootstrap RELEASE DIR
  command -v debootstrap >/dev/null 2>&1 || {
    echo "platform-root: installing debootstrap" >&2
    apt-get install -y -qq debootstrap >/dev/null
  }
  tmp="$2.part"
  rm -rf "$tmp"
  mkdir -p "$(dirname "$2")"
  echo "platform-root: debootstrap $1 into $2" >&2
  # shellcheck disable=SC2046
  if ! debootstrap --variant=minbase "$1" "$tmp" "$MIRROR" $(release_script "$1") >"$tmp.log" 2>&1; then
    tail -5 "$tmp.log" >&2
    die "debootstrap $1 failed (log: $tmp.log)"
  fi
  # The archive copy here may serve a Release file past its Valid-Until.
  echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99imup-valid-until"
  rm -f "$tmp.log"
  mv "$tmp" "$2"
}

pristine_root() {
  dir="$ROOTS/$1-pristine"
  [ -d "$dir" ] || bootstrap "$1" "$dir"
  echo "$dir"
}

build_root() {
  dir="$ROOTS/$1-build-$(key_of)"
  if [ ! -d "$dir" ]; then
    tmp="$dir.part"
    rm -rf "$tmp"
    # A root made from older lists only lacks what was added since: take it
    # over and let ensure-deps install the difference. Otherwise start from
    # the pristine root.
    older=$(ls -d "$ROOTS/$1-build-"* 2>/dev/null | grep -v '\.part$' | head -1 || true)
    if [ -n "$older" ]; then
      echo "platform-root: updating $older to the current package lists" >&2
      mv "$older" "$tmp"
    else
      echo "platform-root: making the build root $dir" >&2
      cp -a "$(pristine_root "$1")" "$tmp"
    fi
    mkdir -p "$tmp/opt/imup-deps"
    cp "$here/ensure-deps.sh" "$here/packages.extra" "$tmp/opt/imup-deps/"
    enter "$tmp" 'apt-get update -qq && apt-get install -y -qq --no-install-recommends make git ca-certificates >/dev/null && sh /opt/imup-deps/ensure-deps.sh && apt-get clean' \
      || { rm -rf "$tmp"; die "installing the build packages in $1 failed"; }
    mv "$tmp" "$dir"
  fi
  echo "$dir"
}

root_for() {  # root_for [--pristine] RELEASE
  if [ "$1" = "--pristine" ]; then pristine_root "$2"; else build_root "$1"; fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  path)
    [ $# -ge 1 ] || die "usage: path [--pristine] RELEASE"
    root_for "$@"
    ;;
  run)
    if [ "${1:-}" = "--pristine" ]; then
      [ $# -ge 3 ] || die "usage: run [--pristine] RELEASE CMD"
      root=$(pristine_root "$2"); shift 2
    else
      [ $# -ge 2 ] || die "usage: run [--pristine] RELEASE CMD"
      root=$(build_root "$1"); shift
    fi
    enter "$root" "$@"
    ;;
  scratch)
    [ $# -eq 2 ] || die "usage: scratch RELEASE DIR"
    base=$(pristine_root "$1")
    rm -rf "$2"
    cp -a "$base" "$2"
    echo "$2"
    ;;
  enter)  # enter DIR CMD: run CMD in an arbitrary root folder (a scratch copy)
    [ $# -ge 2 ] || die "usage: enter DIR CMD"
    dir=$1; shift
    enter "$dir" "$@"
    ;;
  list)
    ls -d "$ROOTS"/*/ 2>/dev/null || echo "platform-root: no roots in $ROOTS" >&2
    ;;
  -h|--help|help|"")
    usage
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac
