//! Fourth attack review of revision 6: attacks on the fixes of the last commit
//! themselves: the escrow charges counted apart from the holders' funding base
//! (`WaitingBid::unhedged`) and their release in `settle_into` in proportion
//! `U * paid / owed`; the over-hedge cap's `cap_base` (escrow counted up to
//! `max(C, skew_scale)`, all of it while `C == 0`); `covered_escrow` and
//! `cancel_deposit`; `accrue_with_waiting`'s clamps and `check_deposit_bounds`.
//! One user controlling several wallets (depositors, all the longs or shorts, a
//! holder, a staker), stakes and timing. Each test prints its measurements
//! (`--no-capture`).
//!
//! `fixed_*` asserts the safe property and failed on the code attacked (the lever,
//! closed since by a gap index settled per position); `attempt_*` document attempts
//! that failed (they pass).

#![allow(clippy::clone_on_copy)]

use hedge_engine::market::DepositRequest;
use hedge_engine::position::Position;
use hedge_engine::EngineError;

mod common;
use common::{
    at, big_market, hedged_vault, matched_pair, prod_params, terms, top_up_to_target, Req, HOUR, ONE, P100,
};

// =================================================================================
// 1. `unhedged` (U) and its release `U * paid / owed`.
//
// U stands for funding the holders would have had without the escrow and that is not
// settled. It is released only by a settlement whose `paid` has the sign of the net
// `owed`. With longs and shorts both open, the net `owed` has the sign of the side
// that has not settled; settling the OTHER side (permissionless
// `position_settle_funding`) moves that side's funding into C at the market rate
// (below the own rate by the gap the escrow pays for) and never releases U. The
// holders' own base `C - U` then differs from the run without the escrow by the
// settled side's share of the gap: settling the shorts inflates it (the own rate
// falls: good for the longs), settling the longs deflates it (the own rate rises:
// good for the holders).
// =================================================================================

struct SideRun {
    /// Holders' C change once everything is settled and the escrow gone.
    dc: i64,
    /// Funding the attacker's positions received (long + long2 + short), tokens.
    att_recv: i64,
    /// What the escrow paid (wait charges).
    charges: u64,
    /// U at the end of the waiting period (before the final settlements).
    u_end: u64,
    own_end: i64,
    mkt_end: i64,
    min_own: i64,
}

/// Vault 10,000 (honest holders); the attacker holds all the longs (10,000 + `s`)
/// and a short of `s`; with `escrow`, his deposit wallet keeps `e` waiting. Each hour
/// he settles his short (`settle_short`) or his long (`settle_long`).
fn side_run(escrow: bool, e: u64, s: u64, days: i64, settle_short: bool, settle_long: bool) -> SideRun {
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, _supply, mut long) = hedged_vault(p, c);
    let (mut long2, mut short) = if s > 0 {
        matched_pair(&mut st, s)
    } else {
        (Position::default(), Position::default())
    };
    let mut att_recv = 0i64;
    top_up_to_target(&mut st, &mut long);
    let gap = st.collateral as i64 - st.aggregates.net_base as i64;
    if gap > 0 {
        st.execute_trade(&mut long, gap, 0, at(100)).unwrap();
    }
    let c_after_trades = st.collateral;
    let r = if escrow { Some(Req::new(&mut st, e)) } else { None };
    let mut min_own = i64::MAX;
    for h in 1..=days * 24 {
        st.accrue(P100, h * HOUR).unwrap();
        if settle_short && s > 0 {
            att_recv += st
                .settle_position_funding(&mut short, at(100))
                .unwrap()
                .received();
        }
        if settle_long {
            att_recv += st.settle_position_funding(&mut long, at(100)).unwrap().received();
        }
        min_own = min_own.min(st.waiting_bid.own_rate);
        if std::env::var("TRACE").is_ok() && h % 24 == 0 {
            println!(
                "  day {}: own {} mkt {} C {} N {} E {} U {}",
                h / 24,
                st.waiting_bid.own_rate,
                st.funding.rate,
                st.collateral,
                st.aggregates.net_base,
                st.escrowed_deposits,
                st.waiting_bid.owed
            );
        }
    }
    let u_end = st.waiting_bid.owed;
    let (own_end, mkt_end) = (st.waiting_bid.own_rate, st.funding.rate);
    let mut charges = 0;
    if let Some(r) = r {
        let rel = st.cancel_deposit(r.amount, r.waited, r.since).unwrap();
        // What the longs cover stays (and would execute); the rest is refunded.
        charges = e - rel.refunded - rel.kept;
    }
    att_recv += st.settle_position_funding(&mut long, at(100)).unwrap().received();
    if s > 0 {
        att_recv += st
            .settle_position_funding(&mut long2, at(100))
            .unwrap()
            .received();
        att_recv += st
            .settle_position_funding(&mut short, at(100))
            .unwrap()
            .received();
    }
    SideRun {
        dc: st.collateral as i64 - c_after_trades as i64,
        att_recv,
        charges,
        u_end,
        own_end,
        mkt_end,
        min_own,
    }
}

