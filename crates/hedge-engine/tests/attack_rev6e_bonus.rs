//! Sixth attack review of revision 6 (after b8c7c47): the longs' bonus in tokens
//! (`wait_gap_index`, `wait_owed`). One user with several wallets (depositors,
//! longs, shorts), the timing, who settles when, positions opened, closed, split
//! and flipped around accruals. Every instruction accrues first (as the program
//! does): the tests call `accrue` before each action. Each test prints its
//! measurements (`--nocapture`) and asserts the safe property.

#![allow(clippy::clone_on_copy)]

use hedge_engine::funding::GAP_INDEX_PRECISION;
use hedge_engine::market::MarketState;
use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::Position;
use hedge_engine::PRICE_PRECISION;

mod common;
use common::{at, big_market, hedged_vault, prod_params, terms, top_up_to_target, Req, HOUR, ONE, P100};

fn px(usd: u128, t: i64) -> OraclePrice {
    OraclePrice {
        price: usd * PRICE_PRECISION,
        conf: 0,
        publish_time: t,
    }
}

fn acc(st: &mut MarketState, usd: u128, t: i64) {
    st.observe(&px(usd, t));
    st.accrue(usd * PRICE_PRECISION, t).unwrap();
}

/// Everything in the market's token accounts: `C`, the escrow, what is owed to the
/// longs, the margins, the insurance fund, the skew ledger `K`.
fn pool(st: &MarketState) -> i128 {
    st.collateral as i128
        + st.escrowed_deposits as i128
        + st.waiting_bid.owed as i128
        + st.total_margin
        + st.insurance as i128
        + st.skew.balance as i128
}

fn close(
    st: &mut MarketState,
    p: &mut Position,
    o: OraclePrice,
) -> hedge_engine::EngineResult<hedge_engine::market::TradeExecution> {
    let d = -p.base;
    st.execute_trade(p, d, 0, o)
}

fn open(st: &mut MarketState, margin: u64, base: i64) -> Position {
    let mut p = Position::default();
    st.deposit_margin(&mut p, margin).unwrap();
    st.execute_trade(&mut p, base, 0, at(100)).unwrap();
    p
}

/// A 10,000-token vault hedged by honest `a` (topped up to the target) and a
/// request of `e` tokens in escrow at t = 0.
fn base_market(e: u64) -> (MarketState, u64, Position, Option<Req>) {
    let (mut st, supply, mut a) = hedged_vault(prod_params(), 10_000 * ONE);
    top_up_to_target(&mut st, &mut a);
    let r = (e > 0).then(|| Req::new(&mut st, e));
    (st, supply, a, r)
}

// =================================================================================
// (a) A new position, a flip, a long opened after the gap index grew: no history.
// =================================================================================

