#!/usr/bin/env bash
# Runs the program's test suite (tests/, every instruction, the attack matrix) against
# the SBF build of the program (build.sh) in solana-program-test's SBF VM, and prints
# each instruction's compute units and the program's largest stack frame.
#
# The VM differs from agave 3.1's in one setting: call frames without gaps between
# them (SIMD-0460, active on devnet and testnet). Upstream LLVM passes a sixth argument
# on the stack assuming that layout; agave 3.1 puts a 4 KiB gap after each SBPF v0
# frame, where such a call faults ("Access violation in stack frame"). The tests run
# from a copy of the tracked files with agave-syscalls patched to that one setting
# through cargo's `--config patch` (the copy's lock file changes, not the repository's).
#
#   bench/program-sbf/test.sh
#   bench/program-sbf/test.sh --cu-trace   # only the breakdown of the heavy instructions'
#                                          # compute units (the program built with cu-trace)
#   bench/program-sbf/test.sh --sizes      # only the tables of every instruction's compute
#                                          # units (SPL Token 3.5, then p-token) and their
#                                          # `cu-baseline` lines
set -euo pipefail
trace=false
sizes=false
if [[ "${1:-}" == "--cu-trace" ]]; then
  trace=true
  export HEDGE_SBF_FEATURES=cu-trace
elif [[ "${1:-}" == "--sizes" ]]; then
  sizes=true
fi
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${HEDGE_SBF_CACHE:-$HOME/.cache/hedge-vault}"
so_dir=$("$here/build.sh")

# agave-syscalls 3.1.12 with gap-free frames for SBPF v0.
patched=$("$here/patched-syscalls.sh")
cd "$repo"

run="$cache/sbf-run-src"
rm -rf "$run"; mkdir -p "$run"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$repo" ls-files -z | tar --null -T - -cf - | tar -xf - -C "$run"
else
  # A copy of the tracked files already (.ci/run's isolated copy).
  tar --exclude=./target -cf - . | tar -xf - -C "$run"
fi
cd "$run"
export CARGO_TARGET_DIR="$cache/sbf-run-target"
export HEDGE_PROGRAM_SO_DIR="$so_dir"
export RUST_LOG=error
patch_arg="patch.crates-io.agave-syscalls.path=\"$patched\""
if $trace; then
  HEDGE_CU_TRACE=1 cargo test -q -p hedge-tests --config "$patch_arg" --test sizes -- --nocapture 2>/dev/null | grep -E '^trace'
  exit 0
fi
# p-token, the Token program mainnet runs since SIMD-0266 (tools/p-token).
p_token=$("$repo/tools/p-token/build.sh")
if $sizes; then
  cargo test -q -p hedge-tests --config "$patch_arg" --test sizes -- --nocapture 2>&1 | grep -E '^(\||batch|cu-baseline|thread|  left|more than)' || true
  echo "With p-token as the Token program:"
  HEDGE_TOKEN_SO="$p_token" cargo test -q -p hedge-tests --config "$patch_arg" --test sizes -- --nocapture 2>&1 | grep -E '^(\||batch|cu-baseline|thread|  left|more than)' || true
  exit 0
fi
cargo test -p hedge-tests --config "$patch_arg"
echo
echo "Compute units of each instruction, the program loaded from its SBF build:"
cargo test -q -p hedge-tests --config "$patch_arg" --test sizes -- --nocapture 2>/dev/null | grep -E '^(\||batch|cu-baseline)'
cargo test -q -p hedge-tests --config "$patch_arg" --test liquidation -- --nocapture 2>/dev/null | grep -E '^batch' || true
echo
echo "The same with p-token, the Token program mainnet runs since SIMD-0266 (tools/p-token):"
HEDGE_TOKEN_SO="$p_token" cargo test -q -p hedge-tests --config "$patch_arg" --test sizes -- --nocapture 2>/dev/null | grep -E '^(\||batch|cu-baseline)'
HEDGE_TOKEN_SO="$p_token" cargo test -q -p hedge-tests --config "$patch_arg" --test liquidation -- --nocapture 2>/dev/null | grep -E '^batch' || true
echo
bin="$(rustc +"${HEDGE_SBF_NIGHTLY:-nightly-2026-10-30}" --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin"
"$bin/llvm-objdump" -d --no-show-raw-insn "$so_dir/hedge_vault.so" | python3 -c '
import re, sys
offsets = sorted({int(o, 16) for line in sys.stdin for o in re.findall(r"r10 - 0x([0-9a-f]+)", line)})
locals_ = [o for o in offsets if o < 4096 - 64]
print(f"Stack: the deepest local of any function is {max(locals_)} bytes below its frame pointer "
      f"(frames are 4096 bytes); offsets {offsets[-3:]} are the outgoing-argument area.")
'