impl SideRun {
    fn show(&self, name: &str) {
        println!(
            "{name}: holders' dC {} ; attacker's positions received {} ; escrow paid {} ; \
             U at end {} ; own rate {} market {} (lowest own {})",
            self.dc, self.att_recv, self.charges, self.u_end, self.own_end, self.mkt_end, self.min_own
        );
    }
}

#[test]
fn fixed_settling_only_the_shorts_keeps_u_and_lowers_the_holders_own_rate() {
    let days = 30;
    let e = 10_000 * ONE;
    let mut worst = 0i64;
    for s_tokens in [10_000u64, 20_000, 50_000] {
        let s = s_tokens * ONE;
        println!("--- shorts (and extra longs) of {s_tokens}");
        let honest = side_run(false, e, s, days, false, false);
        let same0 = side_run(false, e, s, days, true, false);
        let longs0 = side_run(false, e, s, days, false, true);
        let att = side_run(true, e, s, days, true, false);
        honest.show("no escrow, nothing settled (honest)");
        same0.show("no escrow, shorts settled hourly");
        longs0.show("no escrow, longs settled hourly");
        att.show("escrow 10,000, shorts settled hourly (attack)");
        // Taker fees of the attacker's extra long and short, opened and closed.
        let fees = (4 * s / 1_000) as i64;
        let best0 = honest.att_recv.max(same0.att_recv).max(longs0.att_recv);
        let net = att.att_recv - att.charges as i64 - best0;
        println!(
            "attacker net vs his best run without escrow: {net} (less {fees} of taker fees if the \
             shorts are his); holders vs honest {} , vs the same settlements without escrow {}",
            att.dc - honest.dc,
            att.dc - same0.dc
        );
        worst = worst.max(same0.dc - att.dc);
    }
    // The safe property (PROTOCOL section 4: the holders' own rate runs "the same
    // dynamics without the escrow", "a charge never moves the holders' own rate"): with
    // the same actions, the holders end at or above the run without the escrow.
    assert!(
        worst <= days * 24 * 2,
        "holders lost up to {worst} native units to the escrow under the same settlements"
    );
}

// =================================================================================
// 3. `covered_escrow` and `cancel_deposit`: the kept part is computed over the whole
// escrow, so whoever cancels first takes back everything the others can hold. An
// attacker with his own request beside an honest one cancels first: the honest
// depositor's cancellation keeps the covered part. Does it then execute (no trap),
// and does any order of cancellations leave the longs over-hedging the vault?
// =================================================================================

