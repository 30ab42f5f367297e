//! Endurance: long random sequences of every economic step of the program, on the
//! engine's `MarketState` (the methods each instruction calls), with random amounts,
//! prices, confidences, times and actors. After every step (PROTOCOL section 7):
//! - token conservation: tokens in minus tokens out equal `C + sum(margin) + escrowed
//!   deposits + insurance`;
//! - zero-sum and the ledgers: the positions' margins, bases (long, short, net) and
//!   entry notionals sum to the market's aggregates; locked vault shares and insurance
//!   shares match their ledgers;
//! - no free value: a deposit's shares are never worth more than the deposit at once;
//! - the waterfall: nothing is socialized while the insurance fund has tokens;
//! - exits are never refused: a margin withdrawal of the withdrawable amount, an
//!   executed vault withdrawal, an unstake and the close of an empty position pass;
//! - no price choice: every execution uses the price of its step, given once.
//!
//! `HEDGE_ENDURANCE_STEPS` sets the length (default 20,000, what CI runs) and
//! `HEDGE_ENDURANCE_SEED` the seed; a failure is shrunk to a minimal sequence (no
//! single step can be left out), printed with the command that replays it
//! (`HEDGE_ENDURANCE_REPLAY=step,step,...`). The long run:
//!
//!   HEDGE_ENDURANCE_STEPS=1000000 cargo test --release -p hedge-engine --test endurance -- --nocapture

use hedge_engine::market::MarketState;
use hedge_engine::oracle::{OracleLimits, OraclePrice};
use hedge_engine::params::RiskParams;
use hedge_engine::position::{unrealized_pnl_quote, Position, Units};
use hedge_engine::requests::cancels_request;
use hedge_engine::vault::value_of_shares_floor;
use hedge_engine::PRICE_PRECISION;

mod steps;
mod world;

use world::*;

const ONE: u64 = 1_000_000_000;
const TRADERS: usize = 8;
const HOLDERS: usize = 4;
const STAKERS: usize = 2;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The random choices of step `i` of the run seeded `seed`: each step has its own, so
/// a step taken out of a sequence leaves the others' choices as they were (what the
/// shrinking below relies on).
fn step_rng(seed: u64, i: u64) -> Rng {
    // splitmix64 of the pair.
    let mut z = seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    Rng((z ^ (z >> 31)) | 1)
}

/// An extra check after every step (tests of the shrinking use one).
type Extra = dyn Fn(&World, &Tally) -> Result<(), String>;

/// Plays the steps numbered `steps` of the run seeded `seed` on a new market; the
/// first failure: its position in `steps` and the message. With `log`, a line per
/// step played.
fn replay(
    seed: u64,
    steps: &[u64],
    extra: &Extra,
    t: &mut Tally,
    mut log: Option<&mut Vec<String>>,
) -> Result<(), (usize, String)> {
    let mut w = World::new();
    for (pos, &i) in steps.iter().enumerate() {
        let stepped = w.step(&mut step_rng(seed, i), t);
        let res = stepped.clone().and_then(|_| w.check()).and_then(|_| extra(&w, t));
        if let Some(log) = log.as_deref_mut() {
            log.push(format!(
                "step {i}: {} (price {:.4}, C {}, insurance {}){}",
                match &stepped {
                    Ok((kind, ok)) => format!("{} {}", NAMES[*kind], if *ok { "ok" } else { "refused" }),
                    Err(e) => format!("failed: {e}"),
                },
                w.price as f64 / PRICE_PRECISION as f64,
                w.st.collateral,
                w.st.insurance,
                match (&stepped, &res) {
                    (Ok(_), Err(e)) => format!(" <- {e}"),
                    _ => String::new(),
                }
            ));
        }
        if let Err(e) = res {
            return Err((pos, e));
        }
        t.steps = pos as u64 + 1;
    }
    Ok(())
}

/// The invariant an error message names (the text before its first colon).
fn invariant(e: &str) -> &str {
    e.split(':').next().unwrap_or(e)
}

/// Delta debugging (ddmin): a subsequence of `steps` that still fails `fails` and from
/// which no single step can be removed, within `budget`.
fn shrink(steps: Vec<u64>, fails: &dyn Fn(&[u64]) -> bool, budget: std::time::Duration) -> Vec<u64> {
    let started = std::time::Instant::now();
    let mut cur = steps;
    let mut n = 2usize;
    while cur.len() >= 2 && started.elapsed() < budget {
        let chunk = cur.len().div_ceil(n);
        // The first chunk whose removal still fails, if any.
        let found = (0..n).find_map(|k| {
            let (lo, hi) = ((k * chunk).min(cur.len()), ((k + 1) * chunk).min(cur.len()));
            let rest: Vec<u64> = cur[..lo].iter().chain(&cur[hi..]).copied().collect();
            (lo < hi && fails(&rest)).then_some(rest)
        });
        let reduced = found.is_some();
        if let Some(rest) = found {
            cur = rest;
            n = (n - 1).max(2);
        }
        if !reduced {
            if n >= cur.len() {
                break;
            }
            n = (2 * n).min(cur.len());
        }
    }
    cur
}

