//! Administration: timelocked parameter changes and settlement, the guardian's
//! pause (which stops new risk and nothing else), and two-step admin handover.

use hedge_engine::params::RiskParams;
use hedge_engine::requests::RequestKind;
use hedge_engine::PRICE_PRECISION;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::{MarketParams, ProposalKind};
use hedge_vault::HedgeError;
use solana_signer::Signer;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

#[tokio::test]
async fn parameters_change_only_through_the_timelock() {
    let mut h = Harness::new(Setup::default()).await;
    let admin = h.admin.insecure_clone();
    let a = admin.pubkey();
    let mut p = RiskParams::default_for_tests();
    p.taker_fee_ratio = 2_000;
    let (oc, ac) = (h.setup.oracle_config, h.setup.admin_config);
    // Range checks at proposal time, f < r_m < r_i included.
    let mut bad = p;
    bad.liquidation_fee_ratio = bad.maintenance_margin_ratio;
    h.expect_error(
        vec![market_propose_params(&h, &a, bad.into(), oc, ac)],
        vec![&admin],
        code(HedgeError::InvalidParameter),
    )
    .await;
    // Only the admin.
    let stranger = h.user(0).await;
    h.expect_error(
        vec![market_propose_params(&h, &stranger.key(), p.into(), oc, ac)],
        vec![&stranger.kp],
        code(HedgeError::Unauthorized),
    )
    .await;
    h.expect_error(
        vec![market_apply_proposal(&h, &a)],
        vec![&admin],
        code(HedgeError::NoPendingProposal),
    )
    .await;
    let out = h
        .send(&[market_propose_params(&h, &a, p.into(), oc, ac)], &[&admin])
        .await;
    let eta = out.event::<ProposalCreated>().eta;
    assert_eq!(eta, h.now().await + 86_400);
    h.advance(86_399).await;
    h.expect_error(
        vec![market_apply_proposal(&h, &a)],
        vec![&admin],
        code(HedgeError::TimelockNotElapsed),
    )
    .await;
    h.advance(1).await;
    // Applying accrues funding under the old parameters first, which reads the price.
    h.set_usd(100.0).await;
    h.send(&[market_apply_proposal(&h, &a)], &[&admin]).await.ok();
    let m = h.market_state().await;
    assert_eq!(m.params, MarketParams::from(p));
    assert_eq!(m.proposal.kind(), ProposalKind::None);
    // Cancel.
    h.send(&[market_propose_params(&h, &a, p.into(), oc, ac)], &[&admin])
        .await
        .ok();
    h.send(&[market_cancel_proposal(&h, &a)], &[&admin]).await.ok();
    h.expect_error(
        vec![market_apply_proposal(&h, &a)],
        vec![&admin],
        code(HedgeError::NoPendingProposal),
    )
    .await;
}

#[tokio::test]
async fn pause_stops_new_risk_and_nothing_else() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(20 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 2 * ONE).await;
    h.trade(&t, 5 * IONE).await;
    let stranger = h.user(0).await;
    h.expect_error(
        vec![market_set_pause(&h, &stranger.key(), true)],
        vec![&stranger.kp],
        code(HedgeError::NotGuardian),
    )
    .await;
    let guardian = h.guardian.insecure_clone();
    let out = h
        .send(&[market_set_pause(&h, &guardian.pubkey(), true)], &[&guardian])
        .await;
    assert!(out.event::<PauseSet>().paused);
    // Stopped: deposits and risk-increasing trades.
    h.expect_error(
        vec![vault_request_deposit(&h, &lp, ONE, 0)],
        vec![&lp.kp],
        code(HedgeError::MarketPaused),
    )
    .await;
    h.expect_error(
        vec![position_request_trade(&h, &t, IONE, 0)],
        vec![&t.kp],
        code(HedgeError::MarketPaused),
    )
    .await;
    // Not stopped: reducing, margin withdrawal, funding, settlement, vault withdrawal,
    // liquidation.
    h.trade(&t, -IONE).await;
    h.withdraw_margin(&t, ONE / 10).await.executed();
    h.advance(60).await;
    h.set_usd(100.0).await;
    h.send(&[market_update_funding(&h)], &[]).await.ok();
    h.send(&[position_settle_funding(&h, &t.key())], &[]).await.ok();
    h.send(&[vault_request_withdraw(&h, &lp, 1_000 * ONE)], &[&lp.kp])
        .await
        .ok();
    h.advance(3_600).await;
    h.set_usd(100.0).await;
    h.execute_due(RequestKind::Withdraw, &lp).await.executed();
    h.set_usd(70.0).await;
    let liq = h.user(0).await;
    h.send(&[position_liquidate(&h, &liq, &t.key(), &h.oracle)], &[&liq.kp])
        .await
        .ok();
    h.check_invariants().await;
    // The guardian cannot unpause; the admin can.
    h.expect_error(
        vec![market_set_pause(&h, &guardian.pubkey(), false)],
        vec![&guardian],
        code(HedgeError::Unauthorized),
    )
    .await;
    let admin = h.admin.insecure_clone();
    h.send(&[market_set_pause(&h, &admin.pubkey(), false)], &[&admin])
        .await
        .ok();
    h.set_usd(100.0).await;
    h.deposit(&lp, ONE).await;
}

