//! The ledger invariant after donations, bad debt, claims and a socialized loss.

use super::*;

/// Tokens donated straight to the collateral and insurance token accounts (anyone
/// can), then every token-moving handler: deposit, trade, margin withdrawal,
/// liquidation with bad debt the fund covers, unstake (held for a claim), claim,
/// vault withdrawal, position close. None fails with `LedgerInvariant`; the
/// donations stay as the accounts' surplus over their ledgers, exactly.
#[tokio::test]
async fn attempt_invariant_after_donations_bad_debt_claims_and_every_handler() {
    let mut s = Setup::default();
    s.params.taker_fee_ratio = 0;
    s.params.impact_fee_ratio = 0;
    let mut h = Harness::new(s).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let donor = h.user(10).await;
    let m = h.market_state().await;
    let give = [
        spl_token::instruction::transfer(
            &spl_token::ID,
            &donor.token,
            &m.collateral_vault,
            &donor.key(),
            &[],
            7,
        )
        .unwrap(),
        spl_token::instruction::transfer(
            &spl_token::ID,
            &donor.token,
            &m.insurance_vault,
            &donor.key(),
            &[],
            3,
        )
        .unwrap(),
    ];
    h.send(&give, &[&donor.kp]).await.ok();
    assert_eq!(surplus(&mut h).await, (7, 3));

    let t = h.user(10 * ONE).await;
    h.trader(&t, ONE).await;
    h.trade(&t, 10 * IONE).await;
    let staker = h.user(5 * ONE).await;
    h.send(&[insurance_stake(&h, &staker, 5 * ONE)], &[&staker.kp])
        .await
        .ok();
    // A gap through the margin: bad debt the fund covers.
    h.set_usd(85.0).await;
    let liq = h.user(0).await;
    let out = h
        .send(&[position_liquidate(&h, &liq, &t.key(), &h.oracle)], &[&liq.kp])
        .await;
    out.ok();
    let ev: BadDebtResolved = out.event();
    assert!(ev.bad_debt > 0);
    assert_eq!(surplus(&mut h).await, (7, 3));
    h.set_usd(100.0).await;

    // A second trader: trades, withdraws margin, closes.
    let t2 = h.user(10 * ONE).await;
    h.trader(&t2, 5 * ONE).await;
    h.trade(&t2, 2 * IONE).await;
    h.trade(&t2, -2 * IONE).await;
    let free = h.position_state(&t2.key()).await.margin as u64;
    h.withdraw_margin(&t2, free / 2).await.executed();
    let rest = h.position_state(&t2.key()).await.margin as u64;
    h.withdraw_margin(&t2, rest).await.executed();
    h.send(&[position_close(&h, &t2)], &[&t2.kp]).await.ok();

    // The staker's unstake, his token account closed: held, then claimed.
    let st: Stake = h.anchor_account(stake_pda(&h.market, &staker.key())).await;
    h.send(
        &[insurance_request_unstake(&h, &staker, st.shares)],
        &[&staker.kp],
    )
    .await
    .ok();
    let spare = close_token(&mut h, &staker, staker.token).await;
    let out = h.execute_due(RequestKind::Unstake, &staker).await.executed();
    let paid = out.event::<InsuranceUnstaked>().paid;
    assert_eq!(out.event::<PaymentHeld>().tokens, paid);
    assert_eq!(surplus(&mut h).await, (7, 3));
    let claim =
        hedge_client::ix::request_claim(&mk(&h), &staker.key(), RequestKind::Unstake, Some(spare), None);
    h.send(&[claim], &[&staker.kp]).await.ok();
    assert_eq!(h.token_balance(spare).await, paid);

    // The holder leaves.
    let shares = h.token_balance(lp.shares).await;
    h.send(&[vault_request_withdraw(&h, &lp, shares)], &[&lp.kp])
        .await
        .ok();
    h.execute_due(RequestKind::Withdraw, &lp).await.executed();
    assert_eq!(surplus(&mut h).await, (7, 3));
}

/// A loss beyond the fund (socialized to the holders) and auto-deleveraging, then
/// the holders and the remaining trader leave: every handler passes the invariant.
#[tokio::test]
async fn attempt_invariant_after_socialized_loss() {
    let mut s = Setup::default();
    s.params.taker_fee_ratio = 0;
    s.params.impact_fee_ratio = 0;
    let mut h = Harness::new(s).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, ONE).await;
    h.trade(&t, 10 * IONE).await;
    let t2 = h.user(10 * ONE).await;
    h.trader(&t2, 5 * ONE).await;
    h.trade(&t2, IONE).await;
    let creator = User {
        kp: h.admin.insecure_clone(),
        token: h.admin_token,
        shares: Pubkey::default(),
    };
    let stake: Stake = h.anchor_account(stake_pda(&h.market, &creator.key())).await;
    h.send(
        &[insurance_request_unstake(&h, &creator, stake.shares)],
        &[&creator.kp],
    )
    .await
    .ok();
    h.execute_due(RequestKind::Unstake, &creator).await.executed();
    h.set_usd(40.0).await;
    let liq = h.user(0).await;
    let out = h
        .send(&[position_liquidate(&h, &liq, &t.key(), &h.oracle)], &[&liq.kp])
        .await;
    out.ok();
    let ev: BadDebtResolved = out.event();
    assert!(ev.socialized > 0, "{ev:?}");
    h.check_invariants().await;
    // The creator's rest of the unstake, the remaining long, the holder.
    if h.request_state(&creator.key(), RequestKind::Unstake)
        .await
        .is_some()
    {
        h.execute_due(RequestKind::Unstake, &creator).await.ok();
    }
    let out = h
        .send(&[position_liquidate(&h, &liq, &t2.key(), &h.oracle)], &[&liq.kp])
        .await;
    assert_ne!(out.custom_error(), Some(code(HedgeError::LedgerInvariant)));
    h.set_usd(50.0).await;
    let base = h.position_state(&t2.key()).await.base;
    if base != 0 {
        h.trade(&t2, -base).await;
    }
    let margin = h.position_state(&t2.key()).await.margin;
    if margin > 0 {
        h.withdraw_margin(&t2, margin as u64).await.executed();
    }
    let shares = h.token_balance(lp.shares).await;
    h.send(&[vault_request_withdraw(&h, &lp, shares)], &[&lp.kp])
        .await
        .ok();
    let out = h.execute_due(RequestKind::Withdraw, &lp).await;
    assert_ne!(
        out.custom_error(),
        Some(code(HedgeError::LedgerInvariant)),
        "{:?}",
        out.logs
    );
    out.ok();
    h.check_invariants().await;
}

// ---------------------------------------------------------------------------------
// Zero-copy layout.
// ---------------------------------------------------------------------------------