#[test]
fn attempt_a_new_or_flipped_long_claims_none_of_the_history() {
    let (mut st, _s, mut a, _r) = base_market(30_000 * ONE);
    // The attacker's short, opened at t = 0 (snapshot 0), never settled.
    let mut f = open(&mut st, 2_000 * ONE, -(400 * ONE as i64));
    assert_eq!(f.gap_snapshot, 0);
    let days = 10;
    for h in 1..=days * 24 {
        acc(&mut st, 100, h * HOUR);
    }
    let g = st.waiting_bid.gap_index;
    let owed0 = st.waiting_bid.owed;
    let t = days * 24 * HOUR;
    // A brand new account (gap_snapshot 0 while G has grown) opens a long.
    let mut n = Position::default();
    assert_eq!(n.gap_snapshot, 0);
    st.deposit_margin(&mut n, 1_000 * ONE).unwrap();
    let x = st
        .execute_trade(&mut n, 1_000 * ONE as i64, 0, px(100, t))
        .unwrap();
    // The old short flips to a long of 400 in one trade.
    let y = st.execute_trade(&mut f, 800 * ONE as i64, 0, px(100, t)).unwrap();
    println!(
        "G {g} (owed {owed0}): new long's bonus at open {} (snapshot {}), flipped short's {} (snapshot {})",
        x.wait_bonus, n.gap_snapshot, y.wait_bonus, f.gap_snapshot
    );
    assert_eq!((x.wait_bonus, y.wait_bonus), (0, 0));
    assert_eq!((n.gap_snapshot, f.gap_snapshot), (g, g));
    // One hour on: each takes only that hour's bonus.
    acc(&mut st, 100, t + HOUR);
    let dg = st.waiting_bid.gap_index - g;
    let bn = st
        .settle_position_funding(&mut n, px(100, t + HOUR))
        .unwrap()
        .bonus;
    let bf = st
        .settle_position_funding(&mut f, px(100, t + HOUR))
        .unwrap()
        .bonus;
    let ba = st
        .settle_position_funding(&mut a, px(100, t + HOUR))
        .unwrap()
        .bonus;
    let exp = |b: i64| (b as u128 * dg as u128 / GAP_INDEX_PRECISION as u128) as u64;
    println!(
        "next hour dG {dg}: new long {bn} (base*dG {}), flipped {bf} ({}), honest a (10 days) {ba}",
        exp(n.base),
        exp(f.base)
    );
    assert_eq!((bn, bf), (exp(n.base), exp(f.base)));
}

// =================================================================================
// (a)/(b) A long opened just after an accrual and closed just after the next,
// every hour, beside an honest escrow: it takes its hour's bonus; the holders'
// C - owed is the run without escrow (same actions) to rounding.
// =================================================================================

struct HopRun {
    holders: i64,
    attacker_bonus: u64,
    honest_bonus: u64,
    charged: u64,
    owed_end: u64,
    pool_drift: i128,
}

fn hop_run(e: u64, size: i64, hours: i64) -> HopRun {
    let (mut st, _s, mut a, r) = base_market(e);
    let h0 = st.collateral as i64 - st.waiting_bid.owed as i64;
    let charged0 = st.waiting_bid.charged;
    let mut m = Position::default();
    st.deposit_margin(&mut m, 5_000 * ONE).unwrap();
    let pool0 = pool(&st);
    let mut attacker_bonus = 0;
    for h in 1..=hours {
        let t = h * HOUR;
        acc(&mut st, 100, t);
        if m.base != 0 {
            let x = close(&mut st, &mut m, px(100, t)).unwrap();
            attacker_bonus += x.wait_bonus;
        }
        // Reopen in the same second, after the accrual: held until the next one.
        if h < hours {
            let x = st.execute_trade(&mut m, size, 0, px(100, t)).unwrap();
            attacker_bonus += x.wait_bonus;
        }
    }
    let t = hours * HOUR;
    if let Some(r) = r {
        let rel = st.cancel_deposit(r.amount, r.waited, r.since).unwrap();
        assert_eq!(rel.kept, 0, "kept");
    }
    let honest_bonus = st.settle_position_funding(&mut a, px(100, t)).unwrap().bonus;
    HopRun {
        holders: st.collateral as i64 - st.waiting_bid.owed as i64 - h0,
        attacker_bonus,
        honest_bonus,
        charged: (st.waiting_bid.charged - charged0) as u64,
        owed_end: st.waiting_bid.owed,
        pool_drift: pool(&st) - pool0 - e as i128,
    }
}

