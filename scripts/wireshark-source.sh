#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Prints the folder of a Wireshark source tree (the one Debian packages),
# fetching it once with `apt-get source` through a private sources list (the
# machine's own lists are left alone) and unpacking it under
# $IMUP_WIRESHARK_SOURCES (default /var/cache/imup/wireshark-source). Only
# tools/, doc/ and the files of epan/ itself are unpacked: the tests use
# Wireshark's fuzz-test.sh and its checkers (which read epan/'s headers), not
# its code. Nothing of Wireshark enters this repository.
#
#   wireshark-source.sh [RELEASE...]   the first Debian release whose source
#                                      the archive serves (default: this
#                                      system's, then bookworm)
# Needs apt-get, python3 and the network to Debian's archive (MIRROR, default
# http://deb.debian.org/debian) the first time.
set -eu
DEST=${IMUP_WIRESHARK_SOURCES:-/var/cache/imup/wireshark-source}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
if [ $# -eq 0 ]; then
  this=$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")
  set -- $this bookworm
fi
mkdir -p "$DEST"
for release in "$@"; do
  [ -n "$release" ] || continue
  tree=$(find "$DEST/$release" -maxdepth 1 -type d -name 'wireshark-*' 2>/dev/null | head -1)
  if [ -n "$tree" ] && [ -f "$tree/tools/fuzz-test.sh" ] && [ -f "$tree/epan/proto.h" ]; then
    echo "$tree"
    exit 0
  fi
  dir=$DEST/$release
  mkdir -p "$dir/lists/partial"
  echo "deb-src $MIRROR $release main" > "$dir/sources.list"
  opts="-o Dir::Etc::SourceList=$dir/sources.list -o Dir::Etc::SourceParts=/dev/null
        -o Dir::State::Lists=$dir/lists -o Acquire::Check-Valid-Until=false -qq"
  # shellcheck disable=SC2086
  if ! apt-get $opts update >&2 || ! (cd "$dir" && apt-get $opts source --download-only wireshark >&2 2>"$dir/fetch.err"); then
    echo "wireshark-source: the $release source of wireshark is not on $MIRROR ($(tail -1 "$dir/fetch.err" 2>/dev/null))" >&2
    continue
  fi
  orig=$(ls "$dir"/wireshark_*.orig.tar.* | head -1)
  # The tarball's top folder is wireshark-<version> or wireshark-v<version>.
  # Python's tarfile reads .bz2 and .xz without the bzip2 and xz programs,
  # which a minimal Debian root lacks.
  python3 - "$orig" "$dir" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    def wanted(name):
        parts = name.split("/")
        return parts[1:2] in (["tools"], ["doc"]) or (len(parts) == 3 and parts[1] == "epan")
    keep = [m for m in t.getmembers() if wanted(m.name)]
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python 3.12+
    t.extractall(sys.argv[2], members=keep, **safe)
PY
  tree=$(find "$dir" -maxdepth 1 -type d -name 'wireshark-*' | head -1)
  if [ -n "$tree" ] && [ -f "$tree/tools/fuzz-test.sh" ] && [ -f "$tree/epan/proto.h" ]; then
    chmod -R a+rX "$dir"
    echo "$tree"
    exit 0
  fi
  echo "wireshark-source: $orig has no tools/fuzz-test.sh" >&2
done
echo "wireshark-source: no Wireshark source tree for: $*" >&2
exit 1