#[test]
fn attempt_cancel_first_leaves_the_covered_part_to_the_honest_depositor_and_it_executes() {
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, mut supply, _long) = hedged_vault(p, c);
    let a = Req::new(&mut st, 2_000 * ONE); // attacker
    let d = Req::new(&mut st, 2_000 * ONE); // honest
                                            // The attacker's longs cover 2,000 of the escrow (within the capped over-hedge).
    let mut l2 = Position::default();
    st.deposit_margin(&mut l2, 1_000 * ONE).unwrap();
    st.execute_trade(&mut l2, 2_000 * ONE as i64, 0, at(100)).unwrap();
    let covered = st.covered_escrow().unwrap();
    let ra = st.cancel_deposit(a.amount, a.waited, a.since).unwrap();
    let rd = st.cancel_deposit(d.amount, d.waited, d.since).unwrap();
    println!(
        "covered {covered}: attacker refunded {} kept {}; honest refunded {} kept {}",
        ra.refunded, ra.kept, rd.refunded, rd.kept
    );
    assert_eq!(ra.kept, 0);
    assert_eq!(rd.kept, covered);
    // The base stays at least N / ((1 + k/2) h): no over-hedge left by the race.
    let n = st.aggregates.net_base as u128;
    let need = n * 1_000_000 / 1_005_000;
    assert!(u128::from(st.hedge_base()) + 1 >= need);
    // The honest kept part executes at its due time, whole.
    let x = st
        .execute_deposit_request(
            supply,
            DepositRequest {
                wait_since: st.waiting_bid.index,
                ..terms(rd.kept, false, 0)
            },
            at(100),
        )
        .unwrap();
    supply += x.shares;
    println!(
        "honest kept part executed {} waiting {} (supply {supply})",
        x.executed, x.waiting
    );
    assert_eq!((x.executed, x.waiting), (rd.kept, 0));
}

/// The same race with the attacker's request made refusable at execution: every
/// refusal path the owner could arrange is refused at request
/// (`check_deposit_bounds`) and the covered part executes at the tightest bound
/// allowed, for several hedge ratios and tolerances (rounding at the edge).
#[test]
fn attempt_the_tightest_allowed_bounds_never_refuse_the_covered_part() {
    for (h, k) in [
        (1_000_000u32, 10_000u32),
        (900_000, 10_000),
        (1_000_000, 1),
        (700_000, 33_333),
        (1_000_000, 3),
    ] {
        let mut p = prod_params();
        p.hedge_ratio = h;
        p.hedge_tolerance = k;
        let c = 10_000 * ONE;
        let mut st = big_market(p);
        st.request_deposit(c).unwrap();
        let mut long = Position::default();
        st.deposit_margin(&mut long, c).unwrap();
        let n = (u128::from(c) * u128::from(h) / 1_000_000) as i64 + 7;
        st.execute_trade(&mut long, n, 0, at(100)).unwrap();
        let r = 1_000_000u128;
        let guaranteed = (r * r / (r + u128::from(k / 2))) as u32;
        assert_eq!(
            st.check_deposit_bounds(guaranteed + 1, 0),
            Err(EngineError::HedgeRatioBelowMinimum)
        );
        assert_eq!(
            st.check_deposit_bounds(guaranteed, -1),
            Err(EngineError::SkewFeeAboveLimit)
        );
        st.check_deposit_bounds(guaranteed, 0).unwrap();
        let x = st.execute_deposit_request(
            0,
            DepositRequest {
                min_hedge_ratio: guaranteed,
                max_skew_fee_ratio: 0,
                ..terms(c, false, 0)
            },
            at(100),
        );
        println!(
            "h {h} k {k}: min ratio {guaranteed}: {:?}",
            x.map(|x| (x.executed, x.waiting))
        );
        assert!(x.is_ok() && x.unwrap().executed > 0);
    }
}

// =================================================================================
// 2. `cap_base`: the escrow counts whole while C == 0. Reach C == 0 on a live vault
// with holders (a long's gain takes C exactly to 0), then open longs against the
// whole escrow. Then griefing: a whale escrow ahead of an honest deposit.
// =================================================================================

