#!/usr/bin/env bash
# The whole hedge-vault program built for SBF with upstream Rust, as far as that goes
# (docs/PERFORMANCE.md, "The whole program on SBF"). Prints the directory holding
# hedge_vault.so; `HEDGE_PROGRAM_SO_DIR=<it>` makes the tests load it in the bank.
#
# Upstream `std` has no `target_os = "solana"`: a copy of the pinned nightly's library
# source is patched (patch_std.py: the unsupported/no-threads implementations, no
# writable statics) and built with `-Z build-std`; anchor-lang needs std.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
NIGHTLY="${HEDGE_SBF_NIGHTLY:-nightly-2026-10-30}"
cache="${HEDGE_SBF_CACHE:-$HOME/.cache/hedge-vault}"
"$here/../sbf/build.sh" >/dev/null   # installs the nightly and sbpf-linker when missing
rustup component add rust-src llvm-tools --toolchain "$NIGHTLY" >&2
src="$cache/sbf-std/$NIGHTLY/rust"
if [[ ! -f "$src/.patched" ]]; then
  rm -rf "$src"; mkdir -p "$(dirname "$src")"
  cp -r "$(rustc +"$NIGHTLY" --print sysroot)/lib/rustlib/src/rust" "$src"
  python3 "$here/patch_std.py" "$src/library" >&2
  touch "$src/.patched"
fi
export RUSTFLAGS="-C linker=$here/link.sh -Zunstable-options -C panic=immediate-abort -C target-cpu=v2 \
 -C target-feature=+allows-misaligned-mem-access -C link-arg=--arch=v0 -C link-arg=--llvm-args=--bpf-stack-size=4096 \
 -C link-arg=--llvm-args=--disable-movsx -C link-arg=--llvm-args=--disable-ldsx"
export HEDGE_SBF_NIGHTLY="$NIGHTLY"
target_dir="$cache/sbf-program-target"
cd "$here"
features="${HEDGE_SBF_FEATURES:-}"
__CARGO_TESTS_ONLY_SRC_ROOT="$src/library" cargo +"$NIGHTLY" build --release --locked \
  --target ../sbf/sbpf-solana.json -Z build-std=std -Z json-target-spec --target-dir "$target_dir" \
  ${features:+--features "$features"} >&2
out="$target_dir/so${features:+-$features}"
mkdir -p "$out"
cp "$target_dir/sbpf-solana/release/libhedge_vault_sbf.so" "$out/hedge_vault.so"
echo "$out"