#[test]
fn attempt_hop_a_long_across_each_accrual() {
    let hours = 5 * 24;
    let mut worst = 0i64;
    for (e, size) in [
        (3_000 * ONE, 500 * ONE as i64),
        (30_000 * ONE, 900 * ONE as i64),
        (30_000 * ONE, -(900 * ONE as i64)),
    ] {
        let base = hop_run(0, size, hours);
        let att = hop_run(e, size, hours);
        let d = att.holders - base.holders;
        println!(
            "escrow {} hop {}: charged {} ; attacker bonus {} + honest a {} = {} ; owed left {} ; holders vs no escrow {d} ; pool drift {}",
            e / ONE,
            size / ONE as i64,
            att.charged,
            att.attacker_bonus,
            att.honest_bonus,
            att.attacker_bonus + att.honest_bonus,
            att.owed_end,
            att.pool_drift
        );
        assert!(
            att.attacker_bonus + att.honest_bonus <= att.charged,
            "bonuses above the charges"
        );
        assert_eq!(
            att.charged,
            att.attacker_bonus
                + att.honest_bonus
                + att.owed_end
                + (att.charged - att.attacker_bonus - att.honest_bonus - att.owed_end)
        );
        worst = worst.max(-d);
    }
    // The holders: at or above the run without escrow, to the accruals' rounding.
    assert!(worst <= hours * 8, "holders paid {worst} for the hops");
}

// =================================================================================
// (a) One long against the same base split into many, each settled every hour:
// the rounding down per settlement.
// =================================================================================

fn split_run(pieces: usize, total: u64, hours: i64) -> (u64, u64) {
    let (mut st, _s, _a, _r) = base_market(30_000 * ONE);
    let each = total / pieces as u64;
    let mut ps: Vec<Position> = (0..pieces)
        .map(|_| open(&mut st, ONE.max(each), each as i64))
        .collect();
    let charged0 = st.waiting_bid.charged;
    let mut got = 0;
    for h in 1..=hours {
        let t = h * HOUR;
        acc(&mut st, 100, t);
        for p in ps.iter_mut() {
            got += st.settle_position_funding(p, px(100, t)).unwrap().bonus;
        }
    }
    (got, (st.waiting_bid.charged - charged0) as u64)
}

#[test]
fn attempt_split_a_long_into_many_for_the_rounding() {
    let hours = 48;
    let (one, c1) = split_run(1, 100 * ONE, hours);
    let (many, c2) = split_run(1_000, 100 * ONE, hours);
    let (dust, c3) = split_run(1_000, 1_000 * 1_000_000, hours); // 1,000 of the minimum size
    println!("100 tokens in 1 long: bonus {one} (charged {c1}); in 1,000 longs: {many} (charged {c2}); 1,000 minimum longs: {dust} (charged {c3})");
    assert!(many <= one, "splitting gained {} over one long", many - one);
}

// =================================================================================
// (a) A huge long opened one second before the honest long settles its 10 days.
// =================================================================================

fn huge_run(huge: i64) -> (u64, u64, u64) {
    let (mut st, _s, mut a, _r) = base_market(30_000 * ONE);
    let days = 10;
    for h in 1..=days * 24 {
        acc(&mut st, 100, h * HOUR);
    }
    let t = days * 24 * HOUR;
    let mut hp = Position::default();
    if huge > 0 {
        st.deposit_margin(&mut hp, 5_000 * ONE).unwrap();
        // In steps (the over-hedge cap counts the escrow up to max(C, skew_scale)).
        let mut done = 0;
        while done < huge {
            let d = (huge - done).min(1_000 * ONE as i64);
            if st.execute_trade(&mut hp, d, 0, px(100, t)).is_err() {
                break;
            }
            done += d;
        }
    }
    acc(&mut st, 100, t + 1);
    let ba = st.settle_position_funding(&mut a, px(100, t + 1)).unwrap().bonus;
    let bh = if hp.base > 0 {
        st.settle_position_funding(&mut hp, px(100, t + 1)).unwrap().bonus
    } else {
        0
    };
    (ba, bh, hp.base as u64)
}

#[test]
fn attempt_a_huge_long_opened_a_second_before_the_settlement() {
    let (alone, _, _) = huge_run(0);
    let (with, huge, base) = huge_run(9_000 * ONE as i64);
    println!("honest a's 10 days: {alone} alone, {with} with a huge long of {} opened 1 s before; the huge long took {huge}", base / ONE);
    // The huge long's one second: at most its base times a second at the deepest
    // gap (own - floor <= max_funding_rate + max_hedge_cost per day).
    let p = prod_params();
    let cap = base as u128 * (p.max_funding_rate + p.max_hedge_cost) as u128 / 86_400 / 1_000_000_000_000 + 1;
    assert!(u128::from(huge) <= cap, "huge long took {huge} > {cap}");
    assert!(
        with + 2 >= alone,
        "honest a lost {} to the huge long",
        alone - with
    );
}

