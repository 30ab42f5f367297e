//! (a)/(b) Longs timed around accruals: hopped across each, split into many, or huge a
//! second before the honest long settles.

use super::*;

// =================================================================================
// (a)/(b) A long opened just after an accrual and closed just after the next,
// every hour, beside an honest escrow: it takes its hour's bonus; the holders'
// C - owed is the run without escrow (same actions) to rounding.
// =================================================================================

pub(crate) struct HopRun {
    pub(crate) holders: i64,
    pub(crate) attacker_bonus: u64,
    pub(crate) honest_bonus: u64,
    pub(crate) charged: u64,
    pub(crate) owed_end: u64,
    pub(crate) pool_drift: i128,
}

pub(crate) fn hop_run(e: u64, size: i64, hours: i64) -> HopRun {
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

pub(crate) fn split_run(pieces: usize, total: u64, hours: i64) -> (u64, u64) {
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

pub(crate) fn huge_run(huge: i64) -> (u64, u64, u64) {
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
