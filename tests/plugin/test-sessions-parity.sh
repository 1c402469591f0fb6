#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The plugin's rule expert infos (session, group and peer; numbering, window,
# answer cache, tries; the user list's paging) against imup-verify's codes of
# the same names, frame by frame, on every capture of the repository's
# library: the crafted ones (captures/*.pcap, each made to break one rule, or
# none) and the recordings of the real reference server and clients
# (captures/recorded/*.pcapng). Where imup-verify finds none of these rules
# broken (every recording, and every clean crafted capture), the plugin adds
# none of these expert infos either. Then the same on this folder's own
# scripts (captures/sessions/ and captures/rules/), among them new-session.txt:
# a client numbering a new session afresh on the same numbers and bytes (§14),
# and new-session-numbering.txt: the server numbering the new session half the
# space away, where neither side may find anything; and window-invitation.txt,
# where a relayed invitation holds no window (§6.4) for either reading.
#   test-sessions-parity.sh CAPTURES_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sessions-lib.sh"

dir=${1:?usage: test-sessions-parity.sh captures/}
checked=0
clean=0
recorded=0
found=""
for capture in "$dir"/*.pcap "$dir"/recorded/*.pcapng; do
    [ -f "$capture" ] || continue
    name=${capture#"$dir"/}
    pcap=$(stage "$capture")
    plugin=$(plugin_findings "$pcap")
    verify=$(verify_findings "$pcap")
    if [ "$plugin" = "$verify" ]; then
        pass "$name: $(echo $plugin | sed 's/^$/none/')"
    else
        fail "$name: the plugin finds [$(echo $plugin)], imup-verify [$(echo $verify)]"
    fi
    checked=$((checked + 1))
    [ -n "$verify" ] || clean=$((clean + 1))
    case $name in recorded/*) recorded=$((recorded + 1)) ;; esac
    for code in $(printf '%s\n' "$verify" | awk '{ print $1 }'); do found="$found $code"; done
    rm -f "$pcap"
done
for script in "$IMUP_TEST_SOURCE"/captures/sessions/*.txt "$IMUP_TEST_SOURCE"/captures/rules/*.txt; do
    name=$(basename "$script" .txt)
    folder=$(basename "$(dirname "$script")")
    pcap=$(craft "$name")
    plugin=$(plugin_findings "$pcap")
    verify=$(verify_findings "$pcap")
    if [ "$plugin" = "$verify" ]; then
        pass "$folder/$name: $(echo $plugin | sed 's/^$/none/')"
    else
        fail "$folder/$name: the plugin finds [$(echo $plugin)], imup-verify [$(echo $verify)]"
    fi
    for code in $(printf '%s\n' "$verify" | awk '{ print $1 }'); do found="$found $code"; done
done
expect_equal "a new session on the old numbers breaks no rule" "" "$(plugin_findings "$(craft new-session)")"
expect_equal "nor does the server's numbering of a new session half the space away" "" \
    "$(plugin_findings "$(craft new-session-numbering)")"
expect_equal "a relayed invitation holds no window" "" "$(plugin_findings "$(craft window-invitation)")"
# The library covers every rule, and most of it is clean.
for code in $RULE_CODES; do
    case " $found " in
        *" $code "*) pass "some capture breaks $code" ;;
        *) fail "no capture of the library or of captures/ here breaks $code" ;;
    esac
done
[ "$recorded" -ge 20 ] && pass "$recorded recordings of the reference server and clients" || fail "only $recorded recordings"
[ "$clean" -ge 40 ] && pass "$clean of $checked captures break none of these rules" || fail "only $clean clean captures of $checked"
finish