// =================================================================================
// (a)/(c) Liquidation and ADL of a long with an unpaid bonus.
// =================================================================================

#[test]
fn attempt_liquidate_a_long_with_an_unpaid_bonus() {
    let (mut st, _s, mut a, _r) = base_market(30_000 * ONE);
    // The attacker's leveraged long beside an honest short (the vault stays hedged).
    let mut s = open(&mut st, 2_000 * ONE, -(1_000 * ONE as i64));
    let mut l = open(&mut st, 120 * ONE, 1_000 * ONE as i64);
    let pool0 = pool(&st);
    let days = 10;
    for h in 1..=days * 24 {
        acc(&mut st, 100, h * HOUR);
    }
    let t = days * 24 * HOUR;
    let owed = st.waiting_bid.owed;
    let mut due = 0;
    let mut liq = None;
    for (i, usd) in [95u128, 92, 90, 89, 88, 87, 86, 85].into_iter().enumerate() {
        let ti = t + 60 * (i as i64 + 1);
        acc(&mut st, usd, ti);
        if st
            .clone()
            .liquidate(&mut l.clone(), px(usd, ti), px(usd, ti))
            .is_ok()
        {
            due = st.waiting_bid.bonus_of(l.base, l.gap_snapshot).unwrap();
            let x = st.liquidate(&mut l, px(usd, ti), px(usd, ti)).unwrap();
            liq = Some((usd, x.wait_bonus, x.outcome.bad_debt, x.outcome.closed));
            break;
        }
    }
    println!(
        "owed {owed}, the long's unpaid bonus {due}; liquidation (price, bonus, bad debt, closed): {liq:?}; owed after {}",
        st.waiting_bid.owed
    );
    let (_, bonus, _, _) = liq.expect("liquidated");
    assert_eq!(bonus, due);
    // What the other longs may still claim fits in what is owed.
    let rest = st.waiting_bid.bonus_of(a.base, a.gap_snapshot).unwrap()
        + st.waiting_bid.bonus_of(l.base, l.gap_snapshot).unwrap();
    assert!(rest <= st.waiting_bid.owed);
    let t2 = t + 3_600;
    acc(&mut st, 85, t2);
    if l.base != 0 {
        close(&mut st, &mut l, px(85, t2)).unwrap();
    }
    close(&mut st, &mut a, px(85, t2)).unwrap();
    close(&mut st, &mut s, px(85, t2)).unwrap();
    acc(&mut st, 85, t2 + 1);
    println!(
        "all closed: owed {} (long base {}), pool drift {}",
        st.waiting_bid.owed,
        st.aggregates.long_base,
        pool(&st) - pool0
    );
    assert_eq!(st.waiting_bid.owed, 0);
}

