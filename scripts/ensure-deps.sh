#!/bin/sh
# Installs the Debian packages the project builds and tests with, only the
# missing ones, so that a second run costs one dpkg-query and nothing else.
# Every name here exists on Debian 12, 13 and testing: no versioned names
# (libclang-rt-dev is the runtime of whatever clang the release defaults to).
set -eu

packages="
  cmake ninja-build g++ clang lld libclang-rt-dev pkg-config make
  libglib2.0-dev libpcap-dev libicu-dev
  wireshark-dev libwireshark-dev tshark wireshark-common
  catch2 tcpreplay util-linux tcpdump
"
# Later parts of the project append what they need here, one line each.
if [ -f "$(dirname "$0")/packages.extra" ]; then
  packages="$packages $(grep -v '^#' "$(dirname "$0")/packages.extra" | tr '\n' ' ')"
fi

missing=""
for p in $packages; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "ensure-deps: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
  run=""
elif command -v sudo >/dev/null 2>&1; then
  run="sudo"
else
  echo "ensure-deps: missing packages:$missing; run as root or install sudo" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$run apt-get update -qq
# shellcheck disable=SC2086
$run apt-get install -y -qq --no-install-recommends $missing >/dev/null
