# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the session-rule tests (test-sessions.sh, test-sessions-parity.sh):
# the plugin's session, group and peer expert infos (plugin/imup-sessions.cpp)
# against imup-verify's codes of the same names, frame by frame. Sourced after
# lib.sh; needs IMUP_VERIFY and IMUP_CRAFT (set by CMake).

: "${IMUP_VERIFY:?set IMUP_VERIFY to the built imup-verify}"
: "${IMUP_CRAFT:?set IMUP_CRAFT to the built imup-craft}"

SESSION_CODES="not_connected group_without_offer offer_to_member message_crosses_rooms message_outside_group
 group_mode_mismatch sender_not_member update_part_out_of_order peer_not_member peer_message_not_private"

# stage PCAP: a world-readable copy in $WORK (tshark runs as nobody), echoed.
stage() {
    staged="$WORK/$(basename "$1")"
    cp "$1" "$staged"
    chmod a+r "$staged"
    echo "$staged"
}

# craft NAME: $WORK/NAME.pcap from the message script tests/plugin/captures/sessions/NAME.txt.
craft() {
    "$IMUP_CRAFT" -F pcap -o "$WORK/$1.pcap" -f "$IMUP_TEST_SOURCE/captures/sessions/$1.txt"
    chmod a+r "$WORK/$1.pcap"
    echo "$WORK/$1.pcap"
}

# plugin_findings PCAP [TSHARK_OPTION...]: "code frame" lines, sorted, for
# each session expert info the plugin adds (tshark -2, one run per capture).
plugin_findings() {
    pf_pcap=$1
    shift
    args=""
    for code in $SESSION_CODES; do args="$args -e imup.$code"; done
    # shellcheck disable=SC2086
    ts -r "$pf_pcap" -2 "$@" -T fields -E occurrence=f -E separator=/t -e frame.number $args 2>/dev/null |
        awk -F '\t' -v codes="$SESSION_CODES" '
            BEGIN { n = split(codes, name, /[ \n]+/); k = 0; for (i = 1; i <= n; i++) if (name[i] != "") code[++k] = name[i] }
            { for (i = 2; i <= NF; i++) if ($i != "") print code[i - 1], $1 }' | sort -u
}

# verify_findings PCAP: the same lines from imup-verify's report.
verify_findings() {
    "$IMUP_VERIFY" --json --max-repeats 0 "$1" 2>/dev/null |
        sed -n 's/^{"file":"[^"]*","frame":\([0-9]*\),.*"code":"\([a-z_]*\)".*/\2 \1/p' |
        while read -r code frame; do
            case " $(echo $SESSION_CODES) " in *" $code "*) echo "$code $frame" ;; esac
        done | sort -u
}

# findings_of CODE FINDINGS: the frames of one code, comma-separated.
findings_of() {
    printf '%s\n' "$2" | awk -v code="$1" '$1 == code { print $2 }' | sort -n | paste -sd, -
}
