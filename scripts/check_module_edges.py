#!/usr/bin/env python3
"""Checks that every `#include "<module>/..."` in src/<m>/ names a module that <m> links
(directly or through its declared DEPS), per src/<m>/CMakeLists.txt (STYLE.md section 1).
Exit 1 listing the offending includes."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent / "src"
deps = {}
for cmake in root.glob("*/CMakeLists.txt"):
    text = cmake.read_text()
    m = re.search(r"DEPS([^)]*?)(TESTS|\))", text, re.S)
    names = re.findall(r"coven_(\w+)", m.group(1)) if m else []
    deps[cmake.parent.name] = set(names)

def closure(module, seen=None):
    seen = set() if seen is None else seen
    for d in deps.get(module, ()):
        if d not in seen and d in deps:
            seen.add(d)
            closure(d, seen)
    return seen

bad = []
for module in deps:
    allowed = closure(module) | {module}
    for f in (root / module).rglob("*"):
        if f.suffix not in (".h", ".cc") or f.name.endswith("_test.cc") or "testhost" in f.name:
            continue
        for n, line in enumerate(f.read_text().splitlines(), 1):
            m = re.match(r'#include "(\w+)/', line)
            if m and m.group(1) in deps and m.group(1) not in allowed:
                bad.append(f"{f.relative_to(root.parent)}:{n}: {module} may not include {m.group(1)}/ (add it to DEPS if the design allows)")
print("\n".join(bad) if bad else f"module edges ok ({len(deps)} modules)")
sys.exit(1 if bad else 0)