#[test]
fn attempt_deleverage_a_long_with_an_unpaid_bonus() {
    // A small vault over-hedged by longs against the escrow's counted part, the price
    // rises until the vault is in breach; every long is deleveraged in turn.
    let (mut st, _s, mut a) = hedged_vault(prod_params(), 1_000 * ONE);
    top_up_to_target(&mut st, &mut a);
    let r = Req::new(&mut st, 5_000 * ONE);
    let mut longs = vec![a];
    for _ in 0..40 {
        let mut p = Position::default();
        st.deposit_margin(&mut p, 200 * ONE).unwrap();
        if st.execute_trade(&mut p, 50 * ONE as i64, 0, at(100)).is_ok() {
            longs.push(p);
        }
    }
    for h in 1..=5 * 24 {
        acc(&mut st, 100, h * HOUR);
    }
    let t = 5 * 24 * HOUR;
    let _ = st.cancel_deposit(r.amount, r.waited, r.since).unwrap();
    let owed = st.waiting_bid.owed;
    let mut got = 0u64;
    let mut n_adl = 0;
    let mut errors = Vec::new();
    println!(
        "C {} N {} owed {}",
        st.collateral, st.aggregates.net_base, st.waiting_bid.owed
    );
    for (i, usd) in [110u128, 120, 130, 140, 150, 170, 200, 250, 300]
        .into_iter()
        .enumerate()
    {
        let ti = t + 60 * (i as i64 + 1);
        acc(&mut st, usd, ti);
        for l in longs.iter_mut() {
            if l.base == 0 {
                continue;
            }
            match st.deleverage(l, px(usd, ti), px(usd, ti)) {
                Ok(x) => {
                    got += x.wait_bonus;
                    n_adl += 1;
                }
                Err(hedge_engine::EngineError::VaultNotInBreach) => {}
                Err(e) => {
                    // The same deleveraging without the bonus: is the bonus the cause?
                    let (mut s2, mut l2) = (st, *l);
                    l2.gap_snapshot = s2.waiting_bid.gap_index;
                    let without = s2.deleverage(&mut l2, px(usd, ti), px(usd, ti)).map(|_| ());
                    println!(
                        "price {usd}: deleverage of a long of {} refused {e:?} (C {}, owed {}, its bonus {}); without its bonus: {without:?}",
                        l.base,
                        st.collateral,
                        st.waiting_bid.owed,
                        st.waiting_bid.bonus_of(l.base, l.gap_snapshot).unwrap()
                    );
                    if without.is_ok() {
                        errors.push((usd, e));
                    }
                }
            }
        }
    }
    println!(
        "{} longs, owed {owed}; {n_adl} deleveraged, bonus paid {got}; owed after {}; errors {errors:?}",
        longs.len(),
        st.waiting_bid.owed
    );
    assert!(n_adl > 0, "no breach reached");
    assert!(errors.is_empty(), "deleveraging refused: {errors:?}");
}

// =================================================================================
// (d)/(e) The last long closes: what is owed becomes income. Who captures it?
// =================================================================================

#[test]
fn attempt_capture_the_owed_residue_by_closing_the_last_long() {
    let (mut st, supply, mut a, r) = base_market(30_000 * ONE);
    // The attacker's dust longs (the minimum size), never settled.
    let mut dust: Vec<Position> = (0..200).map(|_| open(&mut st, ONE, 1_000_000)).collect();
    for h in 1..=10 * 24 {
        acc(&mut st, 100, h * HOUR);
    }
    let t = 10 * 24 * HOUR;
    let r = r.unwrap();
    let _ = st.cancel_deposit(r.amount, r.waited, r.since).unwrap();
    let charged = st.waiting_bid.charged;
    let v0 =
        hedge_engine::vault::value_of_shares_floor(&st.vault_view(supply), &px(100, t), supply / 10).unwrap();
    let mut bonus = close(&mut st, &mut a, px(100, t)).unwrap().wait_bonus;
    for d in dust.iter_mut() {
        bonus += close(&mut st, d, px(100, t)).unwrap().wait_bonus;
    }
    let owed = st.waiting_bid.owed;
    // What would be locked a second later without the release.
    let locked_then = st.profit.at(t + 1).unwrap().locked;
    let v_then = {
        let mut s2 = st;
        s2.profit = s2.profit.at(t + 1).unwrap();
        s2.waiting_bid.owed = owed; // as it is
        hedge_engine::vault::value_of_shares_floor(&s2.vault_view(supply), &px(100, t + 1), supply / 10)
            .unwrap()
    };
    acc(&mut st, 100, t + 1);
    let locked1 = st.profit.locked;
    let v1 = hedge_engine::vault::value_of_shares_floor(&st.vault_view(supply), &px(100, t + 1), supply / 10)
        .unwrap();
    println!(
        "charged {charged}, bonuses {bonus}, owed residue at long base 0: {owed} -> {}; locked {locked_then} -> {locked1} (+{}); \
         a tenth of the shares {v0} at t, {v_then} a second later without the release, {v1} with it",
        st.waiting_bid.owed,
        locked1 as i64 - locked_then as i64
    );
    // The residue is rounding (one native unit per accrual and per settlement) and
    // it is locked, not a step in the share value.
    assert!(owed <= 240 * 2 + 201 + 8, "residue {owed}");
    assert!(locked1 + 1 >= locked_then + owed, "the residue is not locked");
    assert!(v1 <= v_then + 1, "share value stepped {v_then} -> {v1}");
}