#[tokio::test]
async fn admin_handover_is_two_step() {
    let mut h = Harness::new(Setup::default()).await;
    let admin = h.admin.insecure_clone();
    let next = h.user(0).await;
    let other = h.user(0).await;
    h.send(
        &[market_propose_admin(&h, &admin.pubkey(), next.key())],
        &[&admin],
    )
    .await
    .ok();
    assert_eq!(
        h.market_state().await.admin,
        admin.pubkey(),
        "nothing changes until accepted"
    );
    h.expect_error(
        vec![market_accept_admin(&h, &other.key())],
        vec![&other.kp],
        code(HedgeError::NotPendingAdmin),
    )
    .await;
    let out = h.send(&[market_accept_admin(&h, &next.key())], &[&next.kp]).await;
    assert_eq!(out.event::<AdminAccepted>().admin, next.key());
    h.expect_error(
        vec![market_set_guardian(&h, &admin.pubkey(), admin.pubkey())],
        vec![&admin],
        code(HedgeError::Unauthorized),
    )
    .await;
    h.send(&[market_set_guardian(&h, &next.key(), other.key())], &[&next.kp])
        .await
        .ok();
    assert_eq!(h.market_state().await.guardian, other.key());
}

#[tokio::test]
async fn a_dead_feed_is_settled_through_the_timelock_and_winds_down() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(20 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 2 * ONE).await;
    h.trade(&t, 5 * IONE).await;
    let admin = h.admin.insecure_clone();
    let a = admin.pubkey();
    // The feed is alive.
    h.expect_error(
        vec![market_propose_settlement(&h, &a)],
        vec![&admin],
        code(HedgeError::FeedNotDead),
    )
    .await;
    // The feed's last update, 95, which nobody brought to the market: it is the
    // feed's own last price (newer than the 100 the market accepted last).
    h.advance(60).await;
    h.set_usd(95.0).await;
    let price = 95 * PRICE_PRECISION;
    // Silent past the settlement timeout (24 h, the floor): the price account itself
    // shows no update, nor has the market accepted any.
    h.advance(86_401).await;
    // The settlement price is the feed's own last price: nobody chooses it.
    h.send(&[market_propose_settlement(&h, &a)], &[&admin]).await.ok();
    assert_eq!(h.market_state().await.proposal.settlement_price, price);
    h.advance(86_399).await;
    h.expect_error(
        vec![market_apply_proposal(&h, &a)],
        vec![&admin],
        code(HedgeError::TimelockNotElapsed),
    )
    .await;
    h.advance(1).await;
    h.send(&[market_apply_proposal(&h, &a)], &[&admin]).await.ok();
    let m = h.market_state().await;
    assert!(m.is_settled());
    assert_eq!(m.settlement_price, price);
    // Only closing and withdrawal, at the settlement price, with no oracle update.
    h.expect_error(
        vec![vault_request_deposit(&h, &lp, ONE, 0)],
        vec![&lp.kp],
        code(HedgeError::MarketSettled),
    )
    .await;
    h.expect_error(
        vec![position_request_trade(&h, &t, IONE, 0)],
        vec![&t.kp],
        code(HedgeError::MarketSettled),
    )
    .await;
    let out = h.trade(&t, -5 * IONE).await;
    assert_eq!(out.event::<PositionTraded>().fill_price, price);
    h.send(&[vault_request_withdraw(&h, &lp, 1_000 * ONE)], &[&lp.kp])
        .await
        .ok();
    h.advance(3_600).await;
    let out = h.execute_due(RequestKind::Withdraw, &lp).await.executed();
    assert_eq!(out.event::<VaultWithdrawn>().price, price);
    h.check_invariants().await;
}