/// Runs `steps` from `seed`; on failure returns the message, the failing sequence
/// shrunk to a minimal one, and the command that replays it.
fn run(seed: u64, steps: u64, extra: &Extra) -> Result<Tally, String> {
    let mut t = Tally::default();
    let all: Vec<u64> = match std::env::var("HEDGE_ENDURANCE_REPLAY") {
        Ok(list) => list.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) => (0..steps).collect(),
    };
    let Err((pos, e)) = replay(seed, &all, extra, &mut t, None) else {
        return Ok(t);
    };
    let failing = all[..=pos].to_vec();
    let what = invariant(&e).to_string();
    let fails = |s: &[u64]| matches!(replay(seed, s, extra, &mut Tally::default(), None), Err((_, e2)) if invariant(&e2) == what);
    let minimal = shrink(failing, &fails, std::time::Duration::from_secs(60));
    // The minimal sequence, step by step, as it replays.
    let mut lines = Vec::new();
    let _ = replay(seed, &minimal, extra, &mut Tally::default(), Some(&mut lines));
    let list: Vec<String> = minimal.iter().map(u64::to_string).collect();
    Err(format!(
        "seed {seed}, step {}: {e}\nminimal failing sequence ({} of {} steps):\n  {}\nreplay: HEDGE_ENDURANCE_SEED={seed} HEDGE_ENDURANCE_REPLAY={}",
        all[pos],
        minimal.len(),
        pos + 1,
        lines.join("\n  "),
        list.join(",")
    ))
}

#[test]
fn random_sequences_keep_every_invariant() {
    let steps = env("HEDGE_ENDURANCE_STEPS", 20_000);
    let seed = env("HEDGE_ENDURANCE_SEED", 2);
    let started = std::time::Instant::now();
    let t = run(seed, steps, &|_, _| Ok(())).unwrap_or_else(|e| panic!("{e}"));
    let per_kind: Vec<String> = NAMES
        .iter()
        .enumerate()
        .map(|(k, n)| format!("{n}: {} ok / {} refused", t.ok[k], t.refused[k]))
        .collect();
    println!(
        "endurance: {} steps clean (seed {seed}) in {:.1} s\n  {}\n  liquidations {}, bad debt {}, socialized {}, deleveraged {}\n  trade refusals: {:?}",
        t.steps,
        started.elapsed().as_secs_f64(),
        per_kind.join("\n  "),
        t.liquidations,
        t.bad_debt,
        t.socialized,
        t.deleveraged,
        t.trade_refusals
    );
    if std::env::var_os("HEDGE_ENDURANCE_REPLAY").is_none() {
        assert_eq!(t.steps, steps);
    }
    // The sequence did real work: every kind of step was accepted at least once.
    for (k, n) in NAMES.iter().enumerate() {
        assert!(t.ok[k] > 0, "{n} never accepted in {steps} steps");
    }
    assert!(t.liquidations > 0, "no liquidation in {steps} steps");
    // And kept doing it: the market never got stuck refusing every trade.
    assert!(
        t.ok[6] >= steps / 1_000,
        "only {} trades accepted in {steps} steps",
        t.ok[6]
    );
}

/// The checks can fail: a ledger nudged by one unit is caught.
#[test]
fn a_ledger_off_by_one_unit_is_caught() {
    let mut w = World::new();
    assert_eq!(w.check(), Ok(()));
    w.st.collateral += 1;
    assert!(w.check().unwrap_err().starts_with("conservation"));
    w.st.collateral -= 1;
    w.traders[0].margin += 1;
    assert!(w.check().unwrap_err().starts_with("aggregates"));
}

/// Shrinking finds the steps a failure needs: here, one that fails only when three
/// given elements are all present.
#[test]
fn shrinking_keeps_only_what_the_failure_needs() {
    let fails = |s: &[u64]| [17, 400, 901].iter().all(|x| s.contains(x));
    let m = shrink((0..1_000).collect(), &fails, std::time::Duration::from_secs(60));
    assert_eq!(m, vec![17, 400, 901]);
}

/// A failure of the real run prints a minimal sequence that replays it: an extra
/// check that fails after the first liquidation needs the steps that build and
/// breach a position, not the hundreds before it.
#[test]
fn a_failure_prints_a_minimal_sequence_that_replays_it() {
    let after_a_liquidation: &Extra = &|_, t| {
        if t.liquidations > 0 {
            Err("liquidated: the test's extra check".into())
        } else {
            Ok(())
        }
    };
    let e = run(0x5eed, 20_000, after_a_liquidation).unwrap_err();
    println!("{e}");
    let first: usize = e["seed 24301, step ".len()..]
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let list = e.rsplit("HEDGE_ENDURANCE_REPLAY=").next().unwrap();
    let minimal: Vec<u64> = list.split(',').map(|x| x.trim().parse().unwrap()).collect();
    assert!(minimal.len() < 15 && minimal.len() * 10 < first, "{e}");
    // It fails, and without any one of its steps it does not.
    let fails = |s: &[u64]| replay(0x5eed, s, after_a_liquidation, &mut Tally::default(), None).is_err();
    assert!(fails(&minimal));
    for k in 0..minimal.len() {
        let mut less = minimal.clone();
        less.remove(k);
        assert!(!fails(&less), "step {} was not needed", minimal[k]);
    }
}
