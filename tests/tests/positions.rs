//! Trader positions through the real bank: open, margin in and out, orders that
//! increase, reduce, flip and close against the vault (executed at the price of their
//! due time), and every refusal by name: at request, or as the reason an execution
//! cancels the order.

use anchor_lang::error::ErrorCode as AnchorError;
use hedge_engine::params::RiskParams;
use hedge_engine::requests::RequestKind;
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
    let seed = h.setup.seed_insurance;

    // Long 5 tokens at 100 into a 10-token vault nobody hedges yet: the skew goes
    // from -10 to -5 tokens, so no impact fee; the taker fee is 0.1% = 0.005 token,
    // 20% of it to the insurance fund.
    let out = h.trade(&t, 5 * IONE).await;
    let ev: PositionTraded = out.event();
    assert_eq!(ev.fill_price, 100 * PRICE_PRECISION);
    assert_eq!((ev.fee, ev.impact_fee), (5_000_000, 0));
    assert_eq!(ev.insurance_fee, 1_000_000);
    assert_eq!(ev.executor, h.keeper.key());
    assert!(!ev.reducing);
    assert_eq!(ev.net_base_after, 5 * i128::from(IONE));
    let m = h.market_state().await;
    assert_eq!(m.collateral, 10 * ONE + 4_000_000);
    assert_eq!(m.insurance, seed + 1_000_000);
    assert_eq!(h.token_balance(m.insurance_vault).await, seed + 1_000_000);
    let p = h.position_state(&t.key()).await;
    assert_eq!(p.entry_quote, 500 * QUOTE_PRECISION as i128);
    assert_eq!(p.pending_requests, 0);
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
    assert_eq!(margin, 2 * IONE - 5_000_000 + 454_545_454 - 5_000_000);
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
    let free = 2 * ONE - 5_000_000 - ONE / 2;
    let before = h.position_state(&t.key()).await;
    let out = h.withdraw_margin(&t, free + 1).await;
    assert_eq!(out.refused(), code(HedgeError::WithdrawExceedsFreeMargin));
    assert_eq!(out.event::<RequestCancelled>().largest_allowed, free);
    assert_eq!(out.return_u64(), Some(free));
    assert_eq!(h.position_state(&t.key()).await.margin, before.margin);
    // Gains are not withdrawable before they are realized.
    h.set_usd(150.0).await;
    let out = h.withdraw_margin(&t, 2 * ONE - 5_000_000 + 1).await;
    assert_eq!(out.refused(), code(HedgeError::WithdrawExceedsFreeMargin));
    h.set_usd(100.0).await;
    let wallet = h.token_balance(t.token).await;
    let out = h.withdraw_margin(&t, free).await.executed();
    assert_eq!(out.event::<MarginWithdrawn>().amount, free);
    assert_eq!(h.token_balance(t.token).await, wallet + free);
    h.check_invariants().await;
    h.expect_error(
        vec![position_request_withdraw(&h, &t, 0)],
        vec![&t.kp],
        code(HedgeError::ZeroAmount),
    )
    .await;
}

#[tokio::test]
async fn risk_increasing_refusals_are_named() {
    let (mut h, t) = market_with_trader(Setup::default(), 2 * ONE).await;
    // At request: a zero size.
    h.expect_error(
        vec![position_request_trade(&h, &t, 0, 0)],
        vec![&t.kp],
        code(HedgeError::ZeroAmount),
    )
    .await;
    // At execution, each check cancels the order with its reason and moves nothing.
    let position = h.position_state(&t.key()).await;
    let refused = |code_: HedgeError| code(code_);
    assert_eq!(
        h.try_trade(&t, 1, 0).await.refused(),
        refused(HedgeError::PositionBelowMinimumSize)
    );
    assert_eq!(
        h.try_trade(&t, -IONE, 0).await.refused(),
        refused(HedgeError::VaultWouldBeNetLong)
    );
    // 10-token vault: net long may reach 11 tokens.
    assert_eq!(
        h.try_trade(&t, 12 * IONE, 0).await.refused(),
        refused(HedgeError::OverHedgeCapExceeded)
    );
    let p = h.position_state(&t.key()).await;
    assert_eq!(
        (p.base, p.margin, p.pending_requests),
        (position.base, position.margin, 0)
    );
    // 2 tokens of margin carry at most ~20 tokens at 10% IM; with the cap lifted by a
    // bigger vault, 21 tokens is refused for margin.
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    assert_eq!(
        h.try_trade(&t, 21 * IONE, 0).await.refused(),
        refused(HedgeError::InsufficientMargin)
    );
    // Slippage: a buy limited below the fill.
    assert_eq!(
        h.try_trade(&t, IONE, 99 * PRICE_PRECISION).await.refused(),
        refused(HedgeError::SlippageExceeded)
    );
    // Overflowing sizes are refused at request.
    h.trade(&t, IONE).await;
    h.expect_error(
        vec![position_request_trade(&h, &t, i64::MAX, 0)],
        vec![&t.kp],
        code(HedgeError::MathOverflow),
    )
    .await;
    // One pending request per position (PROTOCOL section 6a).
    h.send(&[position_request_trade(&h, &t, IONE, 0)], &[&t.kp])
        .await
        .ok();
    h.expect_error(
        vec![position_request_trade(&h, &t, IONE, 0)],
        vec![&t.kp],
        code(HedgeError::PositionHasPendingRequests),
    )
    .await;
    // A position with a pending order cannot be closed.
    h.expect_error(
        vec![position_close(&h, &t)],
        vec![&t.kp],
        code(HedgeError::PositionHasPendingRequests),
    )
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
    assert_eq!(
        h.try_trade(&t, 11 * IONE, 0).await.refused(),
        code(HedgeError::MarketOpenInterestCapExceeded)
    );
    h.trade(&t, 9 * IONE).await;
    // The price rises: OI is now 1080 USD, above the cap.
    h.set_usd(120.0).await;
    assert_eq!(
        h.try_trade(&t, IONE / 2, 0).await.refused(),
        code(HedgeError::MarketOpenInterestCapExceeded)
    );
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
    assert_eq!(
        h.try_trade(&t, 6 * IONE, 0).await.refused(),
        code(HedgeError::AccountOpenInterestCapExceeded)
    );
}

