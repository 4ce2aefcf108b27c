#!/usr/bin/env bash
# The README's run command: installs what is missing, builds Coven (release), starts the
# daemon and shows that it answers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
coven="$PWD/build/release/coven"
echo "== coven daemon start"
"$coven" daemon start
echo "== coven daemon status"
"$coven" daemon status
echo "== GET /api/v1/health"
home="${COVEN_HOME:-$HOME/.coven}"
curl -s --unix-socket "$home/coven.sock" http://coven/api/v1/health
echo
echo
echo "Coven is running. Try: $coven --help"
