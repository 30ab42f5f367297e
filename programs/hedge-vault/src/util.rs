//! Small runtime helpers.

/// Publishes `value` (u64 little-endian) as the instruction's return data, which
/// `simulateTransaction` returns to clients even when the instruction then fails.
/// Used to name the largest allowed amount when a withdrawal is refused.
pub fn set_return_u64(value: u64) {
    #[cfg(target_os = "solana")]
    anchor_lang::solana_program::program::set_return_data(&value.to_le_bytes());
    // Natively `solana-cpi`'s `set_return_data` is a no-op; the syscall stub that
    // solana-program-test installs is reached through `program_stubs`.
    #[cfg(not(target_os = "solana"))]
    anchor_lang::compat::solana_sysvar::program_stubs::sol_set_return_data(&value.to_le_bytes());
}

/// Logs `label` and the compute units left, with the `cu-trace` feature only (the
/// breakdown of an instruction's cost in docs/PERFORMANCE.md: `HEDGE_SBF_FEATURES=cu-trace
/// bench/program-sbf/cu-trace.sh`). Without the feature it compiles to nothing.
#[macro_export]
macro_rules! cu {
    ($label:expr) => {
        #[cfg(feature = "cu-trace")]
        $crate::util::cu_trace($label);
    };
}

#[cfg(feature = "cu-trace")]
pub fn cu_trace(label: &str) {
    anchor_lang::solana_program::log::sol_log(label);
    #[cfg(target_os = "solana")]
    // SAFETY: a syscall without arguments.
    unsafe {
        anchor_lang::compat::solana_define_syscall::definitions::sol_log_compute_units_()
    };
}
