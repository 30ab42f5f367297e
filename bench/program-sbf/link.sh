#!/usr/bin/env bash
# The linker of the whole-program SBF build (bench/program-sbf/build.sh, and
# tools/p-token/build.sh for p-token): sbpf-linker,
# with two LLVM steps in between that upstream LLVM needs for a Solana program and the
# Solana platform tools' own LLVM does itself:
#   1. lower atomics: a program is single-threaded, and SBPF v0 has no atomic
#      read-modify-write that returns a value (`Invalid usage of the XADD return
#      value`); `opt -passes=lower-atomic` makes them plain loads and stores;
#   2. read-only data with relocations (vtables, in `.data.rel.ro` under PIC) goes to
#      `.rodata`: sbpf-linker 0.2.6 only relocates into `.text` and `.rodata`.
# Dependencies that are cdylibs themselves (solana-zk-sdk) are not linked: only the
# program's object is.
set -euo pipefail
bin="$(rustc +"${HEDGE_SBF_NIGHTLY:-nightly-2026-10-30}" --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin"
args=(); out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -o) out="$2"; shift 2;;
    -o*) out="${1#-o}"; shift;;
    *) args+=("$1"); shift;;
  esac
done
case "$(basename "$out")" in
  libhedge_vault_sbf.so|libpinocchio_token_program.so) ;;
  *) : > "$out"; exit 0;;
esac
# The linked, optimized module as bitcode (sbpf-linker then fails converting it, as it
# is not an object: the bitcode is what we want).
sbpf-linker "${args[@]}" --emit llvm-bc -o "$out.linked.bc" >/dev/null 2>&1 || true
test -s "$out.linked.bc"
"$bin/opt" -passes=lower-atomic "$out.linked.bc" -o "$out.lowered.bc"
"$bin/llvm-dis" "$out.lowered.bc" -o "$out.ll"
sed -E -i '/^@.* constant .*, align [0-9]+/ { /section "/! s/(, align [0-9]+)/, section ".rodata"\1/ }' "$out.ll"
"$bin/llvm-as" "$out.ll" -o "$out.final.bc"
flags=()
for a in "${args[@]}"; do
  case "$a" in
    *.o|*.rlib|*.a|*.bc) ;;
    *) flags+=("$a");;
  esac
done
sbpf-linker "${flags[@]}" "$out.final.bc" -o "$out"
