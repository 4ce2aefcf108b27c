#!/usr/bin/env bash
# Runs the README's two commands as a new user would: in a fresh minimal Debian 12 root
# (debootstrap --variant=minbase, plus only git and ca-certificates), on a clean clone of
# this checkout's committed HEAD, as root. Proves that scripts/setup.sh installs everything
# the quick start and the test suite use; a developer's machine or CI cannot prove that,
# since whatever is already installed there hides a missing line.
#
# Usage: scripts/fresh_check.sh ['command' ...]   (default: the quick start, then the tests)
# Needs root, debootstrap (installed when missing) and Debian's package mirror. The base
# root is made once in $FRESH_BASE (default /tmp/coven-fresh-base) and copied for each run;
# KEEP=1 keeps the run's root for a look afterwards. Exits non-zero when any command fails.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "fresh_check: needs root (chroot, mount)" >&2; exit 2; }
[ $# -gt 0 ] || set -- scripts/quickstart.sh scripts/test.sh

base=${FRESH_BASE:-/tmp/coven-fresh-base}
if [ ! -x "$base/bin/bash" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  [ -n "$mirror" ] || mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  echo "fresh_check: making a minimal Debian 12 root in $base (once)"
  debootstrap --variant=minbase --include=ca-certificates,git bookworm "$base" "$mirror" \
    >/tmp/coven-fresh-debootstrap.log 2>&1 ||
    { echo "fresh_check: debootstrap failed (see /tmp/coven-fresh-debootstrap.log)" >&2; exit 2; }
fi

root=$(mktemp -d /tmp/coven-fresh.XXXX)
cleanup() {
  # What the commands left running inside the root (a daemon and its sessions) goes too.
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null; done
  [ -n "${KEEP:-}" ] || rm -rf "$root"
}
trap cleanup EXIT
cp -a "$base/." "$root/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
git clone -q "$repo" "$root/root/project"
[ -d "$repo/../shared" ] && cp -a "$repo/../shared" "$root/root/shared"
for m in proc sys dev dev/pts; do mount --bind "/$m" "$root/$m"; done

rc=0
for cmd in "$@"; do
  echo "### $cmd"
  SECONDS=0
  chroot "$root" /usr/bin/env -i HOME=/root TERM=xterm \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd /root/project && $cmd" 2>&1 | tail -"${FRESH_TAIL:-40}"
  r=${PIPESTATUS[0]}
  echo "### exit $r after ${SECONDS}s"
  [ "$r" -eq 0 ] || rc=$r
done
exit $rc
