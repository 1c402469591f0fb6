#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# deb-install-test.sh RELEASE DEBDIR: installs the Debian packages in DEBDIR
# (`make deb` on that release) on a throw-away copy of the release's pristine
# root (scripts/platform-root.sh scratch: minbase, nothing of the project), the
# way a user would, `apt-get install ./*.deb`, and checks as an ordinary user
# with a bare environment (no WIRESHARK_PLUGIN_DIR or the like):
#   - tshark -G plugins lists imup.so from the package's file, in Wireshark's
#     own global plugin folder (tshark -G folders);
#   - tshark decodes captures/section5.pcap: every frame is IMUP;
#   - every program answers --version (PROG (IMUP toolkit) VERSION, the
#     package's upstream version) and --help with exit status 0, and two work:
#     imup-decode decodes an ACK, imup-verify finds captures/clean-session.pcap
#     clean;
#   - man -w finds every program's page and man renders it without a warning
#     (man-db is installed with the packages for that: minbase has none);
#   - PROTOCOL.md is in each package's /usr/share/doc folder.
# tshark comes in as the plugin package's Recommends, as for a user.
# Prints one line per check; the last line is the verdict. Exit status 0 when
# every check passed, 1 when one failed, 2 on bad usage. The scratch root is
# removed on every exit path. Needs root (chroot).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
usage() { sed -n '3,20s/^# \{0,1\}//p' "$0"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -eq 2 ] || { usage >&2; exit 2; }
release=$1 debdir=$2
[ "$(id -u)" -eq 0 ] || { echo "deb-install-test: needs root (chroot)" >&2; exit 2; }
ls "$debdir"/*.deb >/dev/null 2>&1 || { echo "deb-install-test: no .deb in $debdir (make deb)" >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/var/tmp}/imup-deb-install.XXXXXX")
cleanup() {
  # platform-root.sh unmounts /proc and /dev when its command ends; should a
  # mount survive a kill, it is detached first, and rm never leaves the
  # scratch file system (a bind-mounted /dev must not be emptied).
  grep -o " $scratch/[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

root="$scratch/root"
echo "deb-install-test: a scratch copy of the pristine $release root in $root"
sh "$here/platform-root.sh" scratch "$release" "$root" >/dev/null

# What the checks read, world-readable for the ordinary user (and for apt's
# _apt user, which opens the local .debs).
mkdir -p "$root/tmp/imup/debs"
cp "$debdir"/*.deb "$root/tmp/imup/debs/"
cp "$top/captures/section5.pcap" "$top/captures/clean-session.pcap" "$root/tmp/imup/"
chmod -R a+rX "$root/tmp/imup"

# The checks, run inside the root as root; the user's part through chroot
# --userspec (coreutils, in every root) with env -i.
cat >"$root/tmp/imup/check.sh" <<'EOF'
set -u
passed=0 failed=0
ok()   { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
as_user() {  # as_user CMD: CMD run by sh as imup-tester, bare environment
  chroot --userspec=imup-tester:imup-tester / /usr/bin/env -i HOME=/home/imup-tester \
    USER=imup-tester LOGNAME=imup-tester PATH=/usr/bin:/bin LANG=C.UTF-8 /bin/sh -c "$1"
}

echo "== apt-get install ./*.deb man-db"
apt-get update -qq || { fail "apt-get update"; exit 1; }
if (cd /tmp/imup/debs && apt-get install -y -q ./*.deb man-db) >/tmp/imup/apt.log 2>&1; then
  ok "installed: $(cd /tmp/imup/debs && ls *.deb | tr '\n' ' ')"
else
  tail -20 /tmp/imup/apt.log
  fail "apt-get install ./*.deb"
  exit 1
fi
for p in $(cd /tmp/imup/debs && ls *.deb | sed 's/_.*//'); do
  echo "   $p $(dpkg-query -W -f='${Version}: Depends: ${Depends}' "$p")"
done
grep -E '^(Setting up) (tshark|wireshark-common|libwireshark[0-9]+)' /tmp/imup/apt.log | sed 's/^/   /'

useradd --create-home --shell /bin/sh imup-tester
as_user 'id' | sed 's/^/   as: /'

echo "== the plugin, as $(as_user 'id -un')"
so=$(dpkg -L imup-wireshark | grep '/epan/imup\.so$')
global=$(as_user 'tshark -G folders' | sed -n 's/^Global Plugins:[[:space:]]*//p')
line=$(as_user 'tshark -G plugins' | grep 'imup\.so' || true)
case "$line" in
  *"$so"*) ok "tshark -G plugins: $(echo "$line" | tr '\t' ' ')" ;;
  *) fail "tshark -G plugins does not list $so (got '$line')" ;;
