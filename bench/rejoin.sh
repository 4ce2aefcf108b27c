#!/usr/bin/env bash
# Rejoin time: from starting `coven attach <id>` until the terminal shows the session's
# final screen, against `tmux attach` to a tmux session running the same program, for
# programs that wrote N MB of full-screen repaints and then wait at a prompt.
#
#   bench/rejoin.sh [MB ...]        # default: 1 100 1000; COVEN=path/to/coven to choose
#
# Both viewers are panes (100x30) of one private tmux server; "shows the final screen" is
# polled with capture-pane every 5 ms (so figures carry up to ~5 ms of polling, plus a
# fork of tmux per poll). The clock starts when a fifo releases the waiting viewer pane. Each size
# is measured 3 times per method; the table shows the median. Everything lives in a fresh
# /tmp/coven-rejoin.XXXXXX (about 1.1x the largest size on disk), removed at the end.
set -euo pipefail
# A relative COVEN is taken from where the script was started (it later runs in other dirs).
if [ -n "${COVEN:-}" ]; then
  given=$COVEN
  COVEN=$(realpath -e -- "$given" 2>/dev/null) || { echo "rejoin.sh: no coven at $given" >&2; exit 2; }
fi
cd "$(dirname "$0")/.."
COVEN=${COVEN:-$PWD/build/release/coven}
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1 100 1000); fi
tmp=$(mktemp -d /tmp/coven-rejoin.XXXXXX)
export COVEN_HOME=$tmp/home
tm=(tmux -L "coven-rejoin-$$" -f /dev/null)  # the programs' tmux (the reference)
tv=(tmux -L "coven-rejoin-view-$$" -f /dev/null)  # the viewers
cleanup() {
  "$COVEN" daemon stop >/dev/null 2>&1 || true
  "${tm[@]}" kill-server 2>/dev/null || true
  "${tv[@]}" kill-server 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/bin" "$tmp/coven-project" "$tmp/tmux-project"
# The program: frames of 23 coloured rows until N MB are written, then a prompt.
cat >"$tmp/bin/codex" <<'SH'
#!/bin/bash
mb=${@: -1}
awk -v limit=$((mb * 1000000)) 'BEGIN {
  for (f = 1; written < limit; f++) {
    s = "\033[H";
    for (r = 1; r <= 23; r++)
      s = s sprintf("\033[%d;1H\033[3%dmframe %07d row %02d\033[0m quick brown fox %d\033[K", r, (f + r) % 8, f, r, f * r % 9973);
    printf "%s", s;
    written += length(s);
  }
}'
printf '\e[24;1H\e[KREJOIN-PROMPT> '
: > "done-$mb"
while read -r _; do :; done
SH
chmod +x "$tmp/bin/codex"
export PATH=$tmp/bin:$PATH
"$COVEN" daemon start >/dev/null

now_ms() { date +%s%3N; }
wait_file() { while [ ! -e "$1" ]; do sleep 0.05; done; }
# Milliseconds from running `$2` in a fresh 100x30 viewer pane until it shows the prompt.
time_view() {
  local name=$1 cmd=$2 t0 t1
  mkfifo "$tmp/go-$name"
  "${tv[@]}" new-session -d -s "$name" -x 100 -y 30 "read _ < $tmp/go-$name; exec $cmd"
  sleep 0.3  # the pane is open and waiting on the fifo
  t0=$(now_ms)
  echo go >"$tmp/go-$name"
  until "${tv[@]}" capture-pane -p -t "$name" 2>/dev/null | grep -q 'REJOIN-PROMPT>'; do
    sleep 0.005
  done
  t1=$(now_ms)
  "${tv[@]}" kill-session -t "$name"
  echo $((t1 - t0))
}
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

printf '%8s %12s %12s %8s   %s\n' "MB" "coven ms" "tmux ms" "ratio" "(each run: coven / tmux)"
for mb in "${sizes[@]}"; do
  (cd "$tmp/coven-project" && "$COVEN" run codex "$mb" --detach) >"$tmp/id-$mb" 2>/dev/null
  id=$(head -1 "$tmp/id-$mb")
  "${tm[@]}" new-session -d -s "s$mb" -x 80 -y 24 "cd $tmp/tmux-project && exec $tmp/bin/codex $mb"
  wait_file "$tmp/coven-project/done-$mb"
  wait_file "$tmp/tmux-project/done-$mb"
  c=() t=()
  for rep in 1 2 3; do
    c+=("$(time_view "c$mb-$rep" "env COVEN_HOME=$COVEN_HOME $COVEN attach $id")")
    t+=("$(time_view "t$mb-$rep" "env -u TMUX ${tm[*]} attach -t s$mb")")
  done
  cm=$(median "${c[@]}") tmed=$(median "${t[@]}")
  printf '%8s %12s %12s %8s   %s / %s\n' "$mb" "$cm" "$tmed" \
    "$(awk -v a="$cm" -v b="$tmed" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" "${c[*]}" "${t[*]}"
  "$COVEN" kill "$id" >/dev/null 2>&1 || true
  "${tm[@]}" kill-session -t "s$mb"
done
