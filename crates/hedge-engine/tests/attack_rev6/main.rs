//! Attack review of revision 6 (PROTOCOL section 3 "A deposit executes against a
//! hedge that exists", section 4 funding floor): engine-level sequences by one user
//! controlling several wallets. Each test prints its measurements (run with
//! `-- --nocapture`) and asserts the attacker's and the pools' balances end to end.

#![allow(clippy::clone_on_copy)] // explicit copies of the state read as "what if"

use hedge_engine::market::{DepositRequest, MarketState, WithdrawRequest};
use hedge_engine::math::Rounding;
use hedge_engine::params::RiskParams;
use hedge_engine::position::Position;
use hedge_engine::vault::{equity_at, value_of_shares_floor};
use hedge_engine::{EngineError, PRICE_PRECISION};

#[path = "../common/mod.rs"]
mod common;
use common::{at, big_market as market, hedged_vault, prod_params, terms, NO_BOUND, ONE};

mod free_request;
mod waiting_deposit;

/// hedge_cover.rs's parameters (test defaults, revision 6 on, full rebate).
fn test_params() -> RiskParams {
    RiskParams {
        hedge_tolerance: 10_000,
        skew_rebate_share: 1_000_000,
        max_open_interest_usd: u64::MAX / 4,
        max_position_usd: u64::MAX / 4,
        ..RiskParams::default_for_tests()
    }
}

/// Tokens in the market's pools: C + K + insurance + margins + escrow.
fn pools(st: &MarketState) -> (u64, u64, u64) {
    (st.collateral, st.skew.balance, st.insurance)
}

// ---------------------------------------------------------------------------------
// (2) A withdrawal requested at one price, partly paid at another, the rest at a
// third: never more than the shares are worth at each execution.
// ---------------------------------------------------------------------------------

#[test]
fn a_partial_withdrawal_across_prices_is_never_paid_more_than_its_shares() {
    let p = test_params();
    let c = 1_000 * ONE;
    let (mut st, supply, mut h1) = hedged_vault(p, c);
    // Half the vault asks to leave at 100.
    let shares = supply / 2;
    let v = st.request_withdraw(supply, shares, at(100)).unwrap();
    let mut req = WithdrawRequest {
        shares,
        value_at_request: v,
        price_at_request: 100 * PRICE_PRECISION,
        max_skew_fee_ratio: NO_BOUND,
    };
    let mut supply_now = supply;
    let mut total_paid = 0u64;
    let mut worth_total = 0u64;
    for (i, usd) in [90u128, 110, 80, 120].into_iter().enumerate() {
        if req.shares == 0 {
            break;
        }
        let worth = value_of_shares_floor(&st.vault_view(supply_now), &at(usd), req.shares).unwrap();
        let x = st.execute_withdraw_limited(supply_now, req, at(usd)).unwrap();
        // The burned shares' worth before the execution, pro rata of the whole request.
        let worth_burned = (u128::from(worth) * u128::from(x.shares_burned) / u128::from(req.shares)) as u64;
        assert!(
            x.paid <= worth_burned + x.skew_rebate + 1,
            "{} > {}",
            x.paid,
            worth_burned
        );
        println!(
            "step {i} at {usd}: worth(all) {worth} owed {} paid {} burned {}/{} fee {} rebate {}",
            x.owed, x.paid, x.shares_burned, req.shares, x.skew_fee, x.skew_rebate
        );
        assert!(x.paid <= x.owed + x.skew_rebate);
        assert!(x.owed <= worth);
        total_paid += x.paid;
        worth_total += worth_burned;
        supply_now -= x.shares_burned;
        req = WithdrawRequest {
            shares: req.shares - x.shares_burned,
            value_at_request: x.remaining_value_at_request,
            ..req
        };
        // Longs close part of the over-hedge between executions.
        let close = (h1.base / 10).max(1);
        st.execute_trade(&mut h1, -close, 0, at(usd)).unwrap();
    }
    println!("total paid {total_paid}, shares' worth when burned {worth_total}");
    assert!(total_paid <= worth_total + 4);
}

// ---------------------------------------------------------------------------------
// (3) Late execution re-queues; nothing executes at a stale price.
// ---------------------------------------------------------------------------------

#[test]
fn a_late_execution_executes_nothing_and_changes_nothing() {
    let p = test_params();
    let (mut st, supply, _h1) = hedged_vault(p, 100 * ONE);
    st.request_deposit(10 * ONE).unwrap();
    let mut a = Position::default();
    st.deposit_margin(&mut a, 10 * ONE).unwrap();
    st.execute_trade(&mut a, 10 * ONE as i64, 0, at(100)).unwrap();
    let before = st;
    let late = DepositRequest {
        due_age: i64::from(st.limits.max_age) + 1,
        ..terms(10 * ONE, false, 0)
    };
    let x = st.execute_deposit_request(supply, late, at(50)).unwrap();
    assert_eq!((x.executed, x.shares), (0, 0));
    assert_eq!(pools(&st), pools(&before));
    // In time, the owner's choice is the due-time price, within max_age only.
    let x = st
        .execute_deposit_request(supply, terms(10 * ONE, true, 0), at(100))
        .unwrap();
    assert!(x.executed > 0);
}

