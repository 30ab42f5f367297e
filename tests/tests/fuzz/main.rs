//! Random instruction sequences through the real bank (PROTOCOL section 7: "test them;
//! fuzz them"), with an adversarial owner. Users request deposits, withdrawals,
//! trades, margin withdrawals and unstakes; a keeper executes every due request (at
//! the unique price of its due time, however late), liquidates and deleverages what
//! the engine says is due; owners cancel; the price moves, sometimes by a lot, and
//! time passes, sometimes a day; the guardian pauses and resumes; the admin proposes,
//! cancels and applies parameters across the timelock; traders close flat positions
//! and open them again. The adversary is a holder, trader and staker at once who,
//! after requesting, closes and re-creates his token and share accounts, has his token
//! account frozen and thawed, makes his wallet executable and back, leaves his
//! requests for a day, tries to cancel after the due time, adds margin to a pending
//! order, and claims what was held for him. With an accomplice's wallet he opens
//! neutral pairs at high leverage and liquidates his own legs once a move allows it
//! (revision 5: a forced close pays its rise, what it cannot is unfunded).
//!
//! After every step: token conservation (7.1) and zero-sum (7.2) against every ledger
//! (claims included); every refusal is a named error; and invariant 8: every execution
//! of a due request succeeds whatever its owner did, and its outcome (shares minted,
//! tokens paid, the position after, or the refusal) is the one the engine computes from
//! the market's state and the due time's price; no request is cancelled at or after
//! its due time. A failure is shrunk to a minimal sequence of steps that still fails
//! the same check, printed with the command that replays it:
//!
//!     HEDGE_FUZZ_SEED=<seed> HEDGE_FUZZ_REPLAY=<step,step,...> cargo test -p hedge-tests --test fuzz

use std::panic::AssertUnwindSafe;

use anchor_lang::prelude::Pubkey;
use anchor_spl::token::spl_token;
use hedge_engine::market::MarketState;
use hedge_engine::oracle::{accept_price_at, OraclePrice, OracleUse};
use hedge_engine::position::{is_liquidatable, is_risk_reducing, MarketView};
use hedge_engine::requests::{cancels_request, RequestKind};
use hedge_engine::EngineError;
use hedge_tests::builders::*;
use hedge_tests::shrink::{ddmin, step_seed};
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::{Position, ProposalKind, Request, Stake};
use hedge_vault::HedgeError;
use solana_keypair::Keypair;
use solana_signer::Signer;

mod adversary;
mod keeper;
mod step;
mod world;

use adversary::*;
use keeper::*;
use step::*;
use world::*;

const ONE: u64 = 1_000_000_000;

/// Plays steps `steps` of the run seeded `seed` on a new world, checking everything
/// after each; the first failure, with its position in `steps`.
fn replay(setup: Setup, seed: u64, steps: &[u64]) -> Result<Tally, (usize, Failure)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let steps = steps.to_vec();
    let res = std::panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async move {
            let mut w = World::new(setup).await;
            let mut t = Tally::default();
            for (pos, &i) in steps.iter().enumerate() {
                let mut rng = Rng(step_seed(seed, i));
                let one = std::panic::AssertUnwindSafe(async {
                    step(&mut w, &mut rng, &mut t).await?;
                    w.h.check_invariants().await;
                    Ok::<(), Failure>(())
                });
                if let Err(f) = one.await {
                    return Err((pos, f));
                }
            }
            Ok(t)
        })
    }));
    match res {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            // A panic is an assertion of the harness (the invariants): its first line
            // names it.
            Err((
                usize::MAX,
                Failure {
                    check: "invariants",
                    message: msg,
                },
            ))
        }
    }
}

/// Runs `steps` steps from `seed`; on failure, shrinks the sequence to a minimal one
/// that still fails the same check and panics with it and the command to replay it.
fn run(setup: Setup, test: &str, seed: u64, steps: u64) -> Tally {
    let all: Vec<u64> = match std::env::var("HEDGE_FUZZ_REPLAY") {
        Ok(list) => list.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) => (0..steps).collect(),
    };
    let (pos, f) = match replay(setup, seed, &all) {
        Ok(t) => return t,
        Err(e) => e,
    };
    let failing = if pos == usize::MAX {
        all.clone()
    } else {
        all[..=pos].to_vec()
    };
    let check = f.check;
    let mut fails = |s: &[u64]| matches!(replay(setup, seed, s), Err((_, g)) if g.check == check);
    let minimal = ddmin(failing.clone(), &mut fails, std::time::Duration::from_secs(120));
    let list: Vec<String> = minimal.iter().map(u64::to_string).collect();
    panic!(
        "seed {seed}: {check}: {}\nminimal failing sequence: {} of {} steps\nreplay: HEDGE_FUZZ_SEED={seed} HEDGE_FUZZ_REPLAY={} cargo test -p hedge-tests --test fuzz {test}",
        f.message,
        minimal.len(),
        failing.len(),
        list.join(",")
    );
}

