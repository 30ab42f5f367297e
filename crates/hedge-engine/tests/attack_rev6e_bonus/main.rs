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

#[path = "../common/mod.rs"]
mod common;
use common::{at, big_market, hedged_vault, prod_params, terms, top_up_to_target, Req, HOUR, ONE, P100};

mod owed;
mod timing;
mod wait_index;

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
