#!/usr/bin/env bash
# bench/run.sh: builds the release preset (coven + coven_bench) and runs the benchmark.
# Extra arguments go to coven_bench, e.g. `bench/run.sh --bytes 50000000 --only ab`;
# without --only, the rejoin times (bench/rejoin.sh) follow the table. Needs tmux for
# parts (a) and (f). Takes about 7 minutes on 2 cores; see bench/README.md.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
cmake --preset release >/dev/null
cmake --build --preset release --target coven coven_bench -j "$(nproc)"
# Every figure from one command: the table, then the rejoin times (bench/rejoin.sh), unless
# a subset was asked for with --only. The exit status is the first failure's.
status=0
"$repo/build/release/bench/coven_bench" "$@" || status=$?
for arg in "$@"; do
  case "$arg" in --only | --only=*) exit "$status" ;; esac
done
echo
echo "(f) rejoin: coven attach against tmux attach to the same program (bench/rejoin.sh)"
rejoin=0
COVEN="$repo/build/release/coven" "$repo/bench/rejoin.sh" || rejoin=$?
if [ "$status" -eq 0 ]; then
  status=$rejoin
fi
exit "$status"
