//! Sixth attack review of revision 6 (after b8c7c47): can `wait_owed` make an exit
//! fail? Found: `C` held the longs' unpaid bonus (`owed`), but a trader's profitable
//! close was paid out of the whole `C`, so `C` could fall below `owed` while the vault
//! was solvent (the winners' gains matched by the losers' margins, not yet realized);
//! a long then settling its bonus took it out of `C` first, before its own loss
//! refilled `C`: `MathOverflow` on every long's close, settlement and liquidation.
//! Fixed: what is owed to the longs is a ledger of its own, apart from `C` (PROTOCOL
//! section 4), which no payment out of `C` can reach. Each test asserts the safe
//! property (an exit never refused).

#![allow(clippy::clone_on_copy)]

use hedge_engine::market::MarketState;
use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::Position;
use hedge_engine::PRICE_PRECISION;

mod common;
use common::{at, hedged_vault, prod_params, terms, top_up_to_target, Req, HOUR, ONE};

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

/// A long `b` and a short `s` of `size` each, margins `mb` and `ms`, opened in
/// steps of 500 tokens, the short first (the over-hedge cap).
fn pair(st: &mut MarketState, size: u64, mb: u64, ms: u64) -> (Position, Position) {
    let (mut b, mut s) = (Position::default(), Position::default());
    st.deposit_margin(&mut b, mb).unwrap();
    st.deposit_margin(&mut s, ms).unwrap();
    let step = 500 * ONE;
    let mut done = 0;
    while done < size {
        let d = step.min(size - done);
        st.execute_trade(&mut s, -(d as i64), 0, at(100)).unwrap();
        st.execute_trade(&mut b, d as i64, 0, at(100)).unwrap();
        done += d;
    }
    (b, s)
}

/// The attacker's short takes its gain out of `C` in one partial close leaving
/// `leave` tokens in `C` (the largest close `C` can pay, found by bisection).
fn drain_c(st: &mut MarketState, s: &mut Position, usd: u128, t: i64, leave: u64) -> i64 {
    let (mut lo, mut hi) = (0i64, -s.base);
    while hi - lo > 1_000 {
        let mid = (lo + hi) / 2;
        let mut trial = *st;
        let mut sp = *s;
        match trial.execute_trade(&mut sp, mid, 0, px(usd, t)) {
            Ok(_) if trial.collateral >= leave => lo = mid,
            _ => hi = mid,
        }
    }
    st.execute_trade(s, lo, 0, px(usd, t)).unwrap();
    lo
}

struct Setup {
    st: MarketState,
    a: Position,
    b: Position,
    s: Position,
    t: i64,
}

/// A 1,000-token vault hedged by an honest long `a` (topped up to the target, so
/// the own rate sits near its positive target and the longs pay funding); an
/// honest long `b` of 10,000 (margin 3,000) beside the attacker's short `s` of
/// 10,000; the attacker's 30,000 tokens wait in escrow for 10 days (the longs'
/// rate at its floor, the bonus ~0.07%/day); nobody settles the longs.
fn setup() -> Setup {
    let p = prod_params();
    let (mut st, _supply, mut a) = hedged_vault(p, 1_000 * ONE);
    let (b, s) = pair(&mut st, 10_000 * ONE, 3_000 * ONE, 10_000 * ONE);
    top_up_to_target(&mut st, &mut a);
    let r = Req::new(&mut st, 30_000 * ONE);
    let days = 10;
    for h in 1..=days * 24 {
        acc(&mut st, 100, h * HOUR);
    }
    let t = days * 24 * HOUR;
    // The attacker takes his escrow back; the part the longs cover stays and
    // executes (anyone executes a due deposit), so nothing is left in escrow that
    // could refill C later.
    let rel = st.cancel_deposit(r.amount, r.waited, r.since).unwrap();
    if rel.kept > 0 {
        let x = st
            .execute_deposit_request(
                _supply,
                hedge_engine::market::DepositRequest {
                    wait_since: st.waiting_bid.index,
                    ..terms(rel.kept, false, 0)
                },
                at(100),
            )
            .unwrap();
        assert_eq!(x.waiting, 0);
    }
    assert_eq!(st.escrowed_deposits, 0);
    println!(
        "escrow cancelled: refunded {} kept {} charge {}",
        rel.refunded, rel.kept, rel.wait_charge
    );
    println!(
        "own rate {} longs' rate {} gap index {} owed {} C {} escrow {}",
        st.waiting_bid.own_rate,
        st.funding.rate,
        st.waiting_bid.gap_index,
        st.waiting_bid.owed,
        st.collateral,
        st.escrowed_deposits
    );
    Setup { st, a, b, s, t }
}

