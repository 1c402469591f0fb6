#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the IMUP dissector plugin where Wireshark looks for it.
#
#   install-plugin.sh --user PLUGIN.so ABI      ~/.local/lib/wireshark/plugins/ABI/epan/
#   install-plugin.sh --system PLUGIN.so DIR    DIR (Wireshark's own epan plugin folder)
#
# The CMake targets `install-plugin` and `install-plugin-system` call it with
# the plugin just built and the Wireshark version it was built against.
set -eu

usage() {
    sed -n '3,9s/^# \{0,1\}//p' "$0"
}

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
    usage
    exit 0
fi
if [ $# -ne 3 ]; then
    usage >&2
    exit 2
fi
mode=$1
plugin=$2
if [ ! -f "$plugin" ]; then
    echo "install-plugin: no plugin at $plugin (build the imup-dissector target first)" >&2
    exit 1
fi
case "$mode" in
    --user)
        abi=$3
        case "$abi" in
            [0-9]*.[0-9]*) ;;
            *) echo "install-plugin: '$abi' is not a Wireshark version like 4.0" >&2; exit 2 ;;
        esac
        if [ -z "${HOME:-}" ]; then
            echo "install-plugin: HOME is not set" >&2
            exit 1
        fi
        dest="$HOME/.local/lib/wireshark/plugins/$abi/epan"
        ;;
    --system)
        dest=$3
        ;;
    *)
        usage >&2
        exit 2
        ;;
esac
mkdir -p "$dest"
# Copy under a temporary name, then rename: a running Wireshark never sees half a file.
cp "$plugin" "$dest/.imup.so.new"
chmod 644 "$dest/.imup.so.new"
mv -f "$dest/.imup.so.new" "$dest/imup.so"
echo "Installed $dest/imup.so"
if [ "$mode" = "--user" ] && [ "$(id -u)" -eq 0 ]; then
    echo "Note: Wireshark run as root ignores personal plugin folders; use install-plugin-system." >&2
fi