// =================================================================================
// (e) The depth max_hedge_cost * E / L with L tiny or huge, E tiny.
// =================================================================================

/// A vault hedged by one long of `long` (the vault is what it covers, or 10,000
/// tokens hedged by `a` when `long` is 0) and an honest escrow `e` waiting `days`.
fn depth_run(e: u64, long: i64, days: i64) -> (u64, u64, u64, u64) {
    let (mut st, mut l) = if long == 0 {
        let (st, _s, a, _r) = base_market(0);
        (st, a)
    } else {
        let mut st = big_market(prod_params());
        let mut l = Position::default();
        st.deposit_margin(&mut l, ONE.max(long as u64)).unwrap();
        st.request_deposit(2 * long as u64).unwrap();
        st.execute_trade(&mut l, long, 0, at(100)).unwrap();
        let x = st
            .execute_deposit_request(0, terms(2 * long as u64, false, 0), at(100))
            .unwrap();
        let _ = st.cancel_deposit(x.waiting, true, st.waiting_bid.index).unwrap();
        (st, l)
    };
    let w = Req::new(&mut st, e);
    for h in 1..=days * 24 {
        acc(&mut st, 100, h * HOUR);
    }
    let t = days * 24 * HOUR;
    let rel = st.cancel_deposit(w.amount, w.waited, w.since).unwrap();
    let b = st.settle_position_funding(&mut l, px(100, t)).unwrap().bonus;
    (e - rel.kept, rel.wait_charge, b, st.waiting_bid.owed)
}

#[test]
fn attempt_depth_with_tiny_and_huge_longs_and_escrows() {
    let p = prod_params();
    let days = 10;
    let mut worst = 0f64;
    for (e, long) in [
        (3_000 * ONE, 1_000_000i64), // the minimum long (0.001), a large escrow
        (300_000 * ONE, 1_000_000),  // a huge escrow against it
        (3_000 * ONE, 0),            // the 10,000-token vault's long
        (1_000, 0),                  // a dust escrow
        (1, 0),                      // one native unit
        (1, 1_000_000),              // one native unit against the minimum long
    ] {
        let (waiting, charge, bonus, owed) = depth_run(e, long, days);
        // Each token in escrow pays at most max_hedge_cost a day (the PROTOCOL's
        // "a year" is per year of the rate), plus a native unit per accrual.
        let cap = waiting as u128 * p.max_hedge_cost as u128 * days as u128 / 1_000_000_000_000;
        let ratio = charge as f64 / waiting.max(1) as f64;
        println!(
            "escrow {waiting}, long {}: charge {charge} ({:.4}% of the escrow; cap {cap} + rounding), bonus {bonus}, owed left {owed}",
            if long == 0 { 10_000 * ONE as i64 } else { long },
            ratio * 100.0
        );
        if waiting >= 1_000_000 {
            worst = worst.max(charge as f64 / cap.max(1) as f64);
        }
        assert!(
            u128::from(charge) <= cap + (days * 24) as u128 + 1 || waiting < 1_000_000,
            "charge {charge} above {cap}"
        );
    }
    println!("largest charge / cap for real escrows: {worst:.3}");
}

