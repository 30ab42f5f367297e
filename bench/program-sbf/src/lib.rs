//! The hedge-vault program (its entrypoint included) linked as an SBF shared object,
//! with the soft-float and other libcalls upstream LLVM leaves to a runtime library.
extern crate hedge_vault;
extern crate solana_compiler_builtins;

pub use ::hedge_vault::ID;
