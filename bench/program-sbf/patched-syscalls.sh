#!/usr/bin/env bash
# Prints the directory of agave-syscalls 3.1.12 patched to lay SBPF v0 call frames out
# without gaps (SIMD-0460), creating it in the cache the first time. Used through
# cargo's `--config patch.crates-io.agave-syscalls.path=...` by test.sh (program-test's
# SBF VM) and tools/localnet (the test validator), so both run the upstream-LLVM build
# of the program (docs/PERFORMANCE.md, the whole-program build).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${HEDGE_SBF_CACHE:-$HOME/.cache/hedge-vault}"
patched="$cache/agave-syscalls-3.1.12-no-frame-gaps"
if [[ ! -f "$patched/.patched" ]]; then
  (cd "$repo" && { cargo fetch --locked >/dev/null 2>&1 || cargo fetch --locked >&2; })
  registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
  orig=$(ls -d "$registry"/*/agave-syscalls-3.1.12 | head -1)
  rm -rf "$patched"; mkdir -p "$patched"; cp -r "$orig/." "$patched/"
  python3 - "$patched" <<'PY'
import sys
root = sys.argv[1]
p = root + "/src/lib.rs"
s = open(p).read()
old = "        enable_address_translation: true,\n        enable_stack_frame_gaps: true,"
assert s.count(old) == 1, "agave-syscalls changed: no single v1 environment to patch"
open(p, "w").write(s.replace(old, old.replace("gaps: true", "gaps: false")))
p = root + "/Cargo.toml"
s = open(p).read()
# A path dependency's lints are not capped: its `warnings = "deny"` would fail on
# deprecations its registry build never shows.
open(p, "w").write(s.replace('warnings = "deny"', 'warnings = "warn"'))
PY
  touch "$patched/.patched"
fi
echo "$patched"
