//! The hedging vault through the real bank: deposits and withdrawals as requests
//! executed at the price of their due time, refunds and cancellations, partial
//! payment, and every refusal with its exact error and no account changed.

use anchor_lang::error::ErrorCode as AnchorError;
use hedge_engine::requests::RequestKind;
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
async fn a_deposit_is_escrowed_then_executed_at_its_due_time() {
    let (mut h, u) = funded().await;
    let out = h
        .send(&[vault_request_deposit(&h, &u, 4 * ONE, 0)], &[&u.kp])
        .await;
    out.ok();
    let req: RequestCreated = out.event();
    let now = h.now().await;
    assert_eq!(req.kind, RequestKind::Deposit as u8);
    assert_eq!(req.due_time, now + 2);
    assert_eq!(req.execution_fee, 20_000);
    // The tokens are escrowed in the collateral account, apart from C.
    assert_eq!(h.token_balance(u.token).await, 6 * ONE);
    let m = h.market_state().await;
    assert_eq!((m.collateral, m.escrowed_deposits), (0, 4 * ONE));
    h.check_invariants().await;

    // The keeper executes it at the due time and is paid the fee.
    let keeper_lamports = h.account(h.keeper.key()).await.unwrap().lamports;
    let out = h.execute_due(RequestKind::Deposit, &u).await.executed();
    let ev: VaultDeposited = out.event();
    assert_eq!(ev.amount, 4 * ONE);
    assert_eq!(ev.shares, 4_000 * ONE);
    assert_eq!(ev.collateral, 4 * ONE);
    assert_eq!(ev.price, 100 * hedge_engine::PRICE_PRECISION);
    assert_eq!(ev.executor, h.keeper.key());
    assert_eq!(h.token_balance(u.shares).await, 4_000 * ONE);
    let m = h.market_state().await;
    assert_eq!((m.collateral, m.escrowed_deposits), (4 * ONE, 0));
    // The keeper received 20,000 lamports (and paid the 5,000-lamport signature fee
    // through the harness's fee payer, not itself).
    assert_eq!(
        h.account(h.keeper.key()).await.unwrap().lamports,
        keeper_lamports + 20_000
    );
    assert!(
        h.request_state(&u.key(), RequestKind::Deposit).await.is_none(),
        "the request is closed, its rent back with its owner"
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn deposit_requests_refused_at_once_are_named_and_change_nothing() {
    let (mut h, u) = funded().await;
    let other = h.user(10 * ONE).await;
    h.expect_error(
        vec![vault_request_deposit(&h, &u, 0, 0)],
        vec![&u.kp],
        code(HedgeError::ZeroAmount),
    )
    .await;
    h.expect_error(
        vec![vault_request_deposit(&h, &u, 11 * ONE, 0)],
        vec![&u.kp],
        code(HedgeError::InsufficientFunds),
    )
    .await;
    let (foreign_mint, _) = h.extra_market().await;
    let foreign = h.create_token_account(&foreign_mint, &u.key()).await;
    let request = |a| {
        ix(
            a,
            hedge_vault::instruction::VaultRequestDeposit {
                amount: ONE,
                min_hedge_ratio: 0,
                max_skew_fee_ratio: 1_000_000,
            },
        )
    };
    let mut a = vault_request_deposit_accounts(&h, &u);
    a.owner_token = foreign;
    h.expect_error(vec![request(a)], vec![&u.kp], code(HedgeError::WrongMint))
        .await;
    let mut a = vault_request_deposit_accounts(&h, &u);
    a.owner_token = other.token;
    h.expect_error(vec![request(a)], vec![&u.kp], code(HedgeError::WrongOwner))
        .await;
    let mut a = vault_request_deposit_accounts(&h, &u);
    a.collateral_vault = insurance_vault_pda(&h.market);
    h.expect_error(vec![request(a)], vec![&u.kp], code(HedgeError::WrongTokenAccount))
        .await;
    // One pending deposit per owner.
    h.send(&[vault_request_deposit(&h, &u, ONE, 0)], &[&u.kp])
        .await
        .ok();
    h.expect_error(
        vec![vault_request_deposit(&h, &u, ONE, 0)],
        vec![&u.kp],
        code(HedgeError::RequestAlreadyPending),
    )
    .await;
    // Missing signer.
    let mut d = vault_request_deposit(&h, &other, ONE, 0);
    d.accounts[0].is_signer = false;
    h.expect_error(vec![d], vec![], anchor_code(AnchorError::AccountNotSigner))
        .await;
}

/// A check that fails at the price of the due time refunds the escrow and cancels
/// the request with its reason; the executor is still paid.
#[tokio::test]
async fn a_deposit_below_the_minimum_hedge_ratio_is_refunded_with_its_reason() {
    let (mut h, u) = funded().await;
    // Nobody trades: the vault's hedge ratio would be 0%, below the asked 1 ppm.
    h.send(&[vault_request_deposit(&h, &u, ONE, 1)], &[&u.kp])
        .await
        .ok();
    assert_eq!(h.token_balance(u.token).await, 9 * ONE);
    let out = h.execute_due(RequestKind::Deposit, &u).await;
    assert_eq!(out.refused(), code(HedgeError::HedgeRatioBelowMinimum));
    assert_eq!(h.token_balance(u.token).await, 10 * ONE);
    assert_eq!(h.token_balance(u.shares).await, 0);
    let m = h.market_state().await;
    assert_eq!((m.collateral, m.escrowed_deposits), (0, 0));
    assert!(h.request_state(&u.key(), RequestKind::Deposit).await.is_none());
    h.check_invariants().await;
}

#[tokio::test]
async fn a_request_executes_from_its_due_time_for_ever_and_only_its_owner_cancels_before_it() {
    // A pull market: the due time's update can be posted long after it was published.
    let mut h = Harness::new(Setup {
        oracle_kind: hedge_vault::state::OracleKind::PythPullV2,
        ..Setup::default()
    })
    .await;
    let u = h.user(10 * ONE).await;
    let stranger = h.user(0).await;
    h.send(&[vault_request_deposit(&h, &u, ONE, 0)], &[&u.kp])
        .await
        .ok();
    let due = h
        .request_state(&u.key(), RequestKind::Deposit)
        .await
        .unwrap()
        .due_time;
    // Before the due time: not executable; a stranger cannot even name himself the
    // owner of the request (the request names its owner).
    let oracle = h.oracle;
    let keeper = h.keeper.kp.insecure_clone();
    h.expect_error(
        vec![execute(&h, RequestKind::Deposit, &u, &oracle)],
        vec![&keeper],
        code(HedgeError::RequestNotDue),
    )
    .await;
    let mut theft = cancel(&h, RequestKind::Deposit, &u);
    theft.accounts[0].pubkey = stranger.key();
    h.expect_error(vec![theft], vec![&stranger.kp], code(HedgeError::WrongOwner))
        .await;
    // From the due time on the owner can no longer cancel (no free option), a day
    // later neither: the request never expires.
    for t in [due, due + 86_400] {
        h.set_time(t).await;
        h.expect_error(
            vec![cancel(&h, RequestKind::Deposit, &u)],
            vec![&u.kp],
            code(HedgeError::RequestLocked),
        )
        .await;
    }
    // A day late it still executes, at the price of its due time.
    let lamports = h.account(u.key()).await.unwrap().lamports;
    let out = h.execute_due(RequestKind::Deposit, &u).await.executed();
    let ev: VaultDeposited = out.event();
    assert_eq!(ev.publish_time, due);
    assert!(h.token_balance(u.shares).await > 0);
    // The request's rent went back to its owner.
    assert!(h.account(u.key()).await.unwrap().lamports > lamports);
    assert!(h
        .account(request_pda(&h.market, &u.key(), RequestKind::Deposit))
        .await
        .is_none());
    h.check_invariants().await;

    // The owner may cancel a new request before its due time: everything back.
    let before = h.token_balance(u.token).await;
    h.send(&[vault_request_deposit(&h, &u, ONE, 0)], &[&u.kp])
        .await
        .ok();
    let out = h.send(&[cancel(&h, RequestKind::Deposit, &u)], &[&u.kp]).await;
    out.ok();
    assert_eq!(out.event::<RequestCancelled>().cause, CANCELLED_BY_OWNER);
    assert_eq!(h.token_balance(u.token).await, before);
    h.check_invariants().await;
}

#[tokio::test]
async fn withdrawal_is_a_request_executed_after_the_delay() {
    let (mut h, u) = funded().await;
    h.deposit(&u, 4 * ONE).await;
    let out = h
        .send(&[vault_request_withdraw(&h, &u, 1_000 * ONE)], &[&u.kp])
        .await;
    out.ok();
    let ev: RequestCreated = out.event();
    assert_eq!(ev.value_at_request, ONE);
    assert_eq!(ev.due_time, h.now().await + 3_600);
    assert_eq!(h.token_balance(u.shares).await, 3_000 * ONE);
    assert_eq!(h.token_balance(share_escrow_pda(&h.market)).await, 1_000 * ONE);
    h.check_invariants().await;

    // A second request while one is pending.
    h.expect_error(
        vec![vault_request_withdraw(&h, &u, ONE)],
        vec![&u.kp],
        code(HedgeError::RequestAlreadyPending),
    )
    .await;
    // Before the delay.
    h.advance(3_599).await;
    let oracle = h.publish_for_due(0).await;
    let keeper = h.keeper.kp.insecure_clone();
    h.expect_error(
        vec![execute(&h, RequestKind::Withdraw, &u, &oracle)],
        vec![&keeper],
        code(HedgeError::RequestNotDue),
    )
    .await;
    let out = h.execute_due(RequestKind::Withdraw, &u).await.executed();
    let ev: VaultWithdrawn = out.event();
    assert_eq!((ev.paid, ev.shares, ev.shares_remaining), (ONE, 1_000 * ONE, 0));
    assert_eq!(h.token_balance(u.token).await, 7 * ONE);
    assert_eq!(h.mint_supply(share_mint_pda(&h.market)).await, 3_000 * ONE);
    assert!(h.request_state(&u.key(), RequestKind::Withdraw).await.is_none());
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
    let oracle = h.oracle;
    let keeper = h.keeper.kp.insecure_clone();
    h.expect_error(
        vec![execute(&h, RequestKind::Withdraw, &u, &oracle)],
        vec![&keeper],
        anchor_code(AnchorError::AccountNotInitialized),
    )
    .await;
    // A share worth less than a native unit pays nothing: refused at request.
    h.expect_error(
        vec![vault_request_withdraw(&h, &u, 1)],
        vec![&u.kp],
        code(HedgeError::WithdrawalTooSmall),
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
        let at_request = req.event::<RequestCreated>().value_at_request;
        h.advance(3_600).await;
        h.set_usd(usd_after).await;
        let out = h.execute_due(RequestKind::Withdraw, &u).await.executed();
        let ev: VaultWithdrawn = out.event();
        assert_eq!(ev.value_at_request, at_request);
        assert_eq!(ev.paid, ev.value_now.min(ev.value_at_request));
        assert_eq!(ev.paid == ev.value_now, lower_is_now, "{usd_after}: {ev:?}");
        assert_ne!(ev.value_now, ev.value_at_request);
        h.check_invariants().await;
    }
}

/// Revision 2, section 3: what fits the limit is paid, the rest stays queued with a
/// new due time, the event and the return data name the largest amount, and the owner
/// can cancel what is left at any time.
#[tokio::test]
async fn a_withdrawal_above_the_limit_is_paid_in_part_and_the_rest_can_be_cancelled() {
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
    let out = h.execute_due(RequestKind::Withdraw, &u).await.executed();
    let ev: VaultWithdrawn = out.event();
    // The largest amount: C - ceil(N / 1.1), exactly what the engine computes.
    let m = h.market_state().await;
    let n = m.net_base as u64;
    let min_c = (u128::from(n) * 1_000_000).div_ceil(1_100_000) as u64;
    assert_eq!(ev.paid, ev.largest_now);
    assert_eq!(m.collateral, min_c);
    assert_eq!(out.return_u64(), Some(ev.largest_now));
    assert!(ev.shares_remaining > 0 && ev.shares + ev.shares_remaining == 5_000 * ONE);
    let left = h.request_state(&u.key(), RequestKind::Withdraw).await.unwrap();
    assert_eq!(left.amount, ev.shares_remaining);
    assert_eq!(left.due_time, h.now().await + 2);
    assert_eq!(left.execution_fee, 0, "the executor was paid once something was");
    h.check_invariants().await;
    // Nothing more can leave now: executing again pays nothing and keeps it queued.
    h.advance(2).await;
    let out = h.execute_due(RequestKind::Withdraw, &u).await.executed();
    let ev2: VaultWithdrawn = out.event();
    assert_eq!((ev2.paid, ev2.shares, ev2.largest_now), (0, 0, 0));
    // The owner cancels what is left and gets the shares back.
    let before = h.token_balance(u.shares).await;
    let out = h.send(&[cancel(&h, RequestKind::Withdraw, &u)], &[&u.kp]).await;
    out.ok();
    assert_eq!(h.token_balance(u.shares).await, before + ev.shares_remaining);
    assert_eq!(h.market_state().await.pending_withdraw_shares, 0);
    h.check_invariants().await;
}