/// Revision 2, section 5: the larger side's open interest must fit what the insurance
/// fund covers on a `stress_move` gap; a market starts with its creator's seed stake.
#[tokio::test]
async fn the_stress_sized_cap_follows_the_insurance_fund() {
    // stress 50%, r_i 10%: a 2-token fund covers 2 * 100 / 0.4 = 500 USD = 5 tokens.
    let (mut h, t) = market_with_trader(
        Setup {
            seed_insurance: 2 * ONE,
            ..Setup::default()
        },
        3 * ONE,
    )
    .await;
    assert_eq!(
        h.try_trade(&t, 5 * IONE + 1_000_000, 0).await.refused(),
        code(HedgeError::InsuranceCapacityExceeded)
    );
    // The vault took only the 5 tokens that can be hedged; the other 5 of the
    // 10-token deposit wait in escrow (PROTOCOL section 3, hedge capacity).
    let m = h.market_state().await;
    assert_eq!((m.collateral, m.waiting_deposits), (5 * ONE, 5 * ONE));
    h.trade(&t, 4 * IONE).await;
    // A donation grows the capacity (to 7.5 tokens): a long to 5.4 fits it (and the
    // over-hedge cap of 1.1 C).
    let donor = h.user(ONE).await;
    h.send(&[insurance_deposit(&h, &donor, ONE)], &[&donor.kp])
        .await
        .ok();
    h.trade(&t, 14 * IONE / 10).await;
    h.check_invariants().await;
}

/// Finding (MEDIUM): exits were refused between `max_conf` and the liquidation limit
/// while the liquidation of the same position went through. Every exit now uses
/// `max_conf_reduce`.
#[tokio::test]
async fn exits_work_at_a_confidence_too_wide_to_increase_risk() {
    let (mut h, t) = market_with_trader(Setup::default(), 2 * ONE).await;
    h.trade(&t, 5 * IONE).await;
    // 3% confidence: above max_conf (2%), below max_conf_reduce (5%).
    h.set_price(100_00000000, 3_00000000, -8).await;
    assert_eq!(
        h.try_trade(&t, IONE, 0).await.refused(),
        code(HedgeError::OracleConfidenceTooWide)
    );
    let out = h.trade(&t, -IONE).await;
    assert!(out.event::<PositionTraded>().reducing);
    h.withdraw_margin(&t, ONE / 10).await.executed();
    h.send(&[market_update_funding(&h)], &[]).await.ok();
    // 6%: nothing executes at that price; the order is cancelled with the reason.
    h.set_price(100_00000000, 6_00000000, -8).await;
    assert_eq!(
        h.try_trade(&t, -IONE, 0).await.refused(),
        code(HedgeError::OracleConfidenceTooWide)
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn a_bankrupt_position_cannot_trade_its_way_out() {
    let (mut h, t) = market_with_trader(Setup::default(), ONE).await;
    h.trade(&t, 9 * IONE).await;
    h.set_usd(85.0).await; // lost 135 USD = 1.59 tokens > margin
    assert_eq!(
        h.try_trade(&t, -9 * IONE, 0).await.refused(),
        code(HedgeError::PositionBankrupt)
    );
}

#[tokio::test]
async fn ownership_and_market_are_enforced() {
    let (mut h, t) = market_with_trader(Setup::default(), 2 * ONE).await;
    let thief = h.user(ONE).await;
    // The thief signs, naming the victim's position.
    let mut a = position_request_trade_accounts(&h, &thief);
    a.position = position_pda(&h.market, &t.key());
    let ix2 = ix(
        a,
        hedge_vault::instruction::PositionRequestTrade {
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
    // Opening twice: the account exists; Anchor's `init` asks the system program to
    // create it again, which refuses (agave 3.1: invalid instruction data).
    let again = h.send(&[position_open(&h, &t)], &[&t.kp]).await;
    assert_eq!(
        again.instruction_error(),
        Some(InstructionError::InvalidInstructionData),
        "{:?}",
        again.result
    );
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
    // Nobody but the trader cancels a pending order: a thief naming himself its
    // owner names another address than the request's.
    h.send(&[position_request_trade(&h, &t, IONE, 0)], &[&t.kp])
        .await
        .ok();
    let mut theft = cancel(&h, RequestKind::Trade, &t);
    theft.accounts[0].pubkey = thief.key();
    h.expect_error(vec![theft], vec![&thief.kp], code(HedgeError::WrongOwner))
        .await;
    // While the order is pending the position takes no second request and no margin
    // (PROTOCOL section 6a).
    h.expect_error(
        vec![position_request_withdraw(&h, &t, 1)],
        vec![&t.kp],
        code(HedgeError::PositionHasPendingRequests),
    )
    .await;
    h.expect_error(
        vec![position_deposit(&h, &t, 1)],
        vec![&t.kp],
        code(HedgeError::PositionHasPendingRequests),
    )
    .await;
    let out = h.send(&[cancel(&h, RequestKind::Trade, &t)], &[&t.kp]).await;
    out.ok();
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 0);
    h.check_invariants().await;
}
