//! The insurance fund: the creator's seed stake, donations, staking with virtual
//! shares, and leaving by a request executed after the cooldown at
//! `min(value at request, value at execution)`, cancellable by its owner at any time.

use hedge_engine::requests::RequestKind;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::Stake;
use hedge_vault::HedgeError;
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

/// A market whose creator seeded the fund with 1 token, the stress cap off.
fn small_fund() -> Setup {
    let mut s = Setup::default();
    s.params.stress_move = s.params.initial_margin_ratio;
    s.seed_insurance = ONE;
    s
}

#[tokio::test]
async fn the_seed_donations_and_stakes_feed_the_fund() {
    let mut h = Harness::new(small_fund()).await;
    // The creator's seed: 1 token for 1e12 shares (1000 per unit on an empty fund).
    let m = h.market_state().await;
    assert_eq!((m.insurance, m.insurance_shares), (ONE, 1_000 * ONE));
    let seed: Stake = h.anchor_account(stake_pda(&h.market, &h.admin.pubkey())).await;
    assert_eq!(seed.shares, 1_000 * ONE);
    let donor = h.user(3 * ONE).await;
    let out = h
        .send(&[insurance_deposit(&h, &donor, 2 * ONE)], &[&donor.kp])
        .await;
    assert_eq!(out.event::<InsuranceDeposited>().insurance_after, 3 * ONE);
    let staker = h.user(5 * ONE).await;
    let out = h
        .send(&[insurance_stake(&h, &staker, 4 * ONE)], &[&staker.kp])
        .await;
    let ev: InsuranceStaked = out.event();
    // 4 tokens against 3 in the fund and 1e12 shares: 4e9 * (1e12 + 1000) / (3e9 + 1).
    assert_eq!(
        ev.shares,
        (4 * u128::from(ONE) * (1_000 * u128::from(ONE) + 1_000) / (3 * u128::from(ONE) + 1)) as u64
    );
    let m = h.market_state().await;
    assert_eq!(
        (m.insurance, m.insurance_shares),
        (7 * ONE, 1_000 * ONE + ev.shares)
    );
    assert_eq!(h.token_balance(m.insurance_vault).await, 7 * ONE);
    h.check_invariants().await;
    h.expect_error(
        vec![insurance_deposit(&h, &donor, 0)],
        vec![&donor.kp],
        code(HedgeError::ZeroAmount),
    )
    .await;
    h.expect_error(
        vec![insurance_stake(&h, &staker, 2 * ONE)],
        vec![&staker.kp],
        code(HedgeError::InsufficientFunds),
    )
    .await;
}

#[tokio::test]
async fn leaving_takes_a_cooldown_and_the_lower_value() {
    let mut h = Harness::new(small_fund()).await;
    let staker = h.user(4 * ONE).await;
    h.send(&[insurance_stake(&h, &staker, 4 * ONE)], &[&staker.kp])
        .await
        .ok();
    let stake: Stake = h.anchor_account(stake_pda(&h.market, &staker.key())).await;
    let half = stake.shares / 2;
    h.expect_error(
        vec![insurance_request_unstake(&h, &staker, stake.shares + 1)],
        vec![&staker.kp],
        code(HedgeError::InsufficientInsuranceShares),
    )
    .await;
    let keeper = h.keeper.kp.insecure_clone();
    let oracle = h.oracle;
    h.expect_error(
        vec![execute(&h, RequestKind::Unstake, &staker, &oracle)],
        vec![&keeper],
        anchor_code(anchor_lang::error::ErrorCode::AccountNotInitialized),
    )
    .await;
    let out = h
        .send(&[insurance_request_unstake(&h, &staker, half)], &[&staker.kp])
        .await;
    let req: RequestCreated = out.event();
    // Half the staker's shares are worth exactly 2 tokens, due after the 1-day cooldown.
    assert_eq!(req.value_at_request, 2 * ONE);
    assert_eq!(req.due_time, h.now().await + 86_400);
    let locked: Stake = h.anchor_account(stake_pda(&h.market, &staker.key())).await;
    assert_eq!(locked.shares, stake.shares - half);
    h.expect_error(
        vec![insurance_request_unstake(&h, &staker, 1)],
        vec![&staker.kp],
        code(HedgeError::RequestAlreadyPending),
    )
    .await;
    h.advance(86_399).await;
    h.expect_error(
        vec![execute(&h, RequestKind::Unstake, &staker, &oracle)],
        vec![&keeper],
        code(HedgeError::RequestNotDue),
    )
    .await;

    // Meanwhile the fund pays a bad debt: the staker leaves at the lower value.
    let lp = h.user(100 * ONE).await;
    h.set_usd(100.0).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = h.user(ONE).await;
    h.trader(&t, ONE).await;
    h.trade(&t, 9 * IONE).await;
    h.set_usd(80.0).await;
    let liq = h.user(0).await;
    let out = h
        .send(&[position_liquidate(&h, &liq, &t.key(), &h.oracle)], &[&liq.kp])
        .await;
    assert!(out.event::<BadDebtResolved>().insurance_covered > 0);
    let out = h.execute_due(RequestKind::Unstake, &staker).await.executed();
    let ev: InsuranceUnstaked = out.event();
    assert!(ev.value_now < ev.value_at_request);
    assert_eq!(ev.paid, ev.value_now);
    assert_eq!(ev.executor, h.keeper.key());
    assert_eq!(h.token_balance(staker.token).await, ev.paid);
    h.check_invariants().await;

    // Someone else's stake cannot be cancelled into.
    h.send(&[insurance_request_unstake(&h, &staker, 1_000)], &[&staker.kp])
        .await
        .ok();
    let thief = h.user(0).await;
    let mut a = cancel(&h, RequestKind::Unstake, &staker);
    // accounts: owner, market, request, stake, ...
    a.accounts[3].pubkey = stake_pda(&h.market, &thief.key());
    h.expect_error(
        vec![a],
        vec![&staker.kp],
        anchor_code(anchor_lang::error::ErrorCode::AccountNotInitialized),
    )
    .await;
    // The owner may cancel before the due time: the shares go back to the stake.
    let before: Stake = h.anchor_account(stake_pda(&h.market, &staker.key())).await;
    h.send(&[cancel(&h, RequestKind::Unstake, &staker)], &[&staker.kp])
        .await
        .ok();
    let after: Stake = h.anchor_account(stake_pda(&h.market, &staker.key())).await;
    assert_eq!(after.shares, before.shares + 1_000);
    h.check_invariants().await;
}
