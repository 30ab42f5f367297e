//! Trader positions through the real bank: open, margin in and out, trades that
//! increase, reduce, flip and close against the vault, and every refusal by name.

use anchor_lang::error::ErrorCode as AnchorError;
use hedge_engine::params::RiskParams;
use hedge_engine::{PRICE_PRECISION, QUOTE_PRECISION};
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::HedgeError;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

/// A market with a 10-token vault and a trader holding `margin` in a position.
async fn market_with_trader(setup: Setup, margin: u64) -> (Harness, User) {
    let mut h = Harness::new(setup).await;
    let lp = h.user(10 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    let t = h.user(20 * ONE).await;
    h.trader(&t, margin).await;
    (h, t)
}

#[tokio::test]
async fn open_trade_close_round_trip_moves_the_right_tokens() {
    let (mut h, t) = market_with_trader(Setup::default(), 2 * ONE).await;
    let p = h.position_state(&t.key()).await;
    assert_eq!(
        (p.margin, p.base, p.owner, p.market),
        (2 * IONE, 0, t.key(), h.market)
    );
    h.check_invariants().await;

    // Long 5 tokens at 100: taker 0.1% = 0.005 token, impact 0.1% * 5/1000 = 0.000025.
    let out = h.trade(&t, 5 * IONE).await;
    let ev: PositionTraded = out.event();
    assert_eq!(ev.fill_price, 100 * PRICE_PRECISION);
    assert_eq!(ev.fee, 5_025_000);
    assert_eq!(ev.insurance_fee, 1_005_000);
    assert!(!ev.reducing);
    assert_eq!(ev.net_base_after, 5 * i128::from(IONE));
    let m = h.market_state().await;
    assert_eq!(m.collateral, 10 * ONE + 4_020_000);
    assert_eq!(m.insurance, 1_005_000);
    assert_eq!(h.token_balance(m.insurance_vault).await, 1_005_000);
    let p = h.position_state(&t.key()).await;
    assert_eq!(p.entry_quote, 500 * QUOTE_PRECISION as i128);
    h.check_invariants().await;

    // Price 110: closing realizes 50 USD = 0.454545454 token at the ask (no conf).
    h.set_usd(110.0).await;
    let out = h.trade(&t, -5 * IONE).await;
    let ev: PositionTraded = out.event();
    assert_eq!(ev.realized_pnl, 454_545_454);
    assert_eq!(ev.fee, 5_000_000);
    assert!(ev.reducing);
    assert_eq!(ev.base_after, 0);
    h.check_invariants().await;

    let margin = h.position_state(&t.key()).await.margin;
    assert_eq!(margin, 2 * IONE - 5_025_000 + 454_545_454 - 5_000_000);
    let wallet = h.token_balance(t.token).await;
    let out = h.send(&[position_close(&h, &t)], &[&t.kp]).await;
    out.ok();
    assert_eq!(out.event::<PositionClosed>().returned, margin as u64);
    assert_eq!(h.token_balance(t.token).await, wallet + margin as u64);
    assert!(
        h.account(position_pda(&h.market, &t.key())).await.is_none(),
        "rent reclaimed"
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn flip_from_long_to_short_realizes_then_reopens() {
    let (mut h, t) = market_with_trader(Setup::default(), 3 * ONE).await;
    let other = h.user(20 * ONE).await;
    h.trader(&other, 5 * ONE).await;
    h.trade(&other, 8 * IONE).await; // keeps traders net long through the flip
    h.trade(&t, 2 * IONE).await;
    let out = h.trade(&t, -3 * IONE).await;
    let ev: PositionTraded = out.event();
    assert_eq!(ev.base_after, -IONE);
    assert!(!ev.reducing, "a flip opens new exposure");
    let p = h.position_state(&t.key()).await;
    assert_eq!(p.entry_quote, -100 * QUOTE_PRECISION as i128);
    let m = h.market_state().await;
    assert_eq!((m.long_base, m.short_base), (8 * ONE as u128, ONE as u128));
    h.check_invariants().await;
}

#[tokio::test]
async fn margin_withdrawal_is_limited_to_free_margin() {
    let (mut h, t) = market_with_trader(Setup::default(), 2 * ONE).await;
    h.trade(&t, 5 * IONE).await;
    // Free = min(margin, equity - IM) = margin - fee - 0.5 token.
    let free = 2 * ONE - 5_025_000 - ONE / 2;
    let out = h
        .expect_error(
            vec![position_withdraw(&h, &t, free + 1)],
            vec![&t.kp],
            code(HedgeError::WithdrawExceedsFreeMargin),
        )
        .await;
    assert_eq!(out.return_u64(), Some(free));
    // Gains are not withdrawable before they are realized.
    h.set_usd(150.0).await;
    h.expect_error(
        vec![position_withdraw(&h, &t, 2 * ONE - 5_025_000 + 1)],
        vec![&t.kp],
        code(HedgeError::WithdrawExceedsFreeMargin),
    )
    .await;
    h.set_usd(100.0).await;
    let before = h.token_balance(t.token).await;
    h.send(&[position_withdraw(&h, &t, free)], &[&t.kp]).await.ok();
    assert_eq!(h.token_balance(t.token).await, before + free);
    h.check_invariants().await;
    h.expect_error(
        vec![position_withdraw(&h, &t, 0)],
        vec![&t.kp],
        code(HedgeError::ZeroAmount),
    )
    .await;
}

#[tokio::test]
async fn risk_increasing_refusals_are_named() {
    let (mut h, t) = market_with_trader(Setup::default(), 2 * ONE).await;
    let tr = |h: &Harness, d: i64| position_trade(h, &t, d, 0);
    h.expect_error(vec![tr(&h, 0)], vec![&t.kp], code(HedgeError::ZeroAmount))
        .await;
    h.expect_error(
        vec![tr(&h, 1)],
        vec![&t.kp],
        code(HedgeError::PositionBelowMinimumSize),
    )
    .await;
    h.expect_error(
        vec![tr(&h, -IONE)],
        vec![&t.kp],
        code(HedgeError::VaultWouldBeNetLong),
    )
    .await;
    // 10-token vault: net long may reach 11 tokens.
    h.expect_error(
        vec![tr(&h, 12 * IONE)],
        vec![&t.kp],
        code(HedgeError::OverHedgeCapExceeded),
    )
    .await;
    // 2 tokens of margin carry at most ~20 tokens at 10% IM; with the cap lifted by a
    // bigger vault, 21 tokens is refused for margin.
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    h.expect_error(
        vec![tr(&h, 21 * IONE)],
        vec![&t.kp],
        code(HedgeError::InsufficientMargin),
    )
    .await;
    // Slippage: a buy limited below the fill.
    let limited = position_trade(&h, &t, IONE, 99 * PRICE_PRECISION);
    h.expect_error(vec![limited], vec![&t.kp], code(HedgeError::SlippageExceeded))
        .await;
    // Overflowing sizes.
    h.trade(&t, IONE).await;
    h.expect_error(
        vec![tr(&h, i64::MAX)],
        vec![&t.kp],
        code(HedgeError::MathOverflow),
    )
    .await;
    // Stale for risk-increasing (31 s > 30 s).
    h.advance(31).await;
    h.expect_error(vec![tr(&h, IONE)], vec![&t.kp], code(HedgeError::OracleStale))
        .await;
    h.check_invariants().await;
}

#[tokio::test]
async fn open_interest_caps_refuse_increases_but_never_reductions() {
    let mut params = RiskParams::default_for_tests();
    params.max_open_interest_usd = 1_000;
    params.max_position_usd = 1_000;
    let (mut h, t) = market_with_trader(
        Setup {
            params,
            ..Setup::default()
        },
        3 * ONE,
    )
    .await;
    h.expect_error(
        vec![position_trade(&h, &t, 11 * IONE, 0)],
        vec![&t.kp],
        code(HedgeError::MarketOpenInterestCapExceeded),
    )
    .await;
    h.trade(&t, 9 * IONE).await;
    // The price rises: OI is now 1080 USD, above the cap.
    h.set_usd(120.0).await;
    h.expect_error(
        vec![position_trade(&h, &t, IONE / 2, 0)],
        vec![&t.kp],
        code(HedgeError::MarketOpenInterestCapExceeded),
    )
    .await;
    let out = h.trade(&t, -IONE).await;
    assert!(out.event::<PositionTraded>().reducing);
    h.check_invariants().await;

    let mut params = RiskParams::default_for_tests();
    params.max_open_interest_usd = 1_000;
    params.max_position_usd = 500;
    let (mut h, t) = market_with_trader(
        Setup {
            params,
            ..Setup::default()
        },
        3 * ONE,
    )
    .await;
    h.expect_error(
        vec![position_trade(&h, &t, 6 * IONE, 0)],
        vec![&t.kp],
        code(HedgeError::AccountOpenInterestCapExceeded),
    )
    .await;
}

#[tokio::test]
async fn reductions_accept_an_older_price_than_increases() {
    let (mut h, t) = market_with_trader(Setup::default(), 2 * ONE).await;
    h.trade(&t, 5 * IONE).await;
    h.advance(100).await; // 100 s: too old to increase, fine to reduce (120 s)
    h.expect_error(
        vec![position_trade(&h, &t, IONE, 0)],
        vec![&t.kp],
        code(HedgeError::OracleStale),
    )
    .await;
    h.trade(&t, -IONE).await;
    h.advance(21).await; // 121 s: too old for anything
    h.expect_error(
        vec![position_trade(&h, &t, -IONE, 0)],
        vec![&t.kp],
        code(HedgeError::OracleStale),
    )
    .await;
    h.check_invariants().await;
}

#[tokio::test]
async fn a_bankrupt_position_cannot_trade_its_way_out() {
    let (mut h, t) = market_with_trader(Setup::default(), ONE).await;
    h.trade(&t, 9 * IONE).await;
    h.set_usd(85.0).await; // lost 135 USD = 1.59 tokens > margin
    h.expect_error(
        vec![position_trade(&h, &t, -9 * IONE, 0)],
        vec![&t.kp],
        code(HedgeError::PositionBankrupt),
    )
    .await;
}

#[tokio::test]
async fn ownership_and_market_are_enforced() {
    let (mut h, t) = market_with_trader(Setup::default(), 2 * ONE).await;
    let thief = h.user(ONE).await;
    // The thief signs, naming the victim's position.
    let mut a = position_withdraw_accounts(&h, &thief);
    a.position = position_pda(&h.market, &t.key());
    let ix1 = ix(a, hedge_vault::instruction::PositionWithdraw { amount: ONE });
    h.expect_error(vec![ix1], vec![&thief.kp], code(HedgeError::WrongOwner))
        .await;
    let mut a = position_trade_accounts(&h, &thief);
    a.position = position_pda(&h.market, &t.key());
    let ix2 = ix(
        a,
        hedge_vault::instruction::PositionTrade {
            args: hedge_vault::PositionTradeArgs {
                delta_base: IONE,
                limit_price: 0,
            },
        },
    );
    h.expect_error(vec![ix2], vec![&thief.kp], code(HedgeError::WrongOwner))
        .await;
    // The trader's position in another market, used with this market.
    let (_, other_market) = h.extra_market().await;
    let main_market = h.market;
    h.market = other_market;
    let open = position_open(&h, &t);
    h.send(&[open], &[&t.kp]).await.ok();
    h.market = main_market;
    let mut a = position_deposit_accounts(&h, &t);
    a.position = position_pda(&other_market, &t.key());
    let ix3 = ix(a, hedge_vault::instruction::PositionDeposit { amount: ONE });
    h.expect_error(vec![ix3], vec![&t.kp], code(HedgeError::WrongMarket))
        .await;
    // Closing with size.
    h.trade(&t, IONE).await;
    h.expect_error(
        vec![position_close(&h, &t)],
        vec![&t.kp],
        code(HedgeError::PositionNotEmpty),
    )
    .await;
    // Opening twice: the account exists (Anchor's init refuses; the system program
    // names it).
    let again = h.send(&[position_open(&h, &t)], &[&t.kp]).await;
    assert!(again.result.is_err());
    // Depositing more than the wallet holds.
    h.expect_error(
        vec![position_deposit(&h, &t, 1_000 * ONE)],
        vec![&t.kp],
        code(HedgeError::InsufficientFunds),
    )
    .await;
    // A missing signature.
    let mut d = position_deposit(&h, &t, ONE);
    d.accounts[0].is_signer = false;
    h.expect_error(vec![d], vec![], anchor_code(AnchorError::AccountNotSigner))
        .await;
    h.check_invariants().await;
}
