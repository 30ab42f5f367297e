//! Executing, cancelling and paying a request: twice, out of order, refused, reopened.

use super::*;

/// The same due trade, unstake and deposit executed twice in one transaction: the
/// second execution finds the request closed (or ended) and the whole transaction
/// fails; nothing moved; executed once afterwards, it fills once.
#[tokio::test]
async fn attempt_two_executions_of_one_request_in_one_transaction() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 10 * ONE).await;
    let k = keeper(&h);

    // Trade.
    h.send(&[position_request_trade(&h, &t, IONE, 0)], &[&t.kp])
        .await
        .ok();
    let r = h.request_state(&t.key(), RequestKind::Trade).await.unwrap();
    h.set_time(r.due_time).await;
    let oracle = h.publish_for_due(r.due_time).await;
    let ix = execute(&h, RequestKind::Trade, &t, &oracle);
    let m0 = h.market_state().await;
    let out = h.send(&[ix.clone(), ix.clone()], &[&k]).await;
    assert!(out.result.is_err(), "two executions in one transaction succeeded");
    let m1 = h.market_state().await;
    assert_eq!(bytemuck::bytes_of(&m1), bytemuck::bytes_of(&m0));
    assert!(h.request_state(&t.key(), RequestKind::Trade).await.is_some());
    h.send(std::slice::from_ref(&ix), &[&k]).await.executed();
    assert_eq!(h.position_state(&t.key()).await.base, IONE);
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 0);

    // Executed, reopened by its owner and executed again in one transaction: the
    // reopened request is not due.
    h.advance(5).await;
    let reopen = position_request_trade(&h, &t, IONE, 0);
    let r0 = h.now().await;
    h.send(&[position_request_trade(&h, &t, IONE, 0)], &[&t.kp])
        .await
        .ok();
    let r = h.request_state(&t.key(), RequestKind::Trade).await.unwrap();
    h.set_time(r.due_time).await;
    let oracle = h.publish_for_due(r.due_time).await;
    let ix = execute(&h, RequestKind::Trade, &t, &oracle);
    let out = h.send(&[ix.clone(), reopen, ix.clone()], &[&k, &t.kp]).await;
    assert!(
        out.result.is_err(),
        "executed, reopened and executed at once (requested at {r0})"
    );
    assert_eq!(h.position_state(&t.key()).await.base, IONE);
    h.send(&[ix], &[&k]).await.executed();
    assert_eq!(h.position_state(&t.key()).await.base, 2 * IONE);

    // Unstake.
    let s = h.user(10 * ONE).await;
    h.send(&[insurance_stake(&h, &s, 10 * ONE)], &[&s.kp]).await.ok();
    let st: Stake = h.anchor_account(stake_pda(&h.market, &s.key())).await;
    h.send(&[insurance_request_unstake(&h, &s, st.shares)], &[&s.kp])
        .await
        .ok();
    let r = h.request_state(&s.key(), RequestKind::Unstake).await.unwrap();
    h.set_time(r.due_time).await;
    let oracle = h.oracle;
    let ix = execute(&h, RequestKind::Unstake, &s, &oracle);
    let out = h.send(&[ix.clone(), ix.clone()], &[&k]).await;
    assert!(out.result.is_err());
    assert_eq!(h.token_balance(s.token).await, 0);
    let out = h.send(&[ix], &[&k]).await.executed();
    let paid = out.event::<InsuranceUnstaked>().paid;
    assert_eq!(h.token_balance(s.token).await, paid);
    assert!(paid <= 10 * ONE);

    // Deposit.
    let d = h.user(10 * ONE).await;
    h.send(&[vault_request_deposit(&h, &d, 10 * ONE, 0)], &[&d.kp])
        .await
        .ok();
    let r = h.request_state(&d.key(), RequestKind::Deposit).await.unwrap();
    h.set_time(r.due_time).await;
    let oracle = h.publish_for_due(r.due_time).await;
    let ix = execute(&h, RequestKind::Deposit, &d, &oracle);
    let out = h.send(&[ix.clone(), ix.clone()], &[&k]).await;
    assert!(out.result.is_err());
    assert_eq!(h.token_balance(d.shares).await, 0);
    let out = h.send(&[ix], &[&k]).await.executed();
    assert_eq!(
        h.token_balance(d.shares).await,
        out.event::<VaultDeposited>().shares
    );
    h.check_invariants().await;
}

