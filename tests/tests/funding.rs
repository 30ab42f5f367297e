//! Funding through the bank: the crank accrues with the rate's velocity, every
//! valuing instruction accrues first, one accrual is capped, positions settle against
//! their snapshot, and what traders pay is what the vault receives.

use hedge_engine::funding::{accrue, FundingInputs, FundingState};
use hedge_engine::math::Rounding;
use hedge_engine::position::Units;
use hedge_engine::vault::hedge_imbalance;
use hedge_engine::PRICE_PRECISION;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::HedgeError;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

/// A market whose rate reacts fast: saturating at 1 token of imbalance, 100%/day^2.
fn fast_funding() -> Setup {
    let mut s = Setup::default();
    s.params.skew_scale = ONE;
    s.params.max_funding_velocity = 1_000_000_000_000;
    s.params.max_funding_rate = 10_000_000_000; // 1%/day
    s
}

async fn long_skewed() -> (Harness, User) {
    let mut h = Harness::new(fast_funding()).await;
    let lp = h.user(10 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 5 * ONE).await;
    h.trade(&t, 11 * IONE).await; // N = 11 > h*C ~ 10: longs pay
    (h, t)
}

#[tokio::test]
async fn the_crank_accrues_what_the_engine_says() {
    let (mut h, t) = long_skewed().await;
    let m0 = h.market_state().await;
    h.advance(3_600).await;
    h.set_usd(100.0).await;
    let out = h.send(&[market_update_funding(&h)], &[]).await;
    out.ok();
    let ev: FundingUpdated = out.event();
    let params = m0.risk_params();
    let imbalance = hedge_imbalance(m0.collateral, &m0.aggregates(), &params).unwrap();
    assert_eq!(ev.imbalance, imbalance);
    assert!(imbalance > 0);
    let expected = accrue(
        &FundingState {
            index: m0.funding_index,
            rate: m0.funding_rate,
            last_time: m0.last_funding_time,
        },
        &FundingInputs {
            imbalance,
            skew_scale: params.skew_scale.into(),
            max_rate: params.max_funding_rate,
            max_velocity: params.max_funding_velocity,
            max_interval: params.max_funding_interval,
            price: 100 * PRICE_PRECISION,
            rate_target: params.funding_rate_target,
            reversion_time: params.funding_reversion_time,
            band: None,
            min_rate: -params.max_hedge_cost,
        },
        h.now().await,
    )
    .unwrap();
    assert_eq!(
        (ev.index, ev.rate, ev.charged_seconds),
        (expected.state.index, expected.state.rate, 3_600)
    );
    assert_eq!(
        ev.rate, params.max_funding_rate,
        "saturated: 100%/day^2 for an hour > 1%/day cap"
    );
    assert!(ev.index > 0);
    // The market after the crank, as the event reports it for indexers: C, N, the
    // insurance fund, the hedge ratio and the vault's equity at the crank's price.
    let m1 = h.market_state().await;
    let st = m1.state().unwrap();
    let oracle = hedge_engine::oracle::OraclePrice {
        price: 100 * PRICE_PRECISION,
        conf: 0,
        publish_time: h.now().await,
    };
    assert_eq!(
        (ev.collateral, ev.net_base, ev.insurance),
        (m1.collateral, 11 * i128::from(IONE), m1.insurance)
    );
    assert_eq!(
        ev.hedge_ratio,
        hedge_engine::vault::hedge_ratio_floor(m1.collateral, &st.aggregates, &st.params).unwrap()
    );
    assert!(ev.hedge_ratio > 1_000_000, "N = 11 against h*C ~ 10: over-hedged");
    let (low, _) = hedge_engine::vault::equity_band(&st.vault_view(0), &oracle).unwrap();
    assert_eq!(ev.vault_equity, low);
    // The longs owe the vault funding: its equity is above its collateral.
    assert!(ev.vault_equity > i128::from(m1.collateral));
    h.check_invariants().await;

    // The long settles: it pays base * d_index / P since its snapshot, rounded for
    // the vault.
    let basis = h.position_state(&t.key()).await.funding_basis;
    let before = h.market_state().await;
    let out = h.send(&[position_settle_funding(&h, &t.key())], &[]).await;
    out.ok();
    let paid = out.event::<FundingSettled>().paid;
    let units = Units { scale: 1_000_000_000 };
    let owed = units
        .funding_quote(11 * i128::from(IONE), ev.index, Rounding::Ceil)
        .unwrap()
        - basis;
    let expect = units
        .tokens_of(owed, 100 * PRICE_PRECISION, Rounding::Ceil)
        .unwrap();
    assert_eq!(i128::from(paid), expect);
    assert!(paid > 0);
    let after = h.market_state().await;
    // Paid by the trader == received by the vault.
    assert_eq!(after.collateral - before.collateral, paid as u64);
    assert_eq!(before.total_margin - after.total_margin, i128::from(paid));
    h.check_invariants().await;
    // Settling again moves nothing.
    let again = h.send(&[position_settle_funding(&h, &t.key())], &[]).await;
    assert_eq!(again.event::<FundingSettled>().paid, 0);
}

