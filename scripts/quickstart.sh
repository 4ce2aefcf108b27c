#!/usr/bin/env bash
# The README's run command: installs what is missing, builds Coven (release), starts the
# daemon, and starts a demo session (the bundled `coven-demo` harness: no network, no
# account) that you can list, rejoin and kill.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Only the binary: the tests and benchmarks are built by scripts/test.sh.
scripts/build.sh release coven
coven="$PWD/build/release/coven"
echo
echo "== coven daemon start"
"$coven" daemon start
echo "== coven daemon status"
"$coven" daemon status
echo "== coven run demo ... --detach   (a demo session; no account needed)"
id="$("$coven" run demo "show me around" --title "Coven demo" --detach)"
sleep 1
echo "== coven sessions"
"$coven" sessions --plain
echo "== coven logs ${id:0:8}"
"$coven" logs "${id:0:8}"
cat <<MSG

Coven is running, with a demo session (${id:0:8}).
  $coven attach ${id:0:8}     rejoin it (type a line; Ctrl-] detaches; \`exit\` ends it)
  $coven sessions             list sessions
  $coven kill ${id:0:8}       stop it
  $coven doctor               check harnesses (codex, claude, ...)
  $coven --help               everything else
MSG