#[test]
fn fixed_a_winners_close_cannot_take_what_is_owed_and_a_losing_long_exits() {
    let Setup {
        mut st,
        mut a,
        mut b,
        mut s,
        t,
    } = setup();
    let owed = st.waiting_bid.owed;
    let b_bonus = st.waiting_bid.bonus_of(b.base, b.gap_snapshot).unwrap();
    let a_bonus = st.waiting_bid.bonus_of(a.base, a.gap_snapshot).unwrap();
    println!(
        "after 10 days: C {} owed {owed} (b's bonus {b_bonus}, a's {a_bonus}), long base {}",
        st.collateral, st.aggregates.long_base
    );
    // The price falls 15%: the attacker's short is up ~1,765 tokens, the honest long
    // b down as much (margin 3,000: equity 1,235 above maintenance 500), the vault (short the net
    // long of a) up.
    let t1 = t + 60;
    acc(&mut st, 85, t1);
    let c_before = st.collateral;
    let closed = drain_c(&mut st, &mut s, 85, t1, ONE);
    let equity = hedge_engine::vault::equity_at(
        &st.vault_view(0),
        85 * PRICE_PRECISION,
        hedge_engine::math::Rounding::Floor,
    )
    .unwrap();
    println!(
        "attacker's short closes {} of 10,000: C {c_before} -> {} (owed {}), vault equity (C - owed - claims) {equity}",
        closed as f64 / ONE as f64,
        st.collateral,
        st.waiting_bid.owed
    );
    assert!(equity > 0, "the vault is solvent");
    // b, the honest long, closes at a loss (it would bring ~1,765 tokens into C).
    let t2 = t1 + 60;
    acc(&mut st, 85, t2);
    let mut st_b = st;
    let close_b = st_b.execute_trade(&mut b.clone(), -b.base, 0, px(85, t2));
    println!(
        "b closes its losing long: {:?}",
        close_b.as_ref().map(|x| x.wait_bonus)
    );
    // a, the honest hedge, closes too.
    let mut st_a = st;
    let close_a = st_a.execute_trade(&mut a.clone(), -a.base, 0, px(85, t2));
    println!("a closes: {:?}", close_a.as_ref().map(|x| x.wait_bonus));
    // Even settling b's funding alone.
    let mut st_s = st;
    let settle_b = st_s.settle_position_funding(&mut b.clone(), px(85, t2));
    println!("settle b: {settle_b:?}");
    assert!(
        close_b.is_ok() && close_a.is_ok() && settle_b.is_ok(),
        "an exit refused while the vault is solvent: b close {:?}, a close {:?}, settle b {:?} (C {} < owed {})",
        close_b.map(|_| ()),
        close_a.map(|_| ()),
        settle_b.map(|_| ()),
        st.collateral,
        st.waiting_bid.owed
    );
    let _ = (&mut a, &mut b);
}

#[test]
fn fixed_a_drained_c_does_not_block_the_liquidation_of_a_losing_long() {
    let Setup {
        mut st,
        a: _a,
        b,
        mut s,
        t,
    } = setup();
    let t1 = t + 60;
    acc(&mut st, 85, t1);
    drain_c(&mut st, &mut s, 85, t1, ONE);
    println!("C {} owed {}", st.collateral, st.waiting_bid.owed);
    // The price falls on: b (margin 3,000 on 10,000 at 100) is under water
    // by ~3,333 and must be liquidated; every tick it waits is bad debt.
    let mut last = None;
    for (i, usd) in [80u128, 75, 70, 65].into_iter().enumerate() {
        let ti = t1 + 60 * (i as i64 + 1);
        acc(&mut st, usd, ti);
        let mut trial = st;
        let mut bp = b.clone();
        let r = trial.liquidate(&mut bp, px(usd, ti), px(usd, ti));
        println!(
            "price {usd}: liquidation of b {:?} (C {}, owed {})",
            r.as_ref().map(|l| (l.outcome.bad_debt, l.wait_bonus)),
            st.collateral,
            st.waiting_bid.owed
        );
        if r.is_ok() {
            let _ = (trial, bp);
            last = Some(usd);
            break;
        }
        last = None;
        let _ = r;
    }
    assert!(
        last.is_some(),
        "b could not be liquidated at any price down to 65"
    );
}
