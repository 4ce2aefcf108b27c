#!/usr/bin/env bash
# Configures and builds one CMake preset (default: release), or only the named targets.
# Usage: scripts/build.sh [preset [target ...]]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
# One compiler cache per user, shared by every checkout and clone of the project (ccache's
# own default place): paths are taken relative to the checkout, so a fresh clone reuses what
# another one compiled, and precompiled headers are cacheable. The cache only saves
# compiling identical input; a cold machine builds everything (scripts/fresh_check.sh).
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
cmake --preset "$preset" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build --preset "$preset" --target "$@"
else
  cmake --build --preset "$preset"
fi
