# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the rule tests (test-sessions.sh, test-sessions-parity.sh): the
# plugin's session, group and peer expert infos (plugin/imup-sessions.cpp),
# and its numbering, window, answer-cache, tries and paging ones
# (plugin/imup-sequence.cpp, plugin/imup-paging.cpp), against imup-verify's
# codes of the same names, frame by frame. Sourced after lib.sh; needs
# IMUP_VERIFY and IMUP_CRAFT (set by CMake).

: "${IMUP_VERIFY:?set IMUP_VERIFY to the built imup-verify}"
: "${IMUP_CRAFT:?set IMUP_CRAFT to the built imup-craft}"

SESSION_CODES="not_connected group_without_offer offer_to_member message_crosses_rooms message_outside_group
 group_mode_mismatch sender_not_member update_part_out_of_order peer_not_member peer_message_not_private"
SEQUENCE_CODES="seq_not_increasing seq_gap seq_reused window_exceeded cached_answer_differs gave_up_early"
PAGING_CODES="list_page_order list_duplicate_user list_more_flag list_page_start list_incomplete"
RULE_CODES="$SESSION_CODES $SEQUENCE_CODES $PAGING_CODES"

# What imup-verify finds and the plugin deliberately does not, as
# capture/code/frame words (plugin/README.md would say why); verify_findings
# leaves these out when they are there. None today: both leave the relayed
# invitation out of the window (§6.4).
VERIFY_ONLY=""

# stage PCAP: a world-readable copy in $WORK (tshark runs as nobody), echoed.
stage() {
    staged="$WORK/$(basename "$1")"
    cp "$1" "$staged"
    chmod a+r "$staged"
    echo "$staged"
}

# craft NAME: $WORK/NAME.pcap from the message script NAME.txt in
# tests/plugin/captures/sessions/ or, for the other rules, captures/rules/.
craft() {
    script="$IMUP_TEST_SOURCE/captures/sessions/$1.txt"
    [ -f "$script" ] || script="$IMUP_TEST_SOURCE/captures/rules/$1.txt"
    "$IMUP_CRAFT" -F pcap -o "$WORK/$1.pcap" -f "$script"
    chmod a+r "$WORK/$1.pcap"
    echo "$WORK/$1.pcap"
}

# plugin_findings PCAP [TSHARK_OPTION...]: "code frame" lines, sorted, for
# each rule expert info the plugin adds (tshark -2, one run per capture).
plugin_findings() {
    pf_pcap=$1
    shift
    args=""
    for code in $RULE_CODES; do args="$args -e imup.$code"; done
    # shellcheck disable=SC2086
    ts -r "$pf_pcap" -2 "$@" -T fields -E occurrence=f -E separator=/t -e frame.number $args 2>/dev/null |
        awk -F '\t' -v codes="$RULE_CODES" '
            BEGIN { n = split(codes, name, /[ \n]+/); k = 0; for (i = 1; i <= n; i++) if (name[i] != "") code[++k] = name[i] }
            { for (i = 2; i <= NF; i++) if ($i != "") print code[i - 1], $1 }' | sort -u
}

# verify_findings PCAP: the same lines from imup-verify's report, but the
# VERIFY_ONLY ones of the capture's name.
verify_findings() {
    vf_name=$(basename "$1" | sed 's/\.[a-z]*$//')
    "$IMUP_VERIFY" --json --max-repeats 0 "$1" 2>/dev/null |
        sed -n 's/^{"file":"[^"]*","frame":\([0-9]*\),.*"code":"\([a-z_]*\)".*/\2 \1/p' |
        while read -r code frame; do
            case " $(echo $RULE_CODES) " in *" $code "*) ;; *) continue ;; esac
            case " $(echo $VERIFY_ONLY) " in *" $vf_name/$code/$frame "*) continue ;; esac
            echo "$code $frame"
        done | sort -u
}

# findings_of CODE FINDINGS: the frames of one code, comma-separated.
findings_of() {
    printf '%s\n' "$2" | awk -v code="$1" '$1 == code { print $2 }' | sort -n | paste -sd, -
}
