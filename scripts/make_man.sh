#!/usr/bin/env bash
# Writes the man page coven.1 from the binary's own --help texts (help2man), so the page
# and `--help` can never disagree: the overview from `coven --help`, then one section per
# command from `coven <command> --help`. Usage: scripts/make_man.sh COVEN_BINARY OUT_DIR
set -euo pipefail
coven=$1
out=$2
mkdir -p "$out"
include=$(mktemp)
trap 'rm -f "$include"' EXIT
commands=$("$coven" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')
{
  echo "[COMMANDS]"
  for c in $commands; do
    echo ".SS coven $c"
    echo ".nf"
    # Escape roff's control characters at line starts and backslashes.
    "$coven" "$c" --help | sed -e 's/\\/\\e/g' -e "s/^\\./\\\\\&./" -e "s/^'/\\\\\&'/"
    echo ".fi"
  done
  echo "[FILES]"
  echo ".TP"
  echo ".I \$COVEN_HOME"
  echo "(default ~/.coven) the daemon's socket, ledger, logs and session event logs."
  echo ".TP"
  echo ".I ~/.config/systemd/user/coven.service, /usr/lib/systemd/user/coven.service"
  echo "the daemon as a systemd user service: systemctl --user enable --now coven"
  echo "[ENVIRONMENT]"
  echo ".TP"
  echo ".B COVEN_HOME"
  echo "where Coven keeps its state."
  echo ".TP"
  echo ".B NO_COLOR"
  echo "when set and not empty, no colour is used."
} > "$include"
help2man --no-info --no-discard-stderr --section=1 \
  --name="run AI coding agents as persistent, project-scoped terminal sessions" \
  --version-option=--version --include="$include" "$coven" > "$out/coven.1"
