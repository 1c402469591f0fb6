#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# changelog_version_test.sh VERSION CHANGELOG: the Debian package's upstream
# version (debian/changelog's first entry, before the last "-") is CMake's
# PROJECT_VERSION, so `make deb` never ships 0.1.0 binaries as 0.2.0.
set -u
version=$1 changelog=$2
line=$(sed -n 1p "$changelog")
deb=$(printf '%s\n' "$line" | sed -n 's/^imup (\([^)]*\)).*/\1/p')
upstream=${deb%-*}
if [ -z "$deb" ]; then
  echo "FAIL $changelog: first line '$line' is no 'imup (VERSION) ...' entry"; exit 1
fi
if [ "$upstream" != "$version" ]; then
  echo "FAIL debian/changelog is at $deb, CMake's PROJECT_VERSION is $version: add a changelog entry ($version-1)"
  exit 1
fi
echo "ok   debian/changelog $deb matches PROJECT_VERSION $version"
