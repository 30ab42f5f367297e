//! The hedging vault through the real bank: deposit, two-step withdrawal, and every
//! refusal with its exact error and no account changed.

use anchor_lang::error::ErrorCode as AnchorError;
use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::Units;
use hedge_engine::vault::{max_withdrawal_floor, VaultView};
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::HedgeError;

const ONE: u64 = 1_000_000_000;

async fn funded() -> (Harness, User) {
    let mut h = Harness::new(Setup::default()).await;
    let u = h.user(10 * ONE).await;
    (h, u)
}

#[tokio::test]
async fn deposit_mints_shares_and_moves_tokens() {
    let (mut h, u) = funded().await;
    let out = h.send(&[vault_deposit(&h, &u, 4 * ONE, 0)], &[&u.kp]).await;
    out.ok();
    let ev: VaultDeposited = out.event();
    assert_eq!(ev.amount, 4 * ONE);
    assert_eq!(ev.shares, 4_000 * ONE);
    assert_eq!(ev.collateral, 4 * ONE);
    assert_eq!(ev.price, 100 * hedge_engine::PRICE_PRECISION);
    assert_eq!(h.token_balance(u.token).await, 6 * ONE);
    assert_eq!(h.token_balance(u.shares).await, 4_000 * ONE);
    let m = h.market_state().await;
    assert_eq!(m.collateral, 4 * ONE);
    assert_eq!(h.token_balance(m.collateral_vault).await, 4 * ONE);
    h.check_invariants().await;
}

#[tokio::test]
async fn deposit_refusals_are_named_and_change_nothing() {
    let (mut h, u) = funded().await;
    let other = h.user(10 * ONE).await;
    h.expect_error(
        vec![vault_deposit(&h, &u, 0, 0)],
        vec![&u.kp],
        code(HedgeError::ZeroAmount),
    )
    .await;
    h.expect_error(
        vec![vault_deposit(&h, &u, 11 * ONE, 0)],
        vec![&u.kp],
        code(HedgeError::InsufficientFunds),
    )
    .await;
    // No trader yet: the vault's hedge ratio would be 0%.
    h.expect_error(
        vec![vault_deposit(&h, &u, ONE, 1)],
        vec![&u.kp],
        code(HedgeError::HedgeRatioBelowMinimum),
    )
    .await;

    let (foreign_mint, _) = h.extra_market().await;
    let foreign = h.create_token_account(&foreign_mint, &u.key()).await;
    let mut a = vault_deposit_accounts(&h, &u);
    a.owner_token = foreign; // a token account of another mint
    let ix1 = ix(
        a,
        hedge_vault::instruction::VaultDeposit {
            amount: ONE,
            min_hedge_ratio: 0,
        },
    );
    h.expect_error(vec![ix1], vec![&u.kp], code(HedgeError::WrongMint))
        .await;

    let mut a = vault_deposit_accounts(&h, &u);
    a.owner_token = other.token; // someone else's wallet
    let ix2 = ix(
        a,
        hedge_vault::instruction::VaultDeposit {
            amount: ONE,
            min_hedge_ratio: 0,
        },
    );
    h.expect_error(vec![ix2], vec![&u.kp], code(HedgeError::WrongOwner))
        .await;

    let mut a = vault_deposit_accounts(&h, &u);
    a.collateral_vault = insurance_vault_pda(&h.market);
    let ix3 = ix(
        a,
        hedge_vault::instruction::VaultDeposit {
            amount: ONE,
            min_hedge_ratio: 0,
        },
    );
    h.expect_error(vec![ix3], vec![&u.kp], code(HedgeError::WrongTokenAccount))
        .await;

    // A well-formed Pyth account that is not the market's.
    let impostor = anchor_lang::prelude::Pubkey::new_unique();
    let now = h.now().await;
    h.ctx
        .set_account(&impostor, &pyth::legacy_account(50_00000000, 0, -8, now).into());
    let mut a = vault_deposit_accounts(&h, &u);
    a.oracle = impostor;
    let ix4 = ix(
        a,
        hedge_vault::instruction::VaultDeposit {
            amount: ONE,
            min_hedge_ratio: 0,
        },
    );
    h.expect_error(vec![ix4], vec![&u.kp], code(HedgeError::WrongOracle))
        .await;

    // Missing signer.
    let mut d = vault_deposit(&h, &u, ONE, 0);
    d.accounts[0].is_signer = false;
    h.expect_error(vec![d], vec![], anchor_code(AnchorError::AccountNotSigner))
        .await;
}

