#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The platform matrix: the whole `make test` on other Debian releases, each in
# a cached minimal root (scripts/platform-root.sh) as root in a chroot, from a
# fresh copy of this checkout; then the Debian packages of each release built
# there and installed on a pristine root (scripts/deb-install-test.sh); then a
# syntax-only compile of the plugin against Wireshark releases that have no
# Debian package here (4.2, from Ubuntu 24.04's headers:
# scripts/check-plugin-headers.sh).
#
#   test-platforms.sh [--no-deb] [RELEASE...]   default: bookworm trixie forky
#
# bookworm (Debian 12, this machine's release) runs only the package stages:
# `make test` on the machine itself covers it. forky (testing) runs only the
# tests: packages are built and install-tested for the stable releases.
# Logs go to build/platforms/<release>.log; the last lines are a table with
# the result and the time of every stage. Exit status 0 when every stage
# passed, 1 when one failed, 2 on a usage error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out="$top/build/platforms"
deb=yes
releases=""
for a in "$@"; do
  case "$a" in
    --no-deb) deb=no ;;
    -h|--help) sed -n '3,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
    bookworm|trixie|forky) releases="$releases $a" ;;
    *) echo "test-platforms: unknown argument '$a' (releases: bookworm trixie forky)" >&2; exit 2 ;;
  esac
done
[ -n "$releases" ] || releases="bookworm trixie forky"
[ "$(id -u)" -eq 0 ] || { echo "test-platforms: needs root (chroot)" >&2; exit 2; }

mkdir -p "$out"
summary="$out/summary.txt"
: >"$summary"
failed=0

now() { date +%s; }
row() {  # row STAGE RESULT SECONDS DETAIL
  printf '%-28s %-5s %5ss  %s\n' "$1" "$2" "$3" "$4" | tee -a "$summary"
}

# Copies the checkout (tracked files and untracked ones not ignored, as they
# are in the work tree) into ROOT/src, world-readable: tshark runs as nobody.
copy_checkout() {
  rm -rf "$1/src"
  mkdir -p "$1/src"
  (cd "$top" && git ls-files -z --cached --others --exclude-standard \
     | xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh \
     | tar --null -T - -cf -) | tar -xf - -C "$1/src"
  chmod -R a+rX "$1/src"
}

for r in $releases; do
  log="$out/$r.log"
  t0=$(now)
  if ! root=$(sh "$here/platform-root.sh" path "$r" 2>"$log.root"); then
    row "$r: root" FAIL $(( $(now) - t0 )) "$(tail -1 "$log.root")"
    failed=1
    continue
  fi
  row "$r: root" ok $(( $(now) - t0 )) "$root"
  copy_checkout "$root"
  versions=$(sh "$here/platform-root.sh" run "$r" \
    'printf "%s, %s" "$(dpkg-query -W -f="Wireshark \${Version}" libwireshark-dev)" "$(g++ --version | head -1)"')

  if [ "$r" != bookworm ]; then
    t0=$(now)
    if sh "$here/platform-root.sh" run "$r" 'cd /src && make test' >"$log" 2>&1; then
      result=ok
    else
      result=FAIL
      failed=1
    fi
    counts=$(grep -E 'tests passed, [0-9]+ tests failed out of' "$log" | tail -1 || true)
    row "$r: make test" "$result" $(( $(now) - t0 )) "${counts:-no ctest summary (see $log)}; $versions"
  fi

  if [ "$deb" = yes ] && [ "$r" != forky ] && [ -f "$here/deb-install-test.sh" ]; then
    t0=$(now)
    if sh "$here/platform-root.sh" run "$r" 'cd /src && make deb' >"$out/$r-deb.log" 2>&1; then
      rm -rf "$out/$r-debs"
      cp -r "$root/src/build/deb" "$out/$r-debs"
      row "$r: make deb" ok $(( $(now) - t0 )) "$(ls "$out/$r-debs"/*.deb | xargs -n1 basename | tr '\n' ' ')"
      t0=$(now)
      if sh "$here/deb-install-test.sh" "$r" "$out/$r-debs" >"$out/$r-install.log" 2>&1; then
        row "$r: install on pristine" ok $(( $(now) - t0 )) "$(tail -1 "$out/$r-install.log")"
      else
        row "$r: install on pristine" FAIL $(( $(now) - t0 )) "see $out/$r-install.log"
        failed=1
      fi
    else
      row "$r: make deb" FAIL $(( $(now) - t0 )) "see $out/$r-deb.log"
      failed=1
    fi
  fi
  # The build inside the root is only for this run.
  rm -rf "$root/src"
done

# Wireshark 4.2 (Ubuntu 24.04 LTS's) has no Debian package: syntax-only,
# against the headers of Ubuntu's own libwireshark-dev (scripts/
# ubuntu-wireshark-headers.sh, cached). Where Ubuntu's archive cannot be
# reached, the row says skip and why.
t0=$(now)
if headers=$(sh "$here/ubuntu-wireshark-headers.sh" noble 2>"$out/wireshark-4.2.log"); then
  if sh "$here/check-plugin-headers.sh" "$headers" >>"$out/wireshark-4.2.log" 2>&1; then
    row "ubuntu noble: syntax-only" ok $(( $(now) - t0 )) "$(tail -1 "$out/wireshark-4.2.log")"
  else
    row "ubuntu noble: syntax-only" FAIL $(( $(now) - t0 )) "see $out/wireshark-4.2.log"
    failed=1
  fi
else
  row "ubuntu noble: syntax-only" skip $(( $(now) - t0 )) "not checked: $(tail -1 "$out/wireshark-4.2.log")"
fi

echo "test-platforms: $( [ $failed -eq 0 ] && echo passed || echo FAILED ) (table in $summary)"
exit $failed
