#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz for a long time (ctest only replays and mutates
# each corpus for a few seconds). Usage: scripts/fuzz.sh [seconds per target, default 600]
# [target...]. Builds the fuzz preset (Clang, libFuzzer, ASan+UBSan: only the fuzz targets
# and what they link), runs the targets one after another (FUZZ_JOBS at a time, at `nice`
# FUZZ_NICE, default 10), and keeps what each finds in build/fuzz/tests/fuzz/work/<target>/:
# new inputs in new/, crashes as crash-* files, the log in fuzz.log. FUZZ_MERGE=1 merges the
# new inputs that add coverage into the committed seeds (tests/fuzz/corpus/<target>/);
# FUZZ_NO_BUILD=1 skips the build; FUZZ_BIN names another folder of targets. Prints one line
# per target (runs, coverage, new inputs) and exits 1 if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
all=(http_request json_bodies eventlog manifest shim_wire sse text)
[ $# -gt 0 ] && targets=("$@") || targets=("${all[@]}")
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  scripts/build.sh fuzz >/dev/null
fi
bin="${FUZZ_BIN:-build/fuzz/tests/fuzz}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
jobs="${FUZZ_JOBS:-1}"
failed=0
run_one() {
  local t="$1" work="$bin/work/$1"
  mkdir -p "$work/new"
  if nice -n "${FUZZ_NICE:-10}" "$bin/${t}_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
      -print_final_stats=1 -artifact_prefix="$work/" "$work/new" "tests/fuzz/corpus/$t" \
      >"$work/fuzz.log" 2>&1; then
    status=ok
  else
    status=CRASH
  fi
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/fuzz.log" | grep -o '[0-9]*$' || echo '?')"
  cov="$(grep -o 'cov: [0-9]*' "$work/fuzz.log" | tail -1 | grep -o '[0-9]*' || echo '?')"
  echo "$t: $status, ${seconds}s, $runs runs, cov $cov, corpus $(ls "$work/new" | wc -l) new (log: $work/fuzz.log)"
  [ "$status" = ok ]
}
pids=()
for t in "${targets[@]}"; do
  if [ "$jobs" -gt 1 ]; then
    run_one "$t" & pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  else
    run_one "$t" || failed=1
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
if [ "${FUZZ_MERGE:-0}" = 1 ]; then
  for t in "${targets[@]}"; do
    "$bin/${t}_fuzz" -merge=1 "tests/fuzz/corpus/$t" "$bin/work/$t/new" >/dev/null 2>&1
  done
fi
exit "$failed"
