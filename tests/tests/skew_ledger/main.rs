//! Revision 5 through the real bank (PROTOCOL section 4, "The skew ledger", section 5,
//! invariant 9): one named test per attack class the review of revision 4 found, each
//! asserting where every token went. Revision 4 paid a trade's rise to the insurance
//! fund and its fall out of `C`, charged forced closes nothing, let an exit capped by
//! its equity be rebated in full to the other side, let a stake catch the fund's
//! income at once and leave the moment its order was in. Now every rise paid goes
//! into the skew ledger `K`, every rebate comes out of `K` only, what was not paid is
//! unfunded and rebated to nobody, and the fund's income unlocks.
//!
//! `cargo test -p hedge-tests --test skew_ledger`.

use hedge_engine::math::Rounding;
use hedge_engine::requests::RequestKind;
use hedge_engine::skew::SkewPoint;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::{Market, Stake};

mod legs;
mod locked_income;
mod sandwiches;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

fn point(m: &Market) -> SkewPoint {
    SkewPoint {
        net_base: m.net_base,
        collateral: m.collateral,
    }
}

/// The potential's rise from `a` to `b` as the ledger charges it (negative: a fall).
fn rise(m: &Market, a: SkewPoint, b: SkewPoint) -> i128 {
    let p = m.risk_params();
    b.potential(&p, Rounding::Ceil).unwrap() as i128 - a.potential(&p, Rounding::Floor).unwrap() as i128
}

async fn funded_trader(h: &mut Harness, margin: u64) -> User {
    let t = h.user(margin).await;
    h.trader(&t, margin).await;
    t
}

/// A two-way market (`Setup::two_way`) whose `vault`-token vault an honest long has
/// brought to its target: the skew within a few units of 0, the ledger holding what
/// the first deposit paid in and the long was not rebated.
async fn hedged(mut setup: Setup, vault: u64) -> (Harness, User) {
    setup.params.max_position_usd = setup.params.max_open_interest_usd;
    let mut h = Harness::new(setup).await;
    let lp = h.user(vault).await;
    h.deposit(&lp, vault).await;
    let honest = funded_trader(&mut h, vault).await;
    for _ in 0..4 {
        let m = h.market_state().await;
        let x = point(&m).skew(&m.risk_params()).unwrap();
        if x.abs() < 1_000 {
            break;
        }
        h.trade(&honest, -x as i64).await;
    }
    h.check_invariants().await;
    (h, honest)
}

/// The skew ledger kept at least what it had at `m0`, counting what it released into
/// `C` (the shareholders' surplus) as kept: nothing of it went to the traders.
fn ledger_kept(m: &Market, m0: &Market) -> bool {
    u128::from(m.skew_ledger) + (m.skew_released - m0.skew_released) >= u128::from(m0.skew_ledger)
}

/// Everything a user holds in tokens: wallet and margin.
async fn holdings(h: &mut Harness, u: &User) -> i128 {
    let wallet = i128::from(h.token_balance(u.token).await);
    let pos = h
        .anchor_account_opt::<hedge_vault::state::Position>(position_pda(&h.market, &u.key()))
        .await
        .map_or(0, |p| i128::from(p.margin));
    wallet + pos
}
