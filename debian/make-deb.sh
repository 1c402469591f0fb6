#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make-deb.sh OUTDIR: `make deb`. Builds the packages for the Debian release
# it runs on, from a clean copy of the sources, into OUTDIR (the .debs, the
# .buildinfo and .changes, and the source package, .dsc and .tar.xz, which
# lintian needs to check debian/ itself), then runs lintian on them.
#
#  1. Installs what is missing, only that: dpkg-dev, then the Build-Depends
#     (apt-get build-dep on this folder, the nocheck profile) and lintian
#     (as root, or through sudo).
#  2. Copies the sources git knows (tracked, plus untracked files that are not
#     ignored) into a temporary folder, so the build never writes in the tree
#     and never sees build/ or an editor's files; without git (a copy of the
#     tree), everything but build*/ and .git.
#  3. Adds a changelog entry "VERSION~debNN" for the release there (Debian 12
#     -> ~deb12), so packages for two releases never share a file name, and
#     upgrading the release upgrades the packages: the plugin of each release
#     is built for that release's Wireshark.
#  4. dpkg-buildpackage with DEB_BUILD_OPTIONS=nocheck: the test suite is
#     not built nor run in the package build; `make test` runs it. The
#     package builds without -Werror; a compiler warning in its log fails here.
#  5. Moves the results to OUTDIR and runs lintian (exit status 1 on an error
#     or warning; the informational tags are printed too).
# The temporary folder goes on every exit path.
set -eu

out=${1:?usage: make-deb.sh OUTDIR}
src=$(cd "$(dirname "$0")/.." && pwd)
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
jobs=$(nproc 2>/dev/null || echo 1)

say() { echo "make-deb: $*" >&2; }
die() { say "$*"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then as_root=""
elif command -v sudo >/dev/null 2>&1; then as_root="sudo"
else as_root="none"
fi
apt_install() {  # apt_install PACKAGE...: the missing ones only
  missing=""
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  [ "$as_root" = none ] && die "missing:$missing; run as root or install sudo"
  say "installing:$missing"
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null"
}

# 1. What the build needs.
apt_install dpkg-dev
export DEB_BUILD_PROFILES=nocheck
export DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$jobs"
if ! (cd "$src" && dpkg-checkbuilddeps >/dev/null 2>&1); then
  [ "$as_root" = none ] && die "missing build dependencies (dpkg-checkbuilddeps); run as root or install sudo"
  say "installing the build dependencies (apt-get build-dep)"
  (cd "$src" && $as_root env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get update -qq && apt-get build-dep -y -qq --no-install-recommends -P nocheck ./ >/dev/null')
fi
apt_install lintian

# 2. A clean copy of the sources.
work=$(mktemp -d "${TMPDIR:-/tmp}/imup-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tree="$work/imup"
mkdir "$tree"
if git -C "$src" -c safe.directory="$src" rev-parse --git-dir >/dev/null 2>&1; then
  # Files deleted in the working tree but still in the index are skipped.
  (cd "$src" && git -c safe.directory="$src" ls-files -z --cached --others --exclude-standard |
    xargs -0 sh -c 'for f; do if [ -e "$f" ] || [ -L "$f" ]; then printf "%s\0" "$f"; fi; done' sh |
    tar --null -T - -cf -) | tar -xf - -C "$tree"
else
  (cd "$src" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -xf - -C "$tree"
fi

# 3. The changelog entry of this release.
. /etc/os-release
codename=${VERSION_CODENAME:-unstable}
version=$(cd "$tree" && dpkg-parsechangelog -S Version)
# Debian testing and unstable have no VERSION_ID: their packages keep the
# plain version, which sorts after every ~debNN.
if [ -n "${VERSION_ID:-}" ]; then
  version="$version~deb$VERSION_ID"
  maintainer=$(cd "$tree" && dpkg-parsechangelog -S Maintainer)
  {
    printf 'imup (%s) %s; urgency=medium\n\n' "$version" "$codename"
    printf '  * Built for Debian %s (%s) by make deb.\n\n' "$VERSION_ID" "$codename"
    printf ' -- %s  %s\n\n' "$maintainer" "$(date -R)"
    cat "$tree/debian/changelog"
  } >"$work/changelog"
  mv "$work/changelog" "$tree/debian/changelog"
fi

# 4. The build.
say "building imup $version for Debian ${VERSION_ID:-$codename} ($codename) in $tree"
start=$(date +%s)
(cd "$tree" && dpkg-buildpackage -us -uc) >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2
  die "dpkg-buildpackage failed (the last lines of its log above)"
}
say "built in $(( $(date +%s) - start )) s"
# debian/rules builds without -Werror (a package must build with the next
# compiler too); here, for the project's own matrix, a warning is a failure.
if grep -E '^[^ ]+:[0-9]+:[0-9]+: warning: ' "$work/build.log" >"$work/warnings" 2>/dev/null; then
  cat "$work/warnings" >&2
  die "$(wc -l <"$work/warnings") compiler warnings in the package build (above)"
fi

# 5. Results and lintian.
mkdir -p "$out"
rm -f "$out"/imup*_*.deb "$out"/imup_*.buildinfo "$out"/imup_*.changes "$out"/imup_*.dsc "$out"/imup_*.tar.*
mv "$work"/imup*_*.deb "$work"/imup_*.buildinfo "$work"/imup_*.changes "$work"/imup_*.dsc \
  "$work"/imup_*.tar.* "$out/"
ls -l "$out"
changes=$(ls "$out"/imup_*.changes)
say "lintian $changes"
# lintian asks not to be run as root: as root, it runs as nobody (the results
# are world-readable).
as_nobody=""
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1; then
  chmod a+rX "$out"
  as_nobody="runuser -u nobody -- env HOME=/tmp"
fi
$as_nobody lintian --display-info --fail-on error,warning "$changes"
say "lintian: no errors or warnings"