// ---------------------------------------------------------------------------------
// (6) Coarse first shares: fees reach C before any share exists.
// ---------------------------------------------------------------------------------

/// The attacker is the first depositor: his deposit of 10,000 is covered by his own
/// long of 10,000 opened while it waited (taker fee 0.1%, 80% of it, 8 tokens, reaches
/// C before any share exists): the first shares are priced at ~8/1000 token each. A
/// victim's later deposit executes in pieces as longs arrive; each piece loses up to
/// one share. The attacker covers the victim in pieces of 1.9 shares' worth.
#[test]
fn first_shares_are_fine_and_piecewise_execution_takes_nothing() {
    let p = test_params();
    let mut st = market(p);
    let big = 10_000 * ONE;
    let asked = big + 200 * ONE;
    st.request_deposit(asked).unwrap();
    let mut a = Position::default();
    st.deposit_margin(&mut a, 5_000 * ONE).unwrap();
    st.execute_trade(&mut a, big as i64, 0, at(100)).unwrap();
    let f = st.collateral;
    // His deposit executes up to the cover (C <= 1.005 N); he cancels the rest so the
    // vault sits at the cover's edge.
    let x = st
        .execute_deposit_request(0, terms(asked, false, 0), at(100))
        .unwrap();
    // The fee before the first share got its own dead shares (revision 6's fix of this
    // finding): they count in the supply.
    let mut supply = x.shares + x.dead_shares;
    if x.waiting > 0 {
        st.cancel_deposit(x.waiting, true, st.waiting_bid.index).unwrap();
    }
    let attacker_shares = x.shares;
    let share_value = (st.collateral as u128 * 1_000_000 / (supply as u128 + 1_000)) as f64 / 1e6;
    println!(
        "fee before the first share {f}; supply {supply}; one share ~{share_value} native units; \
         C {} N {}",
        st.collateral, st.aggregates.net_base
    );
    let attacker_value0 = value_of_shares_floor(&st.vault_view(supply), &at(100), attacker_shares).unwrap();
    // The victim deposits 10 tokens: the vault is at its cover's edge, it waits.
    let victim = 10 * ONE;
    st.request_deposit(victim).unwrap();
    let x = st
        .execute_deposit_request(supply, terms(victim, false, 0), at(100))
        .unwrap();
    println!(
        "victim first execution: executed {} waits {}",
        x.executed, x.waiting
    );
    let mut left = x.waiting;
    let mut victim_shares = x.shares;
    supply += x.shares;
    let mut pieces = 0;
    let mut attacker_fees = 0u64;
    let mut refunded = 0u64;
    // Pieces of about two shares each (coarse shares: the loss is up to one share a
    // piece), or a tenth of the deposit where shares are fine.
    let piece_target = ((share_value * 1.9) as u64).max(victim / 10);
    while left > 0 && pieces < 5_000 {
        // Cover one piece: a long of about piece / (1 + tolerance / 2).
        let need = st.collateral as u128 + piece_target as u128;
        let n_needed = need * 1_000_000 / p.cover_factor().unwrap() + 1;
        let dn = (n_needed as i128 - st.aggregates.net_base).max(1) as i64;
        let t = st.execute_trade(&mut a, dn, 0, at(100)).unwrap();
        attacker_fees += t.outcome.fee;
        let x = match st.execute_deposit_request(supply, terms(left, true, 0), at(100)) {
            Ok(x) => x,
            Err(EngineError::DepositTooSmall) => {
                // The last crumb cannot mint a share: refunded.
                st.cancel_deposit(left, true, st.waiting_bid.index).unwrap();
                refunded = left;
                break;
            }
            Err(e) => panic!("{e:?}"),
        };
        victim_shares += x.shares;
        supply += x.shares;
        left = x.waiting;
        pieces += 1;
    }
    let victim_value = value_of_shares_floor(&st.vault_view(supply), &at(100), victim_shares).unwrap();
    let attacker_value1 = value_of_shares_floor(&st.vault_view(supply), &at(100), attacker_shares).unwrap();
    println!(
        "{pieces} pieces: victim put {victim}, his shares are worth {victim_value} + refund {refunded} (loss {}); \
         attacker's shares {attacker_value0} -> {attacker_value1} (+{}), his taker fees {attacker_fees}",
        i128::from(victim) - i128::from(victim_value) - i128::from(refunded),
        i128::from(attacker_value1) - i128::from(attacker_value0)
    );
    // Found by the attack on revision 6 with coarse first shares (one share worth
    // 0.008 token): the victim lost 4.727 of 10 over 658 pieces. With the first shares
    // at 1,000 a native unit, he loses no more than rounding and the band.
    assert!(
        i128::from(victim) - i128::from(victim_value) - i128::from(refunded) <= i128::from(victim / 10_000),
        "{victim_value} {refunded}"
    );
    assert!(
        attacker_value1 <= attacker_value0 + attacker_fees,
        "{attacker_value0} {attacker_value1}"
    );
}
