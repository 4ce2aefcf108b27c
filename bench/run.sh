#!/usr/bin/env bash
# bench/run.sh: builds the release preset (coven + coven_bench) and runs the benchmark.
# Extra arguments go to coven_bench, e.g. `bench/run.sh --bytes 50000000 --only ab`.
# Needs tmux for part (a). Takes a few minutes on 2 cores; see bench/README.md.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
cmake --preset release >/dev/null
cmake --build --preset release --target coven coven_bench -j "$(nproc)"
exec "$repo/build/release/bench/coven_bench" "$@"
