//! (a)/(c) Liquidation and ADL of a long with an unpaid bonus, the owed residue of
//! the last long, and depth with tiny and huge longs and escrows.

use super::*;

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
pub(crate) fn depth_run(e: u64, long: i64, days: i64) -> (u64, u64, u64, u64) {
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
