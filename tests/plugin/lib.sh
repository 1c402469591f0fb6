# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the plugin's shell tests. tshark ignores plugin folders when run as
# root, so each test stages the freshly built plugin in a world-readable temp
# folder and runs tshark as `nobody` when it is root.
#
# Environment (set by CMake): IMUP_PLUGIN_SO, IMUP_PCAP_WRITER, IMUP_TEST_SOURCE.

set -eu

: "${IMUP_PLUGIN_SO:?set IMUP_PLUGIN_SO to the built imup.so}"
: "${IMUP_PCAP_WRITER:?set IMUP_PCAP_WRITER to the built imup-pcap-writer}"
: "${IMUP_TEST_SOURCE:?set IMUP_TEST_SOURCE to tests/plugin}"

WORK=$(mktemp -d /tmp/imup-plugin-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM
. "$IMUP_TEST_SOURCE/../../scripts/tshark-with-plugin.sh"
tshark_stage "$IMUP_PLUGIN_SO" "$WORK"

FAILURES=0

# tshark as an unprivileged user, seeing only our plugin folder.
ts() { tshark_run "$@"; }

# make_capture NAME.txt: writes $WORK/NAME.pcap from a scenario in tests/plugin/captures/.
make_capture() {
    name=$(basename "$1" .txt)
    "$IMUP_PCAP_WRITER" scenario "$IMUP_TEST_SOURCE/captures/$1" "$WORK/$name.pcap" 2>/dev/null
    chmod a+r "$WORK/$name.pcap"
    echo "$WORK/$name.pcap"
}

# capture_frames PCAP: how many frames the capture holds.
capture_frames() {
    capinfos -c -M "$1" | awk '/Number of packets/ { print $NF }'
}

fail() {
    echo "FAIL: $*" >&2
    FAILURES=$((FAILURES + 1))
}

pass() {
    echo "ok: $*"
}

# expect_equal WHAT EXPECTED ACTUAL
expect_equal() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1: expected [$2], got [$3]"
    fi
}

# frames_matching PCAP FILTER [tshark options...]: the frame numbers, comma-separated.
frames_matching() {
    pcap=$1
    filter=$2
    shift 2
    ts -r "$pcap" -2 "$@" -Y "$filter" -T fields -e frame.number 2>/dev/null | paste -sd, -
}

# The fields field_of and frames_with can read; tshark runs once per capture
# for all of them. Expert infos print 1 where they fire.
CACHED_FIELDS="frame.number _ws.col.Info imup.direction imup.seq imup.seq.full imup.type imup.list.more
 imup.request.answer_in imup.answer.request_in imup.answer.time imup.request.retransmission_of imup.request.retransmission_number
 imup.request.since_first imup.request.since_previous imup.answer.duplicate_of imup.src.user imup.dst.user
 imup.group.members imup.group.mode imup.member imup.inviter imup.member.addr imup.member.port
 imup.peer.setup_frame imup.peer.conversations imup.user.status imup.user.id imup.user.name_length
 imup.user.name imup.list.start_id imup.list.page imup.list.page_in imup.list.users imup.list.user
 imup.update.more imup.update.part imup.update.part_in imup.update.members imup.update.member
 imup.bad_length imup.length_literal imup.length_convention_changed imup.reserved_set imup.bad_state_mode
 imup.unknown_type imup.malformed_text imup.limit_exceeded imup.wrong_direction imup.retransmission
 imup.retransmit_too_soon imup.too_many_tries imup.unanswered imup.unexpected_answer imup.duplicate_answer
 imup.mode_text_mismatch imup.truncated
 imup.not_connected imup.group_without_offer imup.offer_to_member imup.message_crosses_rooms imup.message_outside_group
 imup.group_mode_mismatch imup.sender_not_member imup.update_part_out_of_order imup.peer_not_member imup.peer_message_not_private"

# cached_column PCAP FIELD: makes sure the capture's field dump exists and
# prints the field's column in it.
cached_column() {
    cache="$1.fields"
    if [ ! -f "$cache" ]; then
        args=""
        for f in $CACHED_FIELDS; do args="$args -e $f"; done
        # shellcheck disable=SC2086
        ts -r "$1" -2 -T fields -E occurrence=a -E aggregator=, -E separator=/t $args 2>/dev/null \
            | tshark_fields_as_4_0 > "$cache"
    fi
    column=$(echo "$CACHED_FIELDS" | tr -s ' \n' '\n\n' | grep -v '^$' | grep -nx -- "$2" | cut -d: -f1)
    if [ -z "$column" ]; then
        echo "lib.sh: $2 is not in CACHED_FIELDS" >&2
        return 1
    fi
    echo "$column"
}

# field_of PCAP FRAME FIELD: one field of one frame (occurrences joined by ,).
field_of() {
    column=$(cached_column "$1" "$3") || return 1
    awk -F '\t' -v frame="$2" -v column="$column" '$1 == frame { print $column }' "$1.fields"
}

# fields_of PCAP FIELD SEP FRAME...: FIELD of each FRAME in turn, joined by SEP.
fields_of() {
    fo_pcap=$1
    fo_field=$2
    fo_sep=$3
    shift 3
    fo_out=""
    fo_count=0
    for fo_frame in "$@"; do
        fo_value=$(field_of "$fo_pcap" "$fo_frame" "$fo_field") || return 1
        if [ "$fo_count" -eq 0 ]; then fo_out=$fo_value; else fo_out=$fo_out$fo_sep$fo_value; fi
        fo_count=$((fo_count + 1))
    done
    printf '%s\n' "$fo_out"
}

# frames_with PCAP FIELD: the frames where FIELD is present, comma-separated.
frames_with() {
    column=$(cached_column "$1" "$2") || return 1
    awk -F '\t' -v column="$column" '$column != "" { print $1 }' "$1.fields" | paste -sd, -
}

finish() {
    if [ "$FAILURES" -ne 0 ]; then
        echo "$FAILURES check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
}
