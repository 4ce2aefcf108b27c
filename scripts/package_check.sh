#!/usr/bin/env bash
# Installs the packages scripts/package.sh built (build/packages/) on a fresh minimal
# Debian 12 root, as a user would, and uses them: the .deb with apt-get (coven --version,
# the daemon, a demo session, man -w coven, bash completion when the binary has it), then
# the two npm tarballs with `npm install -g --prefix` (Debian's nodejs/npm only). Proves
# the binary needs no -dev package and the .deb's Depends are right. Needs root.
# Usage: scripts/package.sh && scripts/package_check.sh
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/lib/fresh_root.sh"
pkgs="$repo/build/packages"
ls "$pkgs"/coven_*.deb "$pkgs"/coven-cpp-*.tgz >/dev/null ||
  { echo "no packages in $pkgs: run scripts/package.sh first" >&2; exit 2; }

# The commands a user runs after installing; $1 is where `coven` is.
use_it() {
  cat <<USE
set -e
export PATH=$1:\$PATH COVEN_HOME=/root/coven-home
coven --version
coven daemon start
id=\$(coven run demo "hello from a package" --detach --title packaged)
for i in \$(seq 50); do coven logs "\$id" | grep -q 'hello from a package' && break; sleep 0.1; done
coven logs "\$id" | grep 'hello from a package'
coven sessions --plain | grep packaged
coven daemon status | grep status=running
coven kill "\$id"
coven daemon stop
USE
}

rc=0
fresh_root
mkdir -p "$root/root/packages"
cp "$pkgs"/coven_*.deb "$pkgs"/coven-cpp-*.tgz "$root/root/packages/"

echo "== .deb"
fresh_run "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  --no-install-recommends ./packages/coven_*.deb man-db bash-completion >/dev/null && \
  dpkg -s coven | grep -E '^(Status|Depends):'" || rc=1
fresh_run "$(use_it /usr/bin)" || rc=1
fresh_run "man -w coven && systemd-analyze --version >/dev/null 2>&1; \
  test -f /usr/lib/systemd/user/coven.service && echo unit-installed" || rc=1
fresh_run "if [ -f /usr/share/bash-completion/completions/coven ]; then \
  source /usr/share/bash-completion/bash_completion; \
  source /usr/share/bash-completion/completions/coven; \
  COMP_WORDS=(coven att); COMP_CWORD=1; _coven; echo \"\${COMPREPLY[*]}\" | grep -w attach; \
  export COVEN_HOME=/root/coven-home; coven daemon start >/dev/null; \
  id=\$(coven run demo completing --detach 2>/dev/null); \
  COMP_WORDS=(coven attach \${id:0:3}); COMP_CWORD=2; _coven; \
  echo \"\${COMPREPLY[*]}\" | grep -w \"\$id\"; coven kill \$id >/dev/null; coven daemon stop; \
  else echo 'no completions in this build'; fi" || rc=1

echo "== npm"
fresh_run "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  nodejs npm >/dev/null && npm install -g --offline --no-audit --no-fund --prefix /opt/coven \
  ./packages/coven-cpp-linux-x64-*.tgz ./packages/coven-cpp-[0-9]*.tgz 2>&1 | tail -3; \
  ls -l /opt/coven/bin" || rc=1
fresh_run "$(use_it /opt/coven/bin)" || rc=1
fresh_run "/opt/coven/bin/coven nope; test \$? -eq 2 && echo exit-code-forwarded" || rc=1
exit $rc
