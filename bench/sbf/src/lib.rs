//! A no_std SBF program whose instructions are the engine's operations (see
//! `scenarios.rs`). Instruction data: one byte, the scenario id; no accounts. The
//! return data is 24 bytes: the compute units the measured call consumed (u64 LE,
//! including the meter's own syscall, which the runner subtracts with scenario 0) and
//! the scenario's checksum (u128 LE), which the runner compares with a native run.
#![no_std]

use solana_compiler_builtins as _;

mod scenarios;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Unreachable in practice (the engine returns errors, never panics); an abort
    // shows up as a failed transaction in the runner.
    loop {}
}

extern "C" {
    fn sol_remaining_compute_units() -> u64;
    fn sol_set_return_data(data: *const u8, len: u64);
}

struct Cu {
    at_start: u64,
    used: u64,
}

impl scenarios::Meter for Cu {
    #[inline(never)]
    fn start(&mut self) {
        self.at_start = unsafe { sol_remaining_compute_units() };
    }
    #[inline(never)]
    fn stop(&mut self) {
        let now = unsafe { sol_remaining_compute_units() };
        self.used = self.at_start.wrapping_sub(now);
    }
}

/// # Safety
/// Called by the SBF loader with its serialized input: with no accounts, a u64
/// account count (0), the u64 data length, then the data.
#[no_mangle]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    let accounts = core::ptr::read_unaligned(input as *const u64);
    let len = core::ptr::read_unaligned(input.add(8) as *const u64);
    if accounts != 0 || len < 1 {
        return 1;
    }
    let id = *input.add(16);
    let mut cu = Cu { at_start: 0, used: 0 };
    let sum = match scenarios::run(id, &mut cu) {
        Some(Ok(sum)) => sum,
        Some(Err(_)) => return 3,
        None => return 2,
    };
    let mut out = [0u8; 24];
    out[..8].copy_from_slice(&cu.used.to_le_bytes());
    out[8..].copy_from_slice(&sum.to_le_bytes());
    sol_set_return_data(out.as_ptr(), out.len() as u64);
    0
}
