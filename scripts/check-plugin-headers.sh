#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Syntax-only compile of every IMUP plugin source against a Wireshark include
# tree, for the Wireshark versions that have no package to build and run the
# plugin against (4.2: the platform matrix points this at Ubuntu 24.04's
# headers, from scripts/ubuntu-wireshark-headers.sh).
#
#   scripts/check-plugin-headers.sh HEADER_DIR...
#
# HEADER_DIR is a tree laid out as Wireshark installs its headers: ws_version.h,
# epan/, wsutil/, wiretap/ at its top (e.g. /usr/include/wireshark). The flags
# are the plugin build's (C++20, -Wall -Wextra -Werror) and the tree is passed
# with -isystem as CMake does, so -Werror judges only our code. Prints the
# version checked (from ws_version.h); exits non-zero on any error.
#   CXX       compiler (default g++)
set -eu

if [ $# -eq 0 ]; then
  echo "usage: $0 HEADER_DIR..." >&2
  exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
cxx=${CXX:-g++}
glib_cflags=$(pkg-config --cflags glib-2.0) || {
  echo "check-plugin-headers: pkg-config finds no glib-2.0 (install libglib2.0-dev)" >&2
  exit 2
}
# glib's own headers are third-party too.
# shellcheck disable=SC2086 # split pkg-config's flags on purpose
glib_isystem=$(printf '%s\n' $glib_cflags | sed -n 's/^-I/-isystem /p' | tr '\n' ' ')

status=0
for dir in "$@"; do
  if [ ! -f "$dir/ws_version.h" ]; then
    echo "check-plugin-headers: $dir has no ws_version.h: not a Wireshark include tree" >&2
    status=1
    continue
  fi
  version=$(awk '/#define WIRESHARK_VERSION_(MAJOR|MINOR|MICRO)/ { v = v (v == "" ? "" : ".") $3 } END { print v }' "$dir/ws_version.h")
  echo "== Wireshark $version headers in $dir ($($cxx --version | head -1))"
  failed=0
  for src in "$root"/plugin/*.cpp; do
    # shellcheck disable=SC2086 # glib_isystem is a list of flags
    if $cxx -std=c++20 -fsyntax-only -Wall -Wextra -Werror \
        -DPLUGIN_VERSION='"syntax-check"' -isystem "$dir" $glib_isystem "$src"; then
      echo "ok    plugin/$(basename "$src")"
    else
      echo "FAIL  plugin/$(basename "$src")"
      failed=1
    fi
  done
  if [ "$failed" -ne 0 ]; then
    echo "== Wireshark $version: the plugin does not compile" >&2
    status=1
  else
    echo "== Wireshark $version: every plugin source compiles"
  fi
done
exit "$status"
