#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the release and the
# ASan+UBSan configurations, and runs the whole test suite (unit, integration, e2e) on both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== module edges"
python3 scripts/check_module_edges.py
echo "== thread safety (clang -Wthread-safety)"
scripts/check_thread_safety.sh
jobs="$(nproc)"
for preset in release asan-ubsan; do
  echo "== build $preset"
  scripts/build.sh "$preset"
  echo "== test $preset"
  ctest --preset "$preset" -j "$jobs" --timeout 600
done
echo "== all tests passed (release and asan-ubsan)"
