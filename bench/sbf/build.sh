#!/usr/bin/env bash
# Builds bench/sbf (the engine's operations as a no_std SBF program) with upstream
# Rust nightly, build-std and sbpf-linker: no Solana platform tools needed. Prints the
# path of the .so. Installs the pinned nightly and sbpf-linker when missing.
#
#   bench/sbf/build.sh            # build, print the .so path
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
NIGHTLY="${HEDGE_SBF_NIGHTLY:-nightly-2026-10-30}"
SBPF_LINKER_VERSION=0.2.6

if ! rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1; then
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src >&2
fi
if ! rustup component list --toolchain "$NIGHTLY" --installed 2>/dev/null | grep -q rust-src; then
  rustup component add rust-src --toolchain "$NIGHTLY" >&2
fi
if ! command -v sbpf-linker >/dev/null 2>&1 || [[ "$(sbpf-linker --version 2>/dev/null)" != *"$SBPF_LINKER_VERSION"* ]]; then
  cargo +"$NIGHTLY" install sbpf-linker --version "$SBPF_LINKER_VERSION" --locked >&2
fi

target_dir="${HEDGE_SBF_TARGET_DIR:-$HOME/.cache/hedge-vault/sbf-target}"
export RUSTFLAGS="-C linker=sbpf-linker -C target-cpu=v2 -C target-feature=+allows-misaligned-mem-access \
 -C link-arg=--arch=v0 -C link-arg=--llvm-args=--bpf-stack-size=4096 \
 -C link-arg=--llvm-args=--disable-movsx -C link-arg=--llvm-args=--disable-ldsx"
cd "$here"
cargo +"$NIGHTLY" build --release --locked --target sbpf-solana.json \
  -Z build-std=core,alloc -Z json-target-spec --target-dir "$target_dir" >&2
echo "$target_dir/sbpf-solana/release/libhedge_engine_sbf_bench.so"
