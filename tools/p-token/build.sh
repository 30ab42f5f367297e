#!/usr/bin/env bash
# Builds p-token (the vendored Token program, README.md here) for SBF with the same
# upstream nightly and sbpf-linker as the program's own build
# (bench/program-sbf/build.sh), and prints the path of its ELF:
# `HEDGE_TOKEN_SO=<it>` makes the bank load it at Tokenkeg... instead of the SPL Token
# 3.5 program solana-program-test bundles. no_std: only `core` and `alloc` are built,
# with compiler-builtins' memory functions (memcpy, memcmp).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
NIGHTLY="${HEDGE_SBF_NIGHTLY:-nightly-2026-10-30}"
cache="${HEDGE_SBF_CACHE:-$HOME/.cache/hedge-vault}"
"$repo/bench/sbf/build.sh" >/dev/null   # installs the nightly and sbpf-linker when missing
rustup component add rust-src llvm-tools --toolchain "$NIGHTLY" >&2
export RUSTFLAGS="-C linker=$repo/bench/program-sbf/link.sh -Zunstable-options -C panic=immediate-abort -C target-cpu=v2 \
 -C target-feature=+allows-misaligned-mem-access -C link-arg=--arch=v0 -C link-arg=--llvm-args=--bpf-stack-size=4096 \
 -C link-arg=--llvm-args=--disable-movsx -C link-arg=--llvm-args=--disable-ldsx"
export HEDGE_SBF_NIGHTLY="$NIGHTLY"
target_dir="$cache/p-token-target"
cd "$here"
cargo +"$NIGHTLY" build --release --locked -p pinocchio-token-program \
  --target "$repo/bench/sbf/sbpf-solana.json" -Z build-std=core,alloc \
  -Z build-std-features=compiler-builtins-mem -Z json-target-spec --target-dir "$target_dir" >&2
echo "$target_dir/sbpf-solana/release/libpinocchio_token_program.so"
