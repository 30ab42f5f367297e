"""Patches a copy of the Rust standard library source for `target_os = "solana"`.

Upstream std knows no such OS: the build stops in `cfg_select!`s that have no arm for
it. Each patch adds "solana" where the other single-threaded, OS-less targets (zkvm,
wasm, uefi) are: the no-threads thread-locals, the generic I/O errors, the unsupported
random source; an allocator module for `System` (a Solana program's global allocator
is the entrypoint's); `MIN_ALIGN` for bpf; std's supported-target list (no
`restricted_std`); and fixed hash keys instead of a thread-local (SBPF has no
writable static data). What Solana's own Rust fork does in the same places.

    python3 patch_std.py <copy of lib/rustlib/src/rust/library>
"""
import os, sys

root = os.path.expanduser(sys.argv[1])
def patch(rel, old, new, count=1):
    p=os.path.join(root,rel)
    s=open(p).read()
    if new in s: return
    assert old in s, (rel, old[:60])
    s=s.replace(old,new,count)
    open(p,'w').write(s)
def write(rel, text):
    open(os.path.join(root,rel),'w').write(text)
A='std/src/sys/alloc/mod.rs'
patch(A,'    target_arch = "hexagon",\n','    target_arch = "hexagon",\n    target_arch = "bpf",\n')
patch(A,'''    target_os = "zkvm" => {
        mod zkvm;
        use zkvm as imp;
    }
}''','''    target_os = "zkvm" => {
        mod zkvm;
        use zkvm as imp;
    }
    target_os = "solana" => {
        mod solana;
        use solana as imp;
    }
}''')
patch(A,'any(target_os = "hermit", target_os = "solid_asp3", target_os = "uefi", target_os = "zkvm") => {','any(target_os = "hermit", target_os = "solid_asp3", target_os = "uefi", target_os = "zkvm", target_os = "solana") => {')
write('std/src/sys/alloc/solana.rs','''//! Solana programs bring their own global allocator (the entrypoint's bump allocator
//! over the heap region); `System` has nothing to allocate from.
use crate::alloc::Layout;

#[inline]
pub unsafe fn alloc(_layout: Layout) -> *mut u8 {
    crate::ptr::null_mut()
}

#[inline]
pub unsafe fn dealloc(_ptr: *mut u8, _layout: Layout) {}

#[inline]
pub unsafe fn realloc(ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
    unsafe { super::realloc_fallback(ptr, layout, new_size) }
}
''')
patch('std/src/sys/io/error/mod.rs','any(target_os = "vexos", target_family = "wasm", target_os = "zkvm", target_os = "trusty") => {','any(target_os = "vexos", target_family = "wasm", target_os = "zkvm", target_os = "trusty", target_os = "solana") => {')
patch('std/src/sys/thread_local/mod.rs','''        target_os = "zkvm",
        target_os = "trusty",
        target_os = "vexos",
    ) => {
        mod no_threads;''','''        target_os = "zkvm",
        target_os = "trusty",
        target_os = "vexos",
        target_os = "solana",
    ) => {
        mod no_threads;''')
patch('std/src/sys/thread_local/mod.rs','''            target_os = "zkvm",
            target_os = "trusty",
            target_os = "vexos",
        ) => {
            pub(crate) fn enable() {''','''            target_os = "zkvm",
            target_os = "trusty",
            target_os = "vexos",
            target_os = "solana",
        ) => {
            pub(crate) fn enable() {''')
R='std/src/sys/random/mod.rs'
patch(R,'''        target_os = "vexos",
        target_os = "l4re",
    ) => {
        // FIXME: finally remove std support for wasm32-unknown-unknown''','''        target_os = "vexos",
        target_os = "l4re",
        target_os = "solana",
    ) => {
        // FIXME: finally remove std support for wasm32-unknown-unknown''')
patch(R,'''    target_os = "vexos",
    target_os = "l4re",
)))]
pub fn hashmap_random_keys()''','''    target_os = "vexos",
    target_os = "l4re",
    target_os = "solana",
)))]
pub fn hashmap_random_keys()''')
patch('std/build.rs','''        || target_os == "xous"''','''        || target_os == "xous"
        || target_os == "solana"''')
# Solana has no writable static data: the hash keys are fixed (a program's iteration
# order is deterministic anyway).
patch('std/src/hash/random.rs','''    pub fn new() -> RandomState {
        // Historically''','''    pub fn new() -> RandomState {
        #[cfg(target_os = "solana")]
        {
            return RandomState { k0: 0, k1: 0 };
        }
        // Historically''')
print("patched std for target_os = \"solana\"")
