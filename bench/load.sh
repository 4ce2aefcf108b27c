#!/usr/bin/env bash
# Load test (docs/benchmarks.md "Load"): builds the release binary and runs bench/load.py
# against it. Arguments go to load.py (defaults: --clients 1000 --followers 200
# --sessions 200 --lines 1000 --churn 20). Exits 1 if a request failed or a byte was lost.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release >/dev/null
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/load.py --coven build/release/coven "$@"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
