//! Third attack review of revision 6: the waiting bid (deposits in escrow pay for the
//! rate their demand moves), cancellations that keep the covered part, the cover at
//! half the tolerance, the funding base less what the vault owes, and the accrual
//! before a request. Engine-level sequences by one user controlling several wallets
//! (depositors, the longs, a holder), stakes and timing. Each test prints its
//! measurements (`--no-capture`) and asserts balances end to end.
//!
//! Tests named `fixed_*` assert the safe property; each failed on the code the review
//! attacked (a working lever, now closed: docs/SECURITY.md, "Revision 6"); `bounded_*`
//! measures what the fix leaves (a bounded over-hedge while a deposit waits);
//! `attempt_*` documents an attempt that failed. (The attempt at accruing every 600 s
//! rather than every hour compares two accrual steps: the difference is the funding
//! integrator's step, the same with or without an escrow.)

#![allow(clippy::clone_on_copy)] // explicit copies of the state read as "what if"

use std::panic::{catch_unwind, AssertUnwindSafe};

use hedge_engine::market::{DepositRequest, MarketState};
use hedge_engine::math::Rounding;
use hedge_engine::position::Position;
use hedge_engine::vault::equity_at;
use hedge_engine::{EngineError, PRICE_PRECISION};

#[path = "../common/mod.rs"]
mod common;
use common::{at, hedged_vault, prod_params, terms, Req, HOUR, ONE, P100};

mod escrow_traps;
mod rates;

/// The escrow ledger: the requests' booked amounts are the escrow plus what was
/// charged to it and not yet booked.
fn check_ledger(st: &MarketState, reqs: &[Req]) {
    let booked: u128 = reqs.iter().map(|r| u128::from(r.amount)).sum();
    assert_eq!(
        booked,
        u128::from(st.escrowed_deposits) + u128::from(st.waiting_bid.outstanding),
        "booked {booked} E {} O {}",
        st.escrowed_deposits,
        st.waiting_bid.outstanding
    );
}

// =================================================================================
// LEVER 1: lowering `max_hedge_cost` while the market is not short and a deposit
// waits makes every accrual panic (`i64::clamp` with min > max): the market is
// bricked for good (every instruction, the parameter change that would undo it and
// the settlement included, accrues first).
// =================================================================================

#[test]
fn fixed_lowering_max_hedge_cost_with_escrow_and_no_longs_bricks_accrual() {
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, _supply, mut long) = hedged_vault(p, c);
    // The attacker holds all the longs: he closes them (N = 0). The holders' own
    // rate runs to its floor: the vault is under-hedged, nothing pulls it back.
    st.execute_trade(&mut long, -(c as i64), 0, at(100)).unwrap();
    assert_eq!(st.aggregates.net_base, 0);
    for h in 1..=48 {
        st.accrue(P100, h * HOUR).unwrap();
    }
    // His deposit wallet keeps one token waiting (nothing covers it: N = 0).
    let _r = Req::new(&mut st, ONE);
    st.accrue(P100, 49 * HOUR).unwrap();
    println!(
        "own rate {} market rate {} (floor -{}), N {}, E {}",
        st.waiting_bid.own_rate,
        st.funding.rate,
        p.max_hedge_cost,
        st.aggregates.net_base,
        st.escrowed_deposits
    );
    assert_eq!(st.waiting_bid.own_rate, -p.max_hedge_cost);
    // The admin lowers the bound (public, timelocked: the attacker saw it coming and
    // arranged N = 0 with a deposit waiting). `max_hedge_cost` is in its range.
    let mut next = p;
    next.max_hedge_cost = 100_000_000; // 3.65%/yr
    assert!(next.funding_rate_target >= -next.max_hedge_cost);
    st.params = next;
    let before = st;
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut s = before;
        s.accrue(P100, 50 * HOUR).map(|_| s.funding.rate)
    }));
    println!("accrual after the change: {:?}", r.as_ref().map_err(|_| "PANIC"));
    // The safe property: the market still accrues (else nothing can ever execute,
    // cancel, trade, change parameters or settle again).
    assert!(
        matches!(r, Ok(Ok(_))),
        "the accrual panicked or failed: market bricked"
    );
}

// =================================================================================
// LEVER 2: switching revision 6 off (`hedge_tolerance = 0`, an admissible parameter
// change) with charges outstanding: the escrow no longer books them, the first
// cancellation gets back what it already paid into C, the last one is short by it and
// what it is short stays "kept" for ever (its execution underflows the escrow).
// =================================================================================

