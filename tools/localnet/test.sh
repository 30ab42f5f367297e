#!/usr/bin/env bash
# Builds what the localnet integration test needs and runs it: the program's SBF
# build (bench/program-sbf/build.sh), the `hedge` binary, then hedge-localnet's tests,
# which drive the binary through JSON-RPC (docs/LOCALNET.md).
set -euo pipefail
main_target="${CARGO_TARGET_DIR:-}"
source "$(dirname "$0")/env.sh"
so_dir="$("$repo/bench/program-sbf/build.sh" | tail -1)"
(cd "$repo" && CARGO_TARGET_DIR="${main_target:-$repo/target}" cargo build --locked -p hedge-cli --bin hedge >&2)
export HEDGE_BIN="${main_target:-$repo/target}/debug/hedge"
export HEDGE_PROGRAM_SO="$so_dir/hedge_vault.so"
cd "$localnet_dir"
# Release: a debug build of the validator makes slots of seconds on two cores, and
# the node then serves confirmed transactions late.
cargo test --release --locked "${localnet_cargo[@]}" -- --nocapture