/// Execution and cancellation of one request in one transaction, in both orders,
/// at and before the due time: only one of them ever takes effect.
#[tokio::test]
async fn attempt_execute_and_cancel_in_one_transaction() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let d = h.user(10 * ONE).await;
    let k = keeper(&h);
    h.send(&[vault_request_deposit(&h, &d, 10 * ONE, 0)], &[&d.kp])
        .await
        .ok();
    let r = h.request_state(&d.key(), RequestKind::Deposit).await.unwrap();
    // Before the due time: cancel then execute fails whole (not due).
    let oracle = h.oracle;
    let out = h
        .send(
            &[
                cancel(&h, RequestKind::Deposit, &d),
                execute(&h, RequestKind::Deposit, &d, &oracle),
            ],
            &[&d.kp, &k],
        )
        .await;
    assert!(out.result.is_err());
    assert!(h.request_state(&d.key(), RequestKind::Deposit).await.is_some());
    assert_eq!(h.token_balance(d.token).await, 0);
    // At the due time: execute then cancel fails whole (not pending / past due).
    h.set_time(r.due_time).await;
    let oracle = h.publish_for_due(r.due_time).await;
    let out = h
        .send(
            &[
                execute(&h, RequestKind::Deposit, &d, &oracle),
                cancel(&h, RequestKind::Deposit, &d),
            ],
            &[&d.kp, &k],
        )
        .await;
    assert!(out.result.is_err());
    // Cancel at the due time: refused by name.
    h.expect_error(
        vec![cancel(&h, RequestKind::Deposit, &d)],
        vec![&d.kp],
        code(HedgeError::RequestLocked),
    )
    .await;
    h.send(&[execute(&h, RequestKind::Deposit, &d, &oracle)], &[&k])
        .await
        .executed();
    assert_eq!(h.token_balance(d.token).await, 0);
    assert!(h.token_balance(d.shares).await > 0);
    h.check_invariants().await;
}

// ---------------------------------------------------------------------------------
// A refusal: what the request holds given back, events in the old order, the
// refund held for a claim, the account reopened fresh.
// ---------------------------------------------------------------------------------

/// A deposit refused at execution (the market paused after the request) whose
/// depositor closed the token account he named: the refund is held for his claim
/// (no token lost, none paid twice), the events are in the order the old handler
/// emitted them (DepositReleased, RequestCancelled, PaymentHeld), the executor is
/// paid, a new deposit is refused while the claim is pending, and once claimed the
/// reopened account carries none of the old request's state (`waiting`, `wait_since`,
/// claims).
#[tokio::test]
async fn attempt_refused_deposit_held_refund_claim_and_fresh_reopen() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let d = h.user(10 * ONE).await;
    h.send(&[vault_request_deposit(&h, &d, 10 * ONE, 0)], &[&d.kp])
        .await
        .ok();
    let spare = close_token(&mut h, &d, d.token).await;
    let g = h.guardian.insecure_clone();
    h.send(&[market_set_pause(&h, &g.pubkey(), true)], &[&g])
        .await
        .ok();
    let k = keeper(&h);
    let keeper_lamports0 = h.account(k.pubkey()).await.unwrap().lamports;
    let out = h.execute_due(RequestKind::Deposit, &d).await;
    assert_eq!(out.refused(), code(HedgeError::MarketPaused));
    // Events: released, cancelled, held (the old handler's order).
    let released: Vec<DepositReleased> = out.events();
    let held: Vec<PaymentHeld> = out.events();
    assert_eq!(released.len(), 1);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].tokens, 10 * ONE);
    assert_eq!(released[0].refunded, 10 * ONE);
    assert_eq!(out.return_data, None, "a deposit returns no data");
    let kinds: Vec<[u8; 8]> = out.events.iter().map(|e| e[0..8].try_into().unwrap()).collect();
    let pos = |d: &[u8]| kinds.iter().position(|k| k == d).unwrap();
    assert!(pos(DepositReleased::DISCRIMINATOR) < pos(RequestCancelled::DISCRIMINATOR));
    assert!(pos(RequestCancelled::DISCRIMINATOR) < pos(PaymentHeld::DISCRIMINATOR));
    assert!(h.account(k.pubkey()).await.unwrap().lamports > keeper_lamports0 - 100_000);
    let kept = raw_request(&mut h, &d.key(), RequestKind::Deposit).await.unwrap();
    assert!(!kept.is_pending());
    assert_eq!(kept.claim_tokens, 10 * ONE);
    assert_eq!(h.market_state().await.claimable_tokens, 10 * ONE);
    h.check_invariants().await;

    // The same wallet, paying from its spare account: refused while the claim waits.
    let admin = h.admin.insecure_clone();
    h.send(&[market_set_pause(&h, &admin.pubkey(), false)], &[&admin])
        .await
        .ok();
    let d2 = User {
        kp: d.kp.insecure_clone(),
        token: spare,
        shares: d.shares,
    };
    h.mint_to(&spare, 5 * ONE).await;
    h.expect_error(
        vec![vault_request_deposit(&h, &d2, 5 * ONE, 0)],
        vec![&d2.kp],
        code(HedgeError::ClaimPending),
    )
    .await;
    let claim = hedge_client::ix::request_claim(&mk(&h), &d.key(), RequestKind::Deposit, Some(spare), None);
    let out = h.send(std::slice::from_ref(&claim), &[&d.kp]).await;
    out.ok();
    assert_eq!(out.event::<PaymentClaimed>().tokens, 10 * ONE);
    assert_eq!(h.token_balance(spare).await, 15 * ONE);
    // A second claim pays nothing more.
    let again = h.send(&[claim], &[&d.kp]).await;
    assert!(again.result.is_err() || again.events::<PaymentClaimed>().iter().all(|c| c.tokens == 0));
    assert_eq!(h.token_balance(spare).await, 15 * ONE);
    h.send(&[vault_request_deposit(&h, &d2, 5 * ONE, 0)], &[&d2.kp])
        .await
        .ok();
    let m = h.market_state().await;
    let r = h.request_state(&d.key(), RequestKind::Deposit).await.unwrap();
    assert_eq!(r.amount, 5 * ONE);
    assert!(!r.is_waiting());
    assert_eq!(r.wait_since, m.wait_index);
    assert_eq!((r.claim_tokens, r.claim_shares), (0, 0));
    let out = h.execute_due(RequestKind::Deposit, &d2).await.executed();
    assert_eq!(out.event::<VaultDeposited>().amount, 5 * ONE);
    h.check_invariants().await;
}