#[tokio::test]
async fn deposit_needs_a_fresh_certain_and_newer_price() {
    let (mut h, u) = funded().await;
    // 31 s old: past max_age_increase (30 s).
    h.advance(31).await;
    h.expect_error(
        vec![vault_deposit(&h, &u, ONE, 0)],
        vec![&u.kp],
        code(HedgeError::OracleStale),
    )
    .await;
    // Fresh but 3% confidence (limit 2%).
    h.set_price(100_00000000, 3_00000000, -8).await;
    h.expect_error(
        vec![vault_deposit(&h, &u, ONE, 0)],
        vec![&u.kp],
        code(HedgeError::OracleConfidenceTooWide),
    )
    .await;
    // Accepted at t, then an update published earlier than t is refused.
    h.set_usd(100.0).await;
    h.deposit(&u, ONE).await;
    let now = h.now().await;
    h.advance(1).await;
    h.set_price_at(100_00000000, 0, -8, now - 1).await;
    h.expect_error(
        vec![vault_deposit(&h, &u, ONE, 0)],
        vec![&u.kp],
        code(HedgeError::OracleOlderThanLast),
    )
    .await;
}

#[tokio::test]
async fn withdrawal_is_two_step_after_the_delay() {
    let (mut h, u) = funded().await;
    h.deposit(&u, 4 * ONE).await;
    let out = h
        .send(&[vault_request_withdraw(&h, &u, 1_000 * ONE)], &[&u.kp])
        .await;
    out.ok();
    let ev: VaultWithdrawRequested = out.event();
    assert_eq!(ev.value_at_request, ONE);
    assert_eq!(h.token_balance(u.shares).await, 3_000 * ONE);
    assert_eq!(h.token_balance(share_escrow_pda(&h.market)).await, 1_000 * ONE);
    h.check_invariants().await;

    // A second request while one is pending.
    h.expect_error(
        vec![vault_request_withdraw(&h, &u, ONE)],
        vec![&u.kp],
        code(HedgeError::WithdrawalAlreadyPending),
    )
    .await;
    // Before the delay (3600 s).
    h.advance(3_599).await;
    h.set_usd(100.0).await;
    h.expect_error(
        vec![vault_withdraw(&h, &u)],
        vec![&u.kp],
        code(HedgeError::WithdrawalNotReady),
    )
    .await;
    h.advance(1).await;
    h.set_usd(100.0).await;
    let out = h.send(&[vault_withdraw(&h, &u)], &[&u.kp]).await;
    out.ok();
    let ev: VaultWithdrawn = out.event();
    assert_eq!(ev.paid, ONE);
    assert_eq!(h.token_balance(u.token).await, 7 * ONE);
    assert_eq!(h.mint_supply(share_mint_pda(&h.market)).await, 3_000 * ONE);
    assert!(
        h.account(withdraw_pda(&h.market, &u.key())).await.is_none(),
        "request closed, rent back"
    );
    assert_eq!(h.market_state().await.collateral, 3 * ONE);
    h.check_invariants().await;
}

