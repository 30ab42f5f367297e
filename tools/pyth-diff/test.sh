#!/usr/bin/env bash
# The engine's Pyth decoders against the official SDKs (tests/diff.rs), in this
# tool's own workspace (its Solana tree stays out of the README's builds). The target
# directory: $PYTH_DIFF_TARGET, else ~/.cache/hedge-vault/pyth-diff-target.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${PYTH_DIFF_TARGET:-$HOME/.cache/hedge-vault/pyth-diff-target}"
cargo fmt -- --check
cargo test --locked --release
