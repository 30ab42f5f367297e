#!/usr/bin/env bash
# Builds and starts hedge-localnet: the program's SBF build (bench/program-sbf/build.sh,
# unless --program names another, e.g. anchor's target/deploy/hedge_vault.so) on the
# Agave test validator at http://127.0.0.1:8899. Arguments go to hedge-localnet
# (--help lists them).
#
#   tools/localnet/run.sh [--prices data/ETH-USD.csv --step-seconds 60]
set -euo pipefail
source "$(dirname "$0")/env.sh"
args=("$@")
if [[ " ${args[*]-} " != *" --program "* ]]; then
  so_dir="$("$repo/bench/program-sbf/build.sh" | tail -1)"
  args+=(--program "$so_dir/hedge_vault.so")
fi
cd "$localnet_dir"
cargo build --locked --release "${localnet_cargo[@]}" >&2
exec "$CARGO_TARGET_DIR/release/hedge-localnet" "${args[@]}"
