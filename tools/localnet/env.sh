# Sourced by run.sh and test.sh: the cargo settings every hedge-localnet build uses.
# agave-syscalls is patched to gap-free SBPF v0 call frames (SIMD-0460) so the
# validator runs the upstream-LLVM build of the program, as program-test does in
# bench/program-sbf/test.sh; the patch goes through `--config`, so the repository's
# files name no path outside it.
localnet_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$localnet_dir/../.." && pwd)"
cache="${HEDGE_SBF_CACHE:-$HOME/.cache/hedge-vault}"
patched="$("$repo/bench/program-sbf/patched-syscalls.sh")"
localnet_cargo=(--config "patch.crates-io.agave-syscalls.path=\"$patched\"")
export CARGO_TARGET_DIR="$cache/localnet-target"

# RocksDB's bindings need libclang (clang-sys looks for an unversioned `libclang.so`
# or `libclang-*.so`; `libclang-cpp`, which some machines carry, is not it); install
# it where apt can (CI, a fresh Debian).
has_libclang() {
  [[ -n "${LIBCLANG_PATH:-}" ]] ||
    compgen -G "/usr/lib/llvm-*/lib/libclang.so" >/dev/null ||
    compgen -G "/usr/lib/x86_64-linux-gnu/libclang.so" >/dev/null ||
    compgen -G "/usr/lib/x86_64-linux-gnu/libclang-[0-9]*.so" >/dev/null
}
if ! has_libclang; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing libclang-dev for RocksDB's bindings" >&2
    sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y -q libclang-dev >&2 ||
      { $sudo_cmd apt-get update -q >&2 && $sudo_cmd apt-get install -y -q libclang-dev >&2; }
  else
    echo "hedge-localnet needs libclang (RocksDB's bindings): install your system's libclang package" >&2
    exit 1
  fi
fi
