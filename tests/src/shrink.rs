//! Shrinking a failing random sequence to a minimal one (delta debugging, ddmin), for
//! the program-level fuzz: each step draws its choices from its own seed
//! ([`step_seed`]), so a step taken out of a sequence leaves the others' choices as
//! they were. (The engine's endurance run, `crates/hedge-engine/tests/endurance/main.rs`,
//! shrinks its own sequences the same way; the engine crate is `no_std` and cannot
//! share this file.)

use std::time::{Duration, Instant};

/// The seed of step `i` of the run seeded `seed` (splitmix64 of the pair).
pub fn step_seed(seed: u64, i: u64) -> u64 {
    let mut z = seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) | 1
}

/// A subsequence of `steps` that still fails `fails` and from which no chunk can be
/// removed (no single step, when it ran to the end), within `budget`.
pub fn ddmin(steps: Vec<u64>, fails: &mut dyn FnMut(&[u64]) -> bool, budget: Duration) -> Vec<u64> {
    let started = Instant::now();
    let mut cur = steps;
    let mut n = 2usize;
    while cur.len() >= 2 && started.elapsed() < budget {
        let chunk = cur.len().div_ceil(n);
        let mut found = None;
        for k in 0..n {
            let (lo, hi) = ((k * chunk).min(cur.len()), ((k + 1) * chunk).min(cur.len()));
            if lo >= hi {
                continue;
            }
            let rest: Vec<u64> = cur[..lo].iter().chain(&cur[hi..]).copied().collect();
            if fails(&rest) {
                found = Some(rest);
                break;
            }
        }
        match found {
            Some(rest) => {
                cur = rest;
                n = (n - 1).max(2);
            }
            None if n >= cur.len() => break,
            None => n = (2 * n).min(cur.len()),
        }
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_keeps_only_what_the_failure_needs() {
        // Fails when both 17 and 503 are present.
        let mut fails = |s: &[u64]| s.contains(&17) && s.contains(&503);
        let m = ddmin((0..1_000).collect(), &mut fails, Duration::from_secs(60));
        assert_eq!(m, vec![17, 503]);
    }
}