/// A near-empty market: a holder's `c` tokens hedged by the attacker's long of
/// `long`; the attacker warms a gap up with a request of 100 tokens for a day, then
/// cycles requests of `k` native units, each charged by the next second's accrual
/// and cancelled then (two wallets alternate: one charge a second). Returns the
/// wait index and gap index growth a second and what the attacker paid.
fn index_cycles(long: i64, k: u64, cycles: i64) -> (f64, f64, u64, u64) {
    let mut st = big_market(prod_params());
    let mut l = Position::default();
    st.deposit_margin(&mut l, ONE.max(long as u64)).unwrap();
    let c = long as u64;
    st.request_deposit(c).unwrap();
    st.execute_trade(&mut l, long, 0, at(100)).unwrap();
    let x = st
        .execute_deposit_request(0, terms(c, false, 0), at(100))
        .unwrap();
    if x.waiting > 0 {
        let _ = st.cancel_deposit(x.waiting, true, st.waiting_bid.index).unwrap();
    }
    let big = Req::new(&mut st, 100 * ONE);
    let mut t = 0;
    for _ in 0..24 {
        t += HOUR;
        acc(&mut st, 100, t);
    }
    let _ = st.cancel_deposit(big.amount, big.waited, big.since).unwrap();
    let i0 = st.waiting_bid.index;
    let g0 = st.waiting_bid.gap_index;
    let mut paid = 0u64;
    let mut req = Req::new(&mut st, k);
    for _ in 0..cycles {
        t += 1;
        acc(&mut st, 100, t);
        let rel = st.cancel_deposit(req.amount, req.waited, req.since).unwrap();
        paid += rel.wait_charge;
        req = Req::new(&mut st, k);
    }
    let di = (st.waiting_bid.index - i0) as f64 / cycles as f64;
    let dg = (st.waiting_bid.gap_index - g0) as f64 / cycles as f64;
    (di, dg, paid, st.waiting_bid.index)
}

#[test]
fn fixed_one_unit_requests_do_not_grow_the_wait_index() {
    let cycles = 20_000i64;
    let mut shortest = f64::INFINITY;
    for (long, k) in [
        (1_000_000i64, 1u64),  // the minimum long
        (ONE as i64 / 2, 1),   // half a token of longs
        (10 * ONE as i64, 19), // 10 tokens: the smallest k with max_hedge_cost * k / L >= 1
        (10_000 * ONE as i64, 18_249),
    ] {
        let (di, dg, paid, idx) = index_cycles(long, k, cycles);
        let years = if di > 0.0 {
            (u64::MAX - idx) as f64 / di / 86_400.0 / 365.0
        } else {
            f64::INFINITY
        };
        let g_years = if dg > 0.0 {
            u64::MAX as f64 / dg / 86_400.0 / 365.0
        } else {
            f64::INFINITY
        };
        println!(
            "longs {long}, requests of {k}: wait index +{di:.0} a second (u64 overflow in {years:.2} years of cycles, \
             paying {paid} native units per {cycles}), gap index +{dg:.0} a second (overflow in {g_years:.0} years)"
        );
        shortest = shortest.min(years).min(g_years);
    }
    assert!(
        shortest >= 100.0,
        "an index overflows in {shortest:.2} years of cycles"
    );
}

/// The consequence, had the index reached its edge (state set directly): the
/// accrual every instruction runs first failed, refusing every exit. Kept as a record
/// of why the growth bound above matters: with each escrowed token charged at most
/// `max_hedge_cost` a year, rounded down, the index grows at most that (6,342 at 1e12
/// a second at 20% a year): 92 million years to the edge.
#[test]
fn consequence_an_index_at_its_edge_would_fail_every_accrual() {
    let (mut st, _s, mut a, _r) = base_market(3_000 * ONE);
    acc(&mut st, 100, HOUR);
    st.waiting_bid.index = u64::MAX - 1;
    let r = st.clone().accrue(P100, 2 * HOUR);
    let mut st2 = st;
    let close = close(&mut st2, &mut a, px(100, 2 * HOUR));
    println!(
        "accrual at the edge: {:?}; the close without it: {:?}",
        r.map(|_| ()),
        close.map(|_| ())
    );
    assert!(r.is_err());
}
