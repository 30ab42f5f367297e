//! One-native-unit requests and the wait index.

use super::*;

/// A near-empty market: a holder's `c` tokens hedged by the attacker's long of
/// `long`; the attacker warms a gap up with a request of 100 tokens for a day, then
/// cycles requests of `k` native units, each charged by the next second's accrual
/// and cancelled then (two wallets alternate: one charge a second). Returns the
/// wait index and gap index growth a second and what the attacker paid.
pub(crate) fn index_cycles(long: i64, k: u64, cycles: i64) -> (f64, f64, u64, u64) {
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