#[tokio::test]
async fn withdrawal_refusals_are_named() {
    let (mut h, u) = funded().await;
    h.deposit(&u, 4 * ONE).await;
    h.expect_error(
        vec![vault_request_withdraw(&h, &u, 0)],
        vec![&u.kp],
        code(HedgeError::ZeroAmount),
    )
    .await;
    h.expect_error(
        vec![vault_request_withdraw(&h, &u, 4_001 * ONE)],
        vec![&u.kp],
        code(HedgeError::InsufficientShares),
    )
    .await;
    // Nothing requested: the request account does not exist.
    h.expect_error(
        vec![vault_withdraw(&h, &u)],
        vec![&u.kp],
        anchor_code(AnchorError::AccountNotInitialized),
    )
    .await;
}

/// Pays min(value at request, value at execution): a holder who sees a loss coming
/// cannot run ahead of it, and one who sees a gain cannot wait for it.
#[tokio::test]
async fn withdrawal_pays_the_lower_of_request_and_execution_values() {
    for (usd_after, lower_is_now) in [(120.0, true), (80.0, false)] {
        let (mut h, u) = funded().await;
        h.deposit(&u, 10 * ONE).await;
        let t = h.user(10 * ONE).await;
        h.trader(&t, 5 * ONE).await;
        h.trade(&t, 8 * ONE as i64).await;
        h.check_invariants().await;
        let req = h
            .send(&[vault_request_withdraw(&h, &u, 1_000 * ONE)], &[&u.kp])
            .await;
        req.ok();
        let at_request = req.event::<VaultWithdrawRequested>().value_at_request;
        h.advance(3_600).await;
        h.set_usd(usd_after).await;
        let out = h.send(&[vault_withdraw(&h, &u)], &[&u.kp]).await;
        out.ok();
        let ev: VaultWithdrawn = out.event();
        assert_eq!(ev.value_at_request, at_request);
        assert_eq!(ev.paid, ev.value_now.min(ev.value_at_request));
        assert_eq!(ev.paid == ev.value_now, lower_is_now, "{usd_after}: {ev:?}");
        assert_ne!(ev.value_now, ev.value_at_request);
        h.check_invariants().await;
    }
}

#[tokio::test]
async fn withdrawal_above_the_limit_names_the_largest_amount() {
    let (mut h, u) = funded().await;
    h.deposit(&u, 10 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 5 * ONE).await;
    h.trade(&t, 9 * ONE as i64).await;
    // Asking for 5 of ~10 tokens would leave C' < N / 1.1.
    h.send(&[vault_request_withdraw(&h, &u, 5_000 * ONE)], &[&u.kp])
        .await
        .ok();
    h.advance(3_600).await;
    h.set_usd(100.0).await;
    let out = h
        .expect_error(
            vec![vault_withdraw(&h, &u)],
            vec![&u.kp],
            code(HedgeError::WithdrawalExceedsLimit),
        )
        .await;
    let m = h.market_state().await;
    let agg = m.aggregates();
    let view = VaultView {
        collateral: m.collateral,
        supply: h.mint_supply(m.share_mint).await,
        aggregates: &agg,
        units: Units { scale: 1_000_000_000 },
        funding_index: m.funding_index,
    };
    let oracle = OraclePrice {
        price: 100 * hedge_engine::PRICE_PRECISION,
        conf: 0,
        publish_time: 0,
    };
    let max = max_withdrawal_floor(&view, &oracle, &m.risk_params()).unwrap();
    assert!(max > 0 && max < 5 * ONE, "{max}");
    // The refusal returns the largest amount as return data (u64 LE), which the
    // simulation reports even though the transaction fails; it is exactly what the
    // engine computes from the same state.
    assert_eq!(out.return_u64(), Some(max));
    // A smaller holder whose share fits under the limit can leave.
    let small = h.user(ONE).await;
    h.deposit(&small, ONE).await;
    h.send(&[vault_request_withdraw(&h, &small, 500 * ONE)], &[&small.kp])
        .await
        .ok();
    h.advance(3_600).await;
    h.set_usd(100.0).await;
    h.send(&[vault_withdraw(&h, &small)], &[&small.kp]).await.ok();
    h.check_invariants().await;
}
