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
source "$repo/scripts/lib/fresh_root.sh"
[ $# -gt 0 ] || set -- scripts/quickstart.sh scripts/test.sh

fresh_root
git clone -q "$repo" "$root/root/project"
[ -d "$repo/../shared" ] && cp -a "$repo/../shared" "$root/root/shared"
rc=0
for cmd in "$@"; do
  fresh_run "$cmd" /root/project || rc=$?
done
exit $rc