/// The finding (MEDIUM): a live but quiet market could be settled at any price ("dead"
/// was measured by the market's own inactivity); 81% of the vault went to one trader.
/// Replayed: nobody touches the market for the timeout, but the price account keeps
/// publishing: the feed is not dead. And once it is, the market settles at the
/// feed's own last price, never at one the admin chooses (revision 5: revision 3
/// allowed any within 5%).
#[tokio::test]
async fn a_live_quiet_market_cannot_be_settled() {
    let mut h = Harness::new(Setup::default()).await;
    let lp = h.user(20 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 2 * ONE).await;
    h.trade(&t, 5 * IONE).await;
    let admin = h.admin.insecure_clone();
    let a = admin.pubkey();
    // Two hours without any market activity; the feed publishes every minute.
    for _ in 0..120 {
        h.advance(60).await;
        h.set_usd(100.0).await;
    }
    let before = h.market_state().await;
    h.expect_error(
        vec![market_propose_settlement(&h, &a)],
        vec![&admin],
        code(HedgeError::FeedNotDead),
    )
    .await;
    assert_eq!(h.market_state().await.proposal, before.proposal);
    // Dead now (24 h of silence): the proposal can only be the feed's last price.
    h.advance(86_401).await;
    h.send(&[market_propose_settlement(&h, &a)], &[&admin]).await.ok();
    assert_eq!(
        h.market_state().await.proposal.settlement_price,
        100 * PRICE_PRECISION
    );
}

/// PROTOCOL section 8 (revision 2): applying accrues funding under the old parameters
/// first; delays have non-zero lower bounds; the timelock lengthens at once and
/// shortens only through itself.
#[tokio::test]
async fn applying_accrues_first_delays_have_floors_and_the_timelock_only_lengthens_at_once() {
    let mut setup = Setup::default();
    setup.params.skew_scale = ONE;
    setup.params.max_funding_velocity = 1_000_000_000_000;
    let mut h = Harness::new(setup).await;
    let lp = h.user(20 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    let t = h.user(10 * ONE).await;
    h.trader(&t, 3 * ONE).await;
    h.trade(&t, 11 * IONE).await;
    let admin = h.admin.insecure_clone();
    let a = admin.pubkey();
    let (oc, ac) = (h.setup.oracle_config, h.setup.admin_config);
    // Lower bounds: a zero withdrawal delay, insurance cooldown or execution delay.
    for tweak in [
        |p: &mut RiskParams| p.withdraw_delay = 0,
        |p: &mut RiskParams| p.insurance_cooldown = 0,
        |p: &mut RiskParams| p.execution_delay = 0,
    ] {
        let mut p = h.setup.params;
        tweak(&mut p);
        h.expect_error(
            vec![market_propose_params(&h, &a, p.into(), oc, ac)],
            vec![&admin],
            code(HedgeError::InvalidParameter),
        )
        .await;
    }
    // A proposal that stops funding from moving (velocity 0), applied a day later.
    let mut p = h.setup.params;
    p.max_funding_velocity = 0;
    h.send(&[market_propose_params(&h, &a, p.into(), oc, ac)], &[&admin])
        .await
        .ok();
    h.advance(86_400).await;
    h.set_usd(100.0).await;
    let m0 = h.market_state().await;
    let expected = {
        let mut st = m0.state().unwrap();
        st.accrue(100 * PRICE_PRECISION, h.now().await).unwrap();
        st.funding
    };
    h.send(&[market_apply_proposal(&h, &a)], &[&admin]).await.ok();
    let m1 = h.market_state().await;
    assert_eq!(m1.params.max_funding_velocity, 0);
    // The day before the change was charged with the old velocity.
    assert_eq!(
        (m1.funding_index, m1.funding_rate, m1.last_funding_time),
        (expected.index, expected.rate, expected.last_time)
    );
    assert_ne!(m1.funding_rate, m0.funding_rate);
    // The timelock: longer at once, shorter refused.
    let out = h
        .send(&[market_lengthen_timelock(&h, &a, 2 * 86_400)], &[&admin])
        .await;
    out.ok();
    assert_eq!(out.event::<TimelockLengthened>().timelock_delay, 2 * 86_400);
    h.expect_error(
        vec![market_lengthen_timelock(&h, &a, 86_400)],
        vec![&admin],
        code(HedgeError::TimelockNotLonger),
    )
    .await;
    let stranger = h.user(0).await;
    h.expect_error(
        vec![market_lengthen_timelock(&h, &stranger.key(), 3 * 86_400)],
        vec![&stranger.kp],
        code(HedgeError::Unauthorized),
    )
    .await;
    // Shortening goes through the timelock (now two days).
    let mut short = ac;
    short.timelock_delay = 3_600;
    h.send(
        &[market_propose_params(&h, &a, h.setup.params.into(), oc, short)],
        &[&admin],
    )
    .await
    .ok();
    h.advance(2 * 86_400).await;
    h.set_usd(100.0).await;
    h.send(&[market_apply_proposal(&h, &a)], &[&admin]).await.ok();
    assert_eq!(h.market_state().await.admin_config.timelock_delay, 3_600);
}
