#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Wireshark headers of an Ubuntu release, for a syntax-only compile of the
# plugin against a Wireshark that Debian does not package (4.2: Ubuntu 24.04
# LTS, "noble"). Downloads that release's libwireshark-dev, libwsutil-dev and
# libwiretap-dev from Ubuntu's archive (the newest version of the release and
# its -updates), checks each file's SHA256 against the archive's package
# index, unpacks them with dpkg-deb and prints the include folder
# (.../usr/include/wireshark), laid out as Wireshark installs its headers.
# Nothing is installed; the result is cached by release and version.
#
#   ubuntu-wireshark-headers.sh [SUITE]     default: noble
#
#   UBUNTU_MIRROR   default http://archive.ubuntu.com/ubuntu
#   IMUP_CACHE      default /var/cache/imup
# Exit status 0 with the folder on standard output; 1 when the archive cannot
# be read or a file does not match its checksum (the reason on standard
# error); 2 on bad usage.
set -eu

suite=${1:-noble}
case "$suite" in -h|--help) sed -n '3,18s/^# \{0,1\}//p' "$0"; exit 0 ;; -*) echo "ubuntu-wireshark-headers: unknown option '$suite'" >&2; exit 2 ;; esac
mirror=${UBUNTU_MIRROR:-http://archive.ubuntu.com/ubuntu}
cache=${IMUP_CACHE:-/var/cache/imup}
packages="libwireshark-dev libwsutil-dev libwiretap-dev"

die() { echo "ubuntu-wireshark-headers: $*" >&2; exit 1; }
command -v curl >/dev/null 2>&1 || die "needs curl"

work=$(mktemp -d "${TMPDIR:-/tmp}/imup-ubuntu-ws.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Each package's newest stanza (Version, Filename, SHA256) in the release and
# its updates; dpkg --compare-versions decides which is newer.
for s in "$suite" "$suite-updates"; do
  curl -fsS -m 60 "$mirror/dists/$s/universe/binary-amd64/Packages.gz" -o "$work/$s.gz" ||
    { [ "$s" = "$suite" ] && die "cannot read $mirror/dists/$s/universe/binary-amd64/Packages.gz"; continue; }
  gzip -dc "$work/$s.gz" | awk -v want=" $packages " '
    /^Package: / { p = (index(want, " " $2 " ") > 0) ? $2 : "" }
    p != "" && /^(Version|Filename|SHA256): / { f[$1] = $2 }
    /^$/ { if (p != "") print p, f["Version:"], f["Filename:"], f["SHA256:"]; p = "" }
  ' >>"$work/stanzas"
done
: >"$work/chosen"
for p in $packages; do
  best=""
  while read -r name version file sum; do
    [ "$name" = "$p" ] || continue
    if [ -z "$best" ] || dpkg --compare-versions "$version" gt "$(echo "$best" | cut -d' ' -f2)"; then
      best="$name $version $file $sum"
    fi
  done <"$work/stanzas"
  [ -n "$best" ] || die "$p is not in $suite's package index"
  echo "$best" >>"$work/chosen"
done

version=$(sed -n 's/^libwireshark-dev \([^ ]*\) .*/\1/p' "$work/chosen")
dest="$cache/ubuntu-$suite-wireshark-$version"
if [ ! -f "$dest/.complete" ]; then
  rm -rf "$dest"
  mkdir -p "$work/unpacked"
  while read -r name v file sum; do
    curl -fsS -m 300 "$mirror/$file" -o "$work/$name.deb" || die "cannot download $mirror/$file"
    echo "$sum  $work/$name.deb" | sha256sum -c --status - ||
      die "$file does not match the SHA256 of $suite's package index"
    dpkg-deb -x "$work/$name.deb" "$work/unpacked"
  done <"$work/chosen"
  [ -f "$work/unpacked/usr/include/wireshark/ws_version.h" ] || die "no usr/include/wireshark/ws_version.h in $packages"
  mkdir -p "$cache"
  mv "$work/unpacked" "$dest"
  : >"$dest/.complete"
fi
echo "$dest/usr/include/wireshark"