#[test]
fn fixed_turning_revision_6_off_pays_wait_charges_twice_and_strands_the_last_request() {
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, supply, _long) = hedged_vault(p, c);
    // Two deposits of 1,000 wait beside the hedged vault for 30 days (the attacker's
    // A first, an honest D), paying for the rate their demand lowers.
    let a = Req::new(&mut st, 1_000 * ONE);
    let mut d = Req::new(&mut st, 1_000 * ONE);
    for h in 1..=30 * 24 {
        st.accrue(P100, h * HOUR).unwrap();
    }
    check_ledger(&st, &[a, d]);
    let (a_left, a_owes) = st.deposit_in_escrow(a.amount, a.since).unwrap();
    let (d_left, d_owes) = st.deposit_in_escrow(d.amount, d.since).unwrap();
    println!(
        "after 30 days: E {} outstanding {}; A owes {a_owes} (left {a_left}), D owes {d_owes} (left {d_left})",
        st.escrowed_deposits, st.waiting_bid.outstanding
    );
    assert!(a_owes > 0 && d_owes > 0);
    // Revision 6 switched off.
    st.params.hedge_tolerance = 0;
    // A cancels first: every token he put in comes back, his 30 days' charges too.
    let ra = st.cancel_deposit(a.amount, a.waited, a.since).unwrap();
    println!("A kept {}", ra.kept);
    // D cancels: the escrow lacks what A took twice.
    let rd = st.cancel_deposit(d.amount, d.waited, d.since).unwrap();
    d.amount = rd.kept;
    d.since = st.waiting_bid.index;
    println!(
        "A refunded {} (put in {}), D refunded {} kept {} (put in {}); E now {}",
        ra.refunded,
        1_000 * ONE,
        rd.refunded,
        rd.kept,
        1_000 * ONE,
        st.escrowed_deposits
    );
    // D's kept rest can neither execute nor be cancelled.
    let exec = st
        .clone()
        .execute_deposit_request(supply, terms(d.amount, false, 0), at(100));
    let again = st.clone().cancel_deposit(d.amount, false, d.since);
    println!(
        "D's rest {}: execution {:?}; cancellation {:?}",
        d.amount,
        exec.map(|x| x.executed),
        again
    );
    // The safe properties: nobody gets back what he already paid into C, and the last
    // request is returned what is left of it.
    assert!(ra.refunded <= a_left, "A got back {} > {a_left}", ra.refunded);
    assert_eq!(rd.refunded, d_left, "D stranded {}", d.amount);
}

// =================================================================================
// ATTEMPT: escrow accounting under a random mix of requests, accruals, executions,
// cancellations, refusals and trades: the booked amounts always add up to the escrow
// plus what is outstanding, nothing underflows, and once every request is gone the
// escrow and the outstanding charges are zero; every token put in is returned,
// executed, or charged into C.
// =================================================================================

#[test]
fn attempt_escrow_ledger_never_drifts_under_random_sequences() {
    for seed in 1..=12u64 {
        let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut next = |m: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % m.max(1)
        };
        let p = prod_params();
        let (mut st, mut supply, mut long) = hedged_vault(p, 10_000 * ONE);
        let mut reqs: Vec<Option<Req>> = vec![None; 6];
        let (mut put, mut back, mut executed, mut charged) = (0u128, 0u128, 0u128, 0u128);
        let charged0 = st.waiting_bid.charged;
        let mut t = 0i64;
        for _ in 0..3_000 {
            let i = next(6) as usize;
            match next(7) {
                0 => {
                    if reqs[i].is_none() {
                        let amt = 1 + next(2_000 * ONE);
                        reqs[i] = Some(Req::new(&mut st, amt));
                        put += u128::from(amt);
                    }
                }
                1 => {
                    t += 1 + next(2 * HOUR as u64) as i64;
                    st.accrue(P100, t).unwrap();
                }
                2 => {
                    if let Some(r) = reqs[i] {
                        let late = if next(10) == 0 { 10_000 } else { 0 };
                        let x = st
                            .execute_deposit_request(
                                supply,
                                DepositRequest {
                                    wait_since: r.since,
                                    ..terms(r.amount, r.waited, late)
                                },
                                at(100),
                            )
                            .unwrap();
                        supply += x.shares + x.dead_shares;
                        executed += u128::from(x.executed);
                        charged += u128::from(x.wait_charge);
                        reqs[i] = (x.waiting > 0).then_some(Req {
                            amount: x.waiting,
                            waited: true,
                            since: st.waiting_bid.index,
                        });
                    }
                }
                3 => {
                    if let Some(r) = reqs[i] {
                        let rel = st.cancel_deposit(r.amount, r.waited, r.since).unwrap();
                        back += u128::from(rel.refunded);
                        charged += u128::from(rel.wait_charge);
                        reqs[i] = (rel.kept > 0).then_some(Req {
                            amount: rel.kept,
                            since: st.waiting_bid.index,
                            ..r
                        });
                    }
                }
                4 => {
                    if let Some(r) = reqs[i] {
                        if next(4) == 0 {
                            let rel = st.refund_deposit(r.amount, r.waited, r.since).unwrap();
                            back += u128::from(rel.refunded);
                            charged += u128::from(rel.wait_charge);
                            reqs[i] = None;
                        }
                    }
                }
                _ => {
                    // The longs move: open or close up to 1,500.
                    let d = next(3_000 * ONE) as i64 - 1_500 * ONE as i64;
                    let d = d.max(-long.base + ONE as i64);
                    if d != 0 {
                        let _ = st.execute_trade(&mut long, d, 0, at(100));
                    }
                }
            }
            let live: Vec<Req> = reqs.iter().flatten().copied().collect();
            check_ledger(&st, &live);
        }
        // Everything left is refused (refund returns the whole escrow).
        for r in reqs.iter_mut() {
            if let Some(q) = r.take() {
                let rel = st.refund_deposit(q.amount, q.waited, q.since).unwrap();
                back += u128::from(rel.refunded);
                charged += u128::from(rel.wait_charge);
            }
        }
        println!(
            "seed {seed}: put {put}, back {back}, executed {executed}, charged {charged} \
             (into C: {}); E {} O {} queue {}",
            st.waiting_bid.charged - charged0,
            st.escrowed_deposits,
            st.waiting_bid.outstanding,
            st.waiting_deposits
        );
        assert_eq!((st.escrowed_deposits, st.waiting_bid.outstanding), (0, 0));
        assert_eq!(put, back + executed + charged);
        assert_eq!(st.waiting_bid.charged - charged0, charged);
        assert_eq!(st.waiting_deposits, 0);
    }
}
