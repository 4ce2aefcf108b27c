#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian packages, and the pinned real
# agent CLIs into .cache/agents), builds the release and the ASan+UBSan configurations, and
# runs the whole test suite (unit, integration, e2e) on both. The e2e tests with the real
# agents must run here: COVEN_REQUIRE_REAL_AGENTS=1 makes them fail instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/install_agents.sh
export COVEN_REQUIRE_REAL_AGENTS=1
echo "== module edges (at ${SECONDS}s)"
python3 scripts/check_module_edges.py
echo "== thread safety (clang -Wthread-safety)"
scripts/check_thread_safety.sh
jobs="$(nproc)"
for preset in release asan-ubsan; do
  echo "== build $preset (at ${SECONDS}s)"
  scripts/build.sh "$preset"
  echo "== test $preset (at ${SECONDS}s)"
  ctest --preset "$preset" -j "$jobs" --timeout 600
done
echo "== all tests passed (release and asan-ubsan) in ${SECONDS}s"
