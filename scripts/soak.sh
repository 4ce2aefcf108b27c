#!/usr/bin/env bash
# Soak test (docs/benchmarks.md "Soak"): builds the release binary and runs bench/soak.py,
# which keeps a daemon busy for DURATION seconds (default 1800, the issue's 30 minutes)
# and samples its RSS and fd count every 10 s into soak.csv. Usage:
#   scripts/soak.sh [seconds] [more bench/soak.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-1800}"
shift || true
scripts/build.sh release >/dev/null
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/soak.py --coven build/release/coven --duration "$duration" "$@"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