#[tokio::test]
async fn the_crank_costs_the_same_whatever_the_number_of_positions() {
    let (mut h, _) = long_skewed().await;
    let accounts_with_one = market_update_funding(&h).accounts.len();
    for _ in 0..5 {
        let t = h.user(2 * ONE).await;
        h.trader(&t, ONE).await;
    }
    assert_eq!(market_update_funding(&h).accounts.len(), accounts_with_one);
    assert_eq!(accounts_with_one, 4, "market, oracle, event authority, program");
}

#[tokio::test]
async fn every_valuing_instruction_accrues_first() {
    let (mut h, t) = long_skewed().await;
    let m0 = h.market_state().await;
    h.advance(600).await;
    h.set_usd(100.0).await;
    // A margin withdrawal (values at P) accrues before it acts.
    h.withdraw_margin(&t, 1).await.executed();
    let m1 = h.market_state().await;
    assert_eq!(m1.last_funding_time, h.now().await);
    assert!(m1.funding_index > m0.funding_index);
    // A vault deposit too.
    h.advance(600).await;
    h.set_usd(100.0).await;
    let lp = h.user(ONE).await;
    h.deposit(&lp, ONE).await;
    let m2 = h.market_state().await;
    assert_eq!(m2.last_funding_time, h.now().await);
    assert!(m2.funding_index > m1.funding_index);
    h.check_invariants().await;
}

#[tokio::test]
async fn a_long_outage_is_not_charged_beyond_the_cap() {
    let (mut h, _) = long_skewed().await;
    h.advance(10 * 86_400).await;
    h.set_usd(100.0).await;
    let out = h.send(&[market_update_funding(&h)], &[]).await;
    let ev: FundingUpdated = out.event();
    assert_eq!(ev.charged_seconds, 3_600);
    assert_eq!(ev.skipped_seconds, 10 * 86_400 - 3_600);
    assert_eq!(
        h.market_state().await.funding_skipped_seconds,
        (10 * 86_400 - 3_600) as u64
    );
}

#[tokio::test]
async fn a_flip_re_snapshots_at_the_new_size() {
    let (mut h, t) = long_skewed().await;
    let lp2 = h.user(10 * ONE).await;
    h.deposit(&lp2, 10 * ONE).await;
    let other = h.user(20 * ONE).await;
    h.trader(&other, 10 * ONE).await;
    h.trade(&other, 5 * IONE).await;
    h.advance(1_800).await;
    h.set_usd(100.0).await;
    h.trade(&t, -12 * IONE).await; // long 11 -> short 1 (other is long below)
    let p = h.position_state(&t.key()).await;
    let m = h.market_state().await;
    assert_eq!(p.base, -IONE);
    let units = Units { scale: 1_000_000_000 };
    assert_eq!(
        p.funding_basis,
        units
            .funding_quote(-i128::from(IONE), m.funding_index, Rounding::Ceil)
            .unwrap()
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn crank_and_settlement_refusals_are_named() {
    let (mut h, t) = long_skewed().await;
    // Stale beyond max_age.
    h.advance(121).await;
    h.expect_error(
        vec![market_update_funding(&h)],
        vec![],
        code(HedgeError::OracleStale),
    )
    .await;
    h.expect_error(
        vec![position_settle_funding(&h, &t.key())],
        vec![],
        code(HedgeError::OracleStale),
    )
    .await;
    h.set_usd(100.0).await;
    // A price account that is not the market's.
    let impostor = anchor_lang::prelude::Pubkey::new_unique();
    let now = h.now().await;
    h.ctx
        .set_account(&impostor, &pyth::legacy_account(100_00000000, 0, -8, now).into());
    let mut crank = market_update_funding(&h);
    crank.accounts[1].pubkey = impostor;
    h.expect_error(vec![crank], vec![], code(HedgeError::WrongOracle))
        .await;
    // A position of another market.
    let (_, other) = h.extra_market().await;
    let main = h.market;
    h.market = other;
    h.send(&[position_open(&h, &t)], &[&t.kp]).await.ok();
    h.market = main;
    let mut settle = position_settle_funding(&h, &t.key());
    settle.accounts[1].pubkey = position_pda(&other, &t.key());
    h.expect_error(vec![settle], vec![], code(HedgeError::WrongMarket))
        .await;
}