/// The seed in `HEDGE_FUZZ_SEED`, or these.
fn seeds_or(default: &[u64]) -> Vec<u64> {
    match std::env::var("HEDGE_FUZZ_SEED") {
        Ok(s) => vec![s.parse().expect("a seed")],
        Err(_) => default.to_vec(),
    }
}

#[test]
fn random_sequences_with_an_adversarial_owner_keep_every_invariant() {
    let seeds = seeds_or(&[1, 2, 3, 4]);
    let mut total = Tally::default();
    for seed in seeds.iter().copied() {
        let t = run(
            Setup::default(),
            "random_sequences_with_an_adversarial_owner_keep_every_invariant",
            seed,
            600,
        );
        println!("seed {seed}: {t:?}");
        total.executed += t.executed;
        total.execution_refusals += t.execution_refusals;
        total.late_executions += t.late_executions;
        total.held += t.held;
        total.claims += t.claims;
        total.owner_cancels += t.owner_cancels;
        total.cancels_refused_after_due += t.cancels_refused_after_due;
        total.liquidations += t.liquidations;
        total.deleveraged += t.deleveraged;
        total.pauses += t.pauses;
        total.applied += t.applied;
        total.closes += t.closes;
        total.adversary_moves += t.adversary_moves;
    }
    println!("total: {total:?}");
    if seeds.len() > 1 {
        // The sequences did real work: requests filled and were refused at their
        // due time's price, some executed long after it, payments were held and
        // claimed, owners cancelled before the due time and were refused after it,
        // positions were liquidated and deleveraged, the guardian paused, proposals
        // were applied, flat positions closed, and the adversary moved.
        assert!(total.executed > 40, "{total:?}");
        assert!(total.execution_refusals > 0, "{total:?}");
        assert!(total.late_executions > 0, "{total:?}");
        assert!(total.held > 0 && total.claims > 0, "{total:?}");
        assert!(
            total.owner_cancels > 0 && total.cancels_refused_after_due > 0,
            "{total:?}"
        );
        assert!(total.liquidations > 0, "{total:?}");
        assert!(total.deleveraged > 0, "{total:?}");
        assert!(
            total.pauses > 0 && total.applied > 0 && total.closes > 0,
            "{total:?}"
        );
        assert!(total.adversary_moves > 20, "{total:?}");
    }
}

/// The same sequences on a market with revision 4's hedge control: the two-way skew
/// potential on every trade, deposit and withdrawal, funding pulled to its target,
/// and income unlocked over ten minutes (so executions meet the lock part-way). Every
/// execution must still do what the engine computes, and every invariant hold.
#[test]
fn random_sequences_on_a_two_way_market_keep_every_invariant() {
    let seeds = seeds_or(&[11, 12]);
    let mut total = Tally::default();
    for seed in seeds.iter().copied() {
        let t = run(
            Setup::two_way(600),
            "random_sequences_on_a_two_way_market_keep_every_invariant",
            seed,
            600,
        );
        println!("seed {seed}: {t:?}");
        total.executed += t.executed;
        total.execution_refusals += t.execution_refusals;
        total.skew_fees += t.skew_fees;
        total.rebates += t.rebates;
        total.liquidations += t.liquidations;
        total.adversary_moves += t.adversary_moves;
        total.own_leg_liquidations += t.own_leg_liquidations;
        total.unfunded += t.unfunded;
    }
    println!("total: {total:?}");
    if seeds.len() > 1 {
        // The potential was paid and rebated, through all three kinds of execution;
        // the adversary liquidated his own legs.
        assert!(total.executed > 40, "{total:?}");
        assert!(total.skew_fees > 10 && total.rebates > 5, "{total:?}");
        assert!(total.adversary_moves > 20, "{total:?}");
        assert!(total.own_leg_liquidations > 0, "{total:?}");
    }
}