/// The position's `pending_requests` through every path of the new lifecycle: a
/// trade and a margin withdrawal pending at once (2), one cancelled (1), the other
/// refused at execution (0); then executed (0): the position closes at the end.
#[tokio::test]
async fn attempt_pending_requests_counter_through_every_path() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 10 * ONE).await;
    // One request at a time per position: a second is refused while one is pending.
    h.send(&[position_request_withdraw(&h, &t, ONE)], &[&t.kp])
        .await
        .ok();
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 1);
    h.expect_error(
        vec![position_request_trade(&h, &t, IONE, 1)],
        vec![&t.kp],
        code(HedgeError::PositionHasPendingRequests),
    )
    .await;
    // The position cannot close while it is pending.
    h.expect_error(
        vec![position_close(&h, &t)],
        vec![&t.kp],
        code(HedgeError::PositionHasPendingRequests),
    )
    .await;
    h.send(&[cancel(&h, RequestKind::MarginWithdraw, &t)], &[&t.kp])
        .await
        .ok();
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 0);
    // Cancelling again: the request is gone, the counter stays.
    let again = h
        .send(&[cancel(&h, RequestKind::MarginWithdraw, &t)], &[&t.kp])
        .await;
    assert!(again.result.is_err());
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 0);
    h.send(&[position_request_trade(&h, &t, IONE, 1)], &[&t.kp])
        .await
        .ok();
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 1);
    // Refused by its limit price.
    let out = h.execute_due(RequestKind::Trade, &t).await;
    assert_eq!(out.refused(), code(HedgeError::SlippageExceeded));
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 0);
    // Margin withdrawal above the free margin: refused, largest returned.
    let out = h.withdraw_margin(&t, 11 * ONE).await;
    assert_eq!(out.refused(), code(HedgeError::WithdrawExceedsFreeMargin));
    let c: RequestCancelled = out.event();
    assert_eq!(out.return_u64(), Some(c.largest_allowed));
    assert_eq!(c.largest_allowed, 10 * ONE);
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 0);
    // Executed: no return data on success.
    let out = h.withdraw_margin(&t, 10 * ONE).await.executed();
    assert_eq!(out.return_data, None);
    assert_eq!(out.event::<MarginWithdrawn>().amount, 10 * ONE);
    assert_eq!(h.position_state(&t.key()).await.pending_requests, 0);
    h.send(&[position_close(&h, &t)], &[&t.kp]).await.ok();
    h.positions.retain(|p| *p != position_pda(&h.market, &t.key()));
    h.check_invariants().await;
}

/// A vault withdrawal executed: the return data is the largest payable now (the
/// event's `largest_now`), set after the events' self-CPIs as before.
#[tokio::test]
async fn attempt_vault_withdrawal_return_data() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let shares = h.token_balance(lp.shares).await;
    h.send(&[vault_request_withdraw(&h, &lp, shares / 2)], &[&lp.kp])
        .await
        .ok();
    let out = h.execute_due(RequestKind::Withdraw, &lp).await.executed();
    let w: VaultWithdrawn = out.event();
    assert_eq!(out.return_u64(), Some(w.largest_now));
    assert!(h.request_state(&lp.key(), RequestKind::Withdraw).await.is_none());
    h.check_invariants().await;
}

// ---------------------------------------------------------------------------------
// The ledger invariant: honest sequences never fail with LedgerInvariant.
// ---------------------------------------------------------------------------------
