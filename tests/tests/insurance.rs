//! The insurance fund: donations, staking with virtual shares, and leaving by request,
//! cooldown and withdrawal at `min(value at request, value at withdrawal)`.

use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::InsuranceStake;
use hedge_vault::HedgeError;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

#[tokio::test]
async fn donations_and_stakes_feed_the_fund() {
    let mut h = Harness::new(Setup::default()).await;
    let donor = h.user(3 * ONE).await;
    let out = h
        .send(&[insurance_deposit(&h, &donor, 2 * ONE)], &[&donor.kp])
        .await;
    assert_eq!(out.event::<InsuranceDeposited>().insurance_after, 2 * ONE);
    let staker = h.user(5 * ONE).await;
    let out = h
        .send(&[insurance_stake(&h, &staker, 4 * ONE)], &[&staker.kp])
        .await;
    let ev: InsuranceStaked = out.event();
    // 4 tokens against 2 donated: shares = 4e9 * (0 + 1000) / (2e9 + 1).
    assert_eq!(
        ev.shares,
        (4 * u128::from(ONE) * 1000 / (2 * u128::from(ONE) + 1)) as u64
    );
    let m = h.market_state().await;
    assert_eq!((m.insurance, m.insurance_shares), (6 * ONE, ev.shares));
    assert_eq!(h.token_balance(m.insurance_vault).await, 6 * ONE);
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
    let mut h = Harness::new(Setup::default()).await;
    let staker = h.user(4 * ONE).await;
    h.send(&[insurance_stake(&h, &staker, 4 * ONE)], &[&staker.kp])
        .await
        .ok();
    let stake: InsuranceStake = h.anchor_account(stake_pda(&h.market, &staker.key())).await;
    let half = stake.shares / 2;
    h.expect_error(
        vec![insurance_request_unstake(&h, &staker, stake.shares + 1)],
        vec![&staker.kp],
        code(HedgeError::InsufficientInsuranceShares),
    )
    .await;
    h.expect_error(
        vec![insurance_unstake(&h, &staker)],
        vec![&staker.kp],
        code(HedgeError::NoUnstakePending),
    )
    .await;
    let out = h
        .send(&[insurance_request_unstake(&h, &staker, half)], &[&staker.kp])
        .await;
    let at_request = out.event::<InsuranceUnstakeRequested>().value_at_request;
    // 2e12 shares * (4e9 + 1) / (4e12 + 1000) = exactly 2 tokens.
    assert_eq!(at_request, 2 * ONE);
    h.expect_error(
        vec![insurance_request_unstake(&h, &staker, 1)],
        vec![&staker.kp],
        code(HedgeError::UnstakeAlreadyPending),
    )
    .await;
    h.advance(86_399).await;
    h.expect_error(
        vec![insurance_unstake(&h, &staker)],
        vec![&staker.kp],
        code(HedgeError::UnstakeNotReady),
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
        .send(&[position_liquidate(&h, &liq, &t.key())], &[&liq.kp])
        .await;
    assert!(out.event::<BadDebtResolved>().insurance_covered > 0);
    h.advance(1).await;
    let out = h.send(&[insurance_unstake(&h, &staker)], &[&staker.kp]).await;
    let ev: InsuranceUnstaked = out.event();
    assert!(ev.value_now < ev.value_at_request);
    assert_eq!(ev.paid, ev.value_now);
    assert_eq!(h.token_balance(staker.token).await, ev.paid);
    h.check_invariants().await;

    // Someone else's stake.
    let thief = h.user(0).await;
    let mut a = insurance_unstake(&h, &thief);
    a.accounts[3].pubkey = stake_pda(&h.market, &staker.key());
    h.expect_error(vec![a], vec![&thief.kp], code(HedgeError::WrongOwner))
        .await;
}
