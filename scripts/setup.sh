#!/usr/bin/env bash
# Installs, only when missing, every Debian 12 package Coven's build, tests, benchmarks and
# demo need. Idempotent: a second run installs nothing. Needs root (or sudo) only when
# something is missing.
#
# Keep this list complete: a fresh minimal Debian 12 has none of these, and a green CI on a
# machine that happens to have one hides the missing line. `scripts/fresh_check.sh` runs the
# README's two commands in such a root to prove it. Programs the tests call and what brings
# them: tmux (tmux), curl (curl), python3 (scripts/check_module_edges.py, bench/load.py),
# clang (scripts/check_thread_safety.sh, the fuzz preset), git, ps/pgrep (procps),
# systemd-analyze (systemd: the user unit is verified), node and npm (nodejs, npm:
# scripts/install_agents.sh installs the real agent CLIs the e2e tests launch), asciinema
# (plays back `coven logs --cast` in ScreenTest.RecordingIsAnAsciicastOfTheOutput); script,
# setsid, stty, timeout, seq come with a minimal root (bsdutils, util-linux, coreutils).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev sqlite3 libcli11-dev zlib1g-dev libdeflate-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libncurses-dev libutf8proc-dev libvterm-dev tmux curl procps
  python3 systemd help2man clang nodejs npm asciinema
  # The fuzz preset builds with Clang: its ASan/UBSan runtimes and libFuzzer are here, and
  # clang-14 only recommends it (we install without recommends).
  libclang-rt-14-dev
)

# A package counts as present when a command it provides already works: a machine with
# another build of Node.js (one that bundles npm and conflicts with Debian's npm) keeps it.
declare -A provided_by_command=([nodejs]=node [npm]=npm)

missing=()
for p in "${packages[@]}"; do
  cmd="${provided_by_command[$p]:-}"
  if [ -n "$cmd" ] && command -v "$cmd" >/dev/null; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install packages" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
