#!/usr/bin/env bash
# Checks the lock annotations of core/mutex.h (GUARDED_BY, REQUIRES, EXCLUDES) with Clang's
# -Wthread-safety -Werror (STYLE.md section 12). GCC, which builds the presets, ignores
# them. Cheap: syntax only, on the .cc files that include core/mutex.h or a header of their
# own module that does. First it proves the check can fail, on a snippet that reads a
# guarded member without its lock.
set -euo pipefail
cd "$(dirname "$0")/.."
cxx="${COVEN_CLANG:-clang++}"
flags=(-std=c++20 -fsyntax-only -Wthread-safety -Wthread-safety-beta -Werror -Isrc)

bad="$(mktemp --suffix=.cc)"
trap 'rm -f "$bad"' EXIT
cat >"$bad" <<'CC'
#include "core/mutex.h"
struct Counter {
  coven::core::Mutex mu;
  int n GUARDED_BY(mu) = 0;
  int Read() { return n; }  // no lock: must be rejected
};
CC
if "$cxx" "${flags[@]}" "$bad" 2>/dev/null; then
  echo "thread safety: clang accepted an unguarded read; is -Wthread-safety working?" >&2
  exit 1
fi

headers="$(grep -rl '#include "core/mutex.h"' src --include='*.h' | sed 's|^src/||')"
files=()
for f in $(find src -name '*.cc' ! -name '*_test.cc' | sort); do
  module="$(echo "$f" | cut -d/ -f2)"
  if grep -q '#include "core/mutex.h"' "$f"; then
    files+=("$f")
    continue
  fi
  for h in $headers; do
    if [[ "$h" == "$module/"* ]] && grep -q "#include \"$h\"" "$f"; then
      files+=("$f")
      break
    fi
  done
done
for f in "${files[@]}"; do
  "$cxx" "${flags[@]}" "$f"
done
echo "thread safety ok (${#files[@]} files)"
