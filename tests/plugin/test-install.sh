#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The install command puts the plugin in the personal plugin folder for the
# Wireshark version it was built for, where tshark finds it without any
# WIRESHARK_PLUGIN_DIR; bad arguments get a clear error.
. "$(dirname "$0")/lib.sh"
installer=$1

HOME="$WORK/home" sh "$installer" --user "$IMUP_PLUGIN_SO" "$TSHARK_ABI" > "$WORK/install.log" 2>&1
expect_equal "installed in ~/.local/lib/wireshark/plugins/$TSHARK_ABI/epan" "yes" \
    "$([ -f "$WORK/home/.local/lib/wireshark/plugins/$TSHARK_ABI/epan/imup.so" ] && echo yes)"
chmod -R a+rX "$WORK/home"
found=$(if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$WORK/home" tshark -G plugins 2>/dev/null
else
    env HOME="$WORK/home" tshark -G plugins 2>/dev/null
fi | awk '$1 == "imup.so" { print $NF }')
# tshark loads the system folder before the personal one: a copy installed
# there (a package, make install-plugin-system) hides the personal install.
if [ -n "$found" ] && [ "$found" != "$WORK/home/.local/lib/wireshark/plugins/$TSHARK_ABI/epan/imup.so" ] \
   && ! cmp -s "$found" "$IMUP_PLUGIN_SO"; then
    tshark_foreign_copy "$found"
    exit 3
fi
expect_equal "tshark finds it in the personal folder" \
    "$WORK/home/.local/lib/wireshark/plugins/$TSHARK_ABI/epan/imup.so" "$found"

sh "$installer" --system "$IMUP_PLUGIN_SO" "$WORK/system/epan" > /dev/null 2>&1
expect_equal "the system-wide variant copies to the folder given" "yes" \
    "$([ -f "$WORK/system/epan/imup.so" ] && echo yes)"
if sh "$installer" --user "$WORK/missing.so" 4.0 2> "$WORK/err.txt"; then
    fail "a missing plugin file is accepted"
else
    grep -q "no plugin at" "$WORK/err.txt" && pass "a missing plugin file is a clear error" || fail "unclear error: $(cat "$WORK/err.txt")"
fi
if sh "$installer" --user "$IMUP_PLUGIN_SO" latest 2>/dev/null; then
    fail "a bad version is accepted"
else
    pass "a bad version is refused"
fi
sh "$installer" --help | grep -q -- "--user" && pass "--help explains the modes" || fail "--help says nothing useful"
finish