esac
case "$so" in
  "$global"/epan/imup.so) ok "the package's $so is in Wireshark's global plugin folder $global" ;;
  *) fail "$so is not in Wireshark's global plugin folder '$global'" ;;
esac
frames=$(as_user 'tshark -r /tmp/imup/section5.pcap -T fields -e frame.number' | wc -l)
imup=$(as_user 'tshark -r /tmp/imup/section5.pcap -Y imup -T fields -e frame.number' | wc -l)
if [ "$frames" -gt 0 ] && [ "$imup" -eq "$frames" ]; then
  ok "tshark -r section5.pcap -Y imup: $imup of $frames frames are IMUP"
else
  fail "tshark -r section5.pcap -Y imup: $imup of $frames frames are IMUP"
fi
first=$(as_user 'tshark -r /tmp/imup/section5.pcap -c 1' | sed 's/^ *//')
case "$first" in
  *IMUP*Connect\ seq=*) ok "frame 1: $first" ;;
  *) fail "frame 1 is not an IMUP Connect: $first" ;;
esac
# As tests/captures/dissect.sh checks: the draft's own slips are expert infos
# (some in the "malformed" group), never a dissection that failed.
bad=$(as_user 'tshark -r /tmp/imup/section5.pcap -2 -V 2>&1' | grep -cE 'Malformed Packet|Dissector bug|\[Exception')
[ "$bad" -eq 0 ] && ok "tshark -2 -V: no Malformed Packet, Dissector bug or exception" ||
  fail "tshark -2 -V: $bad Malformed Packet, Dissector bug or exception lines"

echo "== the programs"
version=$(dpkg-query -W -f='${Version}' imup-tools | sed 's/[~+].*//; s/-[^-]*$//')
for prog in imup-server imup-client imup-craft imup-inject imup-verify imup-impair imup-decode imup-conformance; do
  out=$(as_user "$prog --version"); status=$?
  first=$(printf '%s\n' "$out" | sed -n 1p)
  if [ "$status" -eq 0 ] && [ "$first" = "$prog (IMUP toolkit) $version" ]; then
    ok "$prog --version: $first"
  else
    fail "$prog --version: exit $status, '$first' (expected '$prog (IMUP toolkit) $version')"
  fi
  if as_user "$prog --help" >/tmp/imup/help.txt 2>&1 && grep -q -- '--version' /tmp/imup/help.txt; then
    ok "$prog --help: exit 0, $(wc -l </tmp/imup/help.txt) lines"
  else
    fail "$prog --help"
  fi
  page=$(as_user "man -w $prog" 2>&1)
  warnings=$(as_user "MANWIDTH=80 man --warnings $prog 2>&1 >/dev/null")
  if [ "$page" = "/usr/share/man/man1/$prog.1.gz" ] && [ -z "$warnings" ]; then
    ok "man -w $prog: $page, renders without warnings"
  else
    fail "man $prog: '$page' $warnings"
  fi
done
out=$(as_user 'imup-decode 00420000')
case "$out" in *"ACK seq=1"*) ok "imup-decode 00420000: $out" ;; *) fail "imup-decode 00420000: $out" ;; esac
if out=$(as_user 'imup-verify -q /tmp/imup/clean-session.pcap'); then
  ok "imup-verify clean-session.pcap: exit 0, $(printf '%s\n' "$out" | grep '^violations' || true)"
else
  fail "imup-verify clean-session.pcap: $out"
fi

echo "== documentation"
for p in $(cd /tmp/imup/debs && ls *.deb | sed 's/_.*//'); do
  if [ -f "/usr/share/doc/$p/PROTOCOL.md.gz" ] && [ -f "/usr/share/doc/$p/copyright" ]; then
    ok "/usr/share/doc/$p: PROTOCOL.md.gz, copyright"
  else
    fail "/usr/share/doc/$p: $(ls "/usr/share/doc/$p" 2>&1 | tr '\n' ' ')"
  fi
done

echo "$passed passed, $failed failed" >/tmp/imup/result
[ "$failed" -eq 0 ]
EOF

status=0
sh "$here/platform-root.sh" enter "$root" 'sh /tmp/imup/check.sh' || status=$?
result=$(cat "$root/tmp/imup/result" 2>/dev/null || echo "the checks did not finish")
if [ "$status" -eq 0 ]; then
  echo "deb-install-test: $release: passed ($result)"
else
  echo "deb-install-test: $release: FAILED ($result)"
  exit 1
fi