#[test]
fn attempt_drain_c_to_zero_with_gains_to_reach_the_whole_escrow_cap() {
    let p = prod_params();
    let c = 100 * ONE;
    let (mut st, supply, mut h1) = hedged_vault(p, c);
    // Attacker's long: up to the capped cap on a 300 escrow of his own.
    let a = Req::new(&mut st, 300 * ONE);
    let mut long = Position::default();
    st.deposit_margin(&mut long, 1_000 * ONE).unwrap();
    let cap = 1_100 * (st.collateral + 300 * ONE) / 1_000 - st.aggregates.net_base as u64 - ONE;
    st.execute_trade(&mut long, cap as i64, 0, at(100)).unwrap();
    // His request is cancelled: the covered part stays.
    let rel = st.cancel_deposit(a.amount, a.waited, a.since).unwrap();
    println!(
        "N {} C {} kept {}",
        st.aggregates.net_base, st.collateral, rel.kept
    );
    // The price rises 40% before his kept part executes: his long closes in parts,
    // taking C toward 0 with gains.
    let up = at(140);
    let mut c_min = st.collateral;
    for _ in 0..200 {
        let part = (long.base / 50).max(ONE as i64).min(long.base);
        if part == 0 {
            break;
        }
        match st.clone().execute_trade(&mut long.clone(), -part, 0, up) {
            Ok(_) => {
                st.execute_trade(&mut long, -part, 0, up).unwrap();
            }
            Err(_) => break,
        }
        c_min = c_min.min(st.collateral);
    }
    let _ = st.settle_position_funding(&mut h1, up);
    println!(
        "after the closes at 140: C {} (min {c_min}), N {}",
        st.collateral, st.aggregates.net_base
    );
    // With C at (or near) 0 the holders' equity is gone already: a deposit into it is
    // refused (equity not positive) and returned whole.
    if st.collateral == 0 {
        let d = Req::new(&mut st, 10_000 * ONE);
        let mut l3 = Position::default();
        st.deposit_margin(&mut l3, 5_000 * ONE).unwrap();
        let big = st.execute_trade(&mut l3, 10_000 * ONE as i64, 0, up);
        println!(
            "C == 0: a long of 10,000 against the escrow: {:?}",
            big.as_ref().map(|_| ())
        );
        let x = st.execute_deposit_request(
            supply,
            DepositRequest {
                wait_since: d.since,
                ..terms(d.amount, false, 0)
            },
            up,
        );
        println!("the honest deposit's execution: {:?}", x.map(|x| x.executed));
    }
}

#[test]
fn attempt_a_whale_escrow_ahead_only_delays_an_honest_deposit() {
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, mut supply, _long) = hedged_vault(p, c);
    let a = Req::new(&mut st, 100_000 * ONE); // attacker's whale, first
    let d = Req::new(&mut st, 5_000 * ONE); // honest
                                            // Honest longs arrive for D: up to the counted cap.
    let mut l = Position::default();
    st.deposit_margin(&mut l, 5_000 * ONE).unwrap();
    let want = 5_000 * ONE as i64;
    let r = st.execute_trade(&mut l, want, 0, at(100));
    println!(
        "honest long of 5,000 with a 100,000 whale ahead: {:?}",
        r.as_ref().map(|_| ())
    );
    assert!(r.is_ok());
    // The whale executes first (oldest first) and takes the cover; D waits behind it.
    let xa = st
        .execute_deposit_request(
            supply,
            DepositRequest {
                wait_since: a.since,
                ..terms(a.amount, false, 0)
            },
            at(100),
        )
        .unwrap();
    supply += xa.shares;
    let xd = st
        .execute_deposit_request(
            supply,
            DepositRequest {
                wait_since: d.since,
                ..terms(d.amount, false, 0)
            },
            at(100),
        )
        .unwrap();
    println!(
        "whale executed {} (waiting {}), honest executed {} (waiting {}); queue {}",
        xa.executed, xa.waiting, xd.executed, xd.waiting, st.waiting_deposits
    );
    // The honest depositor can leave: nothing of his is kept (the cover went to the whale).
    let rel = st.cancel_deposit(xd.waiting, true, st.waiting_bid.index).unwrap();
    println!("honest cancel: refunded {} kept {}", rel.refunded, rel.kept);
    assert_eq!(rel.kept, 0);
}
