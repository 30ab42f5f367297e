//! Round trips, and pairs whose leg is liquidated, goes bankrupt, is deleveraged or
//! exits capped by its equity.

use super::*;

/// Class 1, revision 4's headline attack: one account's round trips, away from the
/// target and back, alone and with a friend, by an attacker who also staked in the
/// insurance fund. With no taker fee, so that each cycle's every token is accounted:
/// `C` does not move (but for the realized PnL's rounding, in the vault's favour), the
/// insurance fund does not move, the ledger keeps exactly what the cycles paid less
/// what they were rebated, and the attacker loses exactly that.
#[tokio::test]
async fn round_trips_of_trades_alone_with_a_friend_and_a_stake_gain_nothing() {
    let mut s = Setup::two_way(0);
    s.params.taker_fee_ratio = 0;
    let (mut h, _) = hedged(s, 20 * ONE).await;
    let a = funded_trader(&mut h, 10 * ONE).await;
    let b = funded_trader(&mut h, 10 * ONE).await;
    let staker = h.user(100 * ONE).await;
    h.send(&[insurance_stake(&h, &staker, 100 * ONE)], &[&staker.kp])
        .await
        .ok();
    for size in [IONE / 10, IONE, 5 * IONE, 15 * IONE] {
        for friend in [false, true] {
            let m0 = h.market_state().await;
            let before = holdings(&mut h, &a).await + holdings(&mut h, &b).await;
            let (mut impact, mut rebates, mut realized, mut funding) = (0i128, 0i128, 0i128, 0i128);
            // Away from the target (a short under-hedges), then back: by the same
            // account, or by the friend's long and then both unwound.
            let legs: Vec<(&User, i64)> = if friend {
                vec![(&a, -size), (&b, size), (&b, -size), (&a, size)]
            } else {
                vec![(&a, -size), (&a, size)]
            };
            for (who, d) in legs {
                let ev: PositionTraded = h.trade(who, d).await.event();
                assert_eq!(ev.fee, ev.impact_fee, "no taker fee: the fee is the rise");
                assert_eq!(ev.insurance_fee, 0);
                impact += i128::from(ev.impact_fee);
                rebates += i128::from(ev.rebate);
                realized += i128::from(ev.realized_pnl);
                funding += i128::from(ev.funding_paid);
            }
            let m = h.market_state().await;
            let after = holdings(&mut h, &a).await + holdings(&mut h, &b).await;
            // What the ledger released into C in between (its rounding surplus).
            let released = (m.skew_released - m0.skew_released) as i128;
            assert!(released < 10, "{released}");
            assert_eq!(m.net_base, m0.net_base);
            // C moved by the funding the trades settled (revision 4's funding pulled
            // to its target) and the realized PnL's rounding, nothing else.
            assert_eq!(
                i128::from(m.collateral),
                i128::from(m0.collateral) - realized + funding + released
            );
            assert!(realized <= 0 && realized > -10, "rounding only: {realized}");
            assert_eq!(m.insurance, m0.insurance, "the fund takes no rise");
            assert_eq!(
                i128::from(m.skew_ledger),
                i128::from(m0.skew_ledger) + impact - rebates - released
            );
            assert!(
                rebates <= impact,
                "size {size}: rebated {rebates} > paid {impact}"
            );
            assert_eq!(after, before - impact + rebates + realized - funding);
            assert!(after <= before);
            h.check_invariants().await;
        }
    }
    // The stake earned nothing from it: the fund is what was staked.
    let m = h.market_state().await;
    assert_eq!(m.insurance, h.setup.seed_insurance + 100 * ONE);
}

/// Class 2: a neutral pair, one leg liquidated after a price move, the other closing
/// into the gap the liquidation left. The liquidation pays its close's rise from the
/// equity it leaves (revision 4: nothing), the other leg is rebated no more than
/// that, and the ledger ends with at least what it had.
#[tokio::test]
async fn letting_one_leg_of_a_pair_be_liquidated_rebates_the_other_no_more_than_it_paid() {
    let (mut h, _) = hedged(Setup::two_way(0), 10 * ONE).await;
    let long = funded_trader(&mut h, ONE).await;
    let short = funded_trader(&mut h, 3 * ONE).await;
    // The short first (it pays the rise of the gap it opens), the long after (rebated
    // for closing it): the pair is neutral, the vault back at its target.
    h.trade(&short, -5 * IONE).await;
    h.trade(&long, 5 * IONE).await;
    // The long (about 5x) falls below maintenance at 85.
    h.set_usd(85.0).await;
    let liq = h.user(0).await;
    let m0 = h.market_state().await;
    let out = h
        .send(
            &[position_liquidate(&h, &liq, &long.key(), &h.oracle)],
            &[&liq.kp],
        )
        .await;
    out.ok();
    let ev: PositionLiquidated = out.event();
    let m1 = h.market_state().await;
    assert!(ev.closed > 0 && ev.bad_debt == 0, "{ev:?}");
    // The close's rise, from the state before to the state it left, paid in full.
    assert_eq!(
        i128::from(ev.skew_paid),
        rise(&m0, point(&m0), point(&m1)),
        "{ev:?}"
    );
    assert!(ev.skew_paid > 0 && ev.skew_unfunded == 0, "{ev:?}");
    assert_eq!(m1.skew_ledger, m0.skew_ledger + ev.skew_paid);
    h.check_invariants().await;
    // The short closes as much as was liquidated: the gap closes, its fall rebated out
    // of what the liquidation paid, no more.
    let ev2: PositionTraded = h.trade(&short, ev.closed as i64).await.event();
    assert!(ev2.rebate > 0 && ev2.rebate <= ev.skew_paid, "{ev2:?} vs {ev:?}");
    let m2 = h.market_state().await;
    assert!(ledger_kept(&m2, &m0), "the ledger lost to the pair");
    h.check_invariants().await;
}

/// Class 2, bankrupt: the leg is liquidated past its bankruptcy, so its close pays
/// none of its rise. The rise is unfunded (recorded), and the other leg's close into
/// the gap pays it down before any rebate: it is rebated nothing for it.
#[tokio::test]
async fn a_bankrupt_leg_leaves_its_rise_unfunded_and_nobody_is_rebated_for_it() {
    let (mut h, _) = hedged(Setup::two_way(0), 10 * ONE).await;
    let long = funded_trader(&mut h, 600_000_000).await;
    let short = funded_trader(&mut h, 3 * ONE).await;
    h.trade(&short, -5 * IONE).await;
    h.trade(&long, 5 * IONE).await;
    // A gap to 80: the 8x long is bankrupt.
    h.set_usd(80.0).await;
    let liq = h.user(0).await;
    let m0 = h.market_state().await;
    let out = h
        .send(
            &[position_liquidate(&h, &liq, &long.key(), &h.oracle)],
            &[&liq.kp],
        )
        .await;
    out.ok();
    let ev: PositionLiquidated = out.event();
    assert!(ev.bad_debt > 0 && ev.base_after == 0, "{ev:?}");
    assert_eq!(ev.skew_paid, 0, "no equity left to pay the rise");
    let m1 = h.market_state().await;
    assert_eq!(i128::from(ev.skew_unfunded), rise(&m0, point(&m0), point(&m1)));
    assert_eq!(
        (m1.skew_ledger, m1.skew_unfunded),
        (m0.skew_ledger, m0.skew_unfunded + ev.skew_unfunded)
    );
    h.check_invariants().await;
    // The short closes the gap: the fall pays down the unfunded rise; no rebate.
    let ev2: PositionTraded = h.trade(&short, 5 * IONE).await.event();
    assert_eq!(ev2.rebate, 0, "{ev2:?}");
    let m2 = h.market_state().await;
    assert!(m2.skew_unfunded < m1.skew_unfunded);
    assert!(ledger_kept(&m2, &m0));
    h.check_invariants().await;
}

/// Class 2, deleveraging: the hedging long, whose gain after a twenty-five-fold rise
/// breaches the vault's margin, is deleveraged; its close opens the vault's gap and
/// pays the rise from its gain, never rebated; a friend who closes the gap is
/// rebated no more than that.
#[tokio::test]
async fn a_deleveraged_leg_pays_its_rise_and_a_friend_is_rebated_no_more() {
    let (mut h, honest) = hedged(Setup::two_way(0), 10 * ONE).await;
    h.set_usd(2_500.0).await;
    let m0 = h.market_state().await;
    let confirm = h.confirmation().await;
    let out = h
        .send(&[market_auto_deleverage(&h, &honest.key(), &confirm)], &[])
        .await;
    out.ok();
    let ev: AutoDeleveraged = out.event();
    let m1 = h.market_state().await;
    assert_eq!(i128::from(ev.skew_paid), rise(&m0, point(&m0), point(&m1)));
    assert!(ev.skew_paid > 0 && ev.skew_unfunded == 0, "{ev:?}");
    assert_eq!(m1.skew_ledger, m0.skew_ledger + ev.skew_paid);
    h.check_invariants().await;
    // A friend opens a long that closes the gap: rebated at most what the close paid.
    let gap = -point(&m1).skew(&m1.risk_params()).unwrap();
    assert!(gap > 0);
    let b = funded_trader(&mut h, ONE).await;
    let ev2: PositionTraded = h.trade(&b, gap as i64).await.event();
    assert!(
        ev2.rebate > 0 && ev2.rebate <= ev.skew_paid,
        "{ev2:?} {ev:?} {m0:?} {m1:?}"
    );
    assert!(ledger_kept(&h.market_state().await, &m0));
    h.check_invariants().await;
}

/// Class 3: an exit capped by its equity (a price move took the long below what its
/// close's rise costs) pays its equity, and the rest is unfunded; the friend who
/// reverses it is rebated exactly what was paid, not the whole fall (revision 4:
/// 15.8 paid of a 25-token rise, 25.5 rebated).
#[tokio::test]
async fn an_exit_capped_by_its_equity_is_not_rebated_to_the_other_side_beyond_what_it_paid() {
    let (mut h, honest) = hedged(Setup::two_way(0), 10 * ONE).await;
    // The honest long leaves (the vault under-hedged), and the attacker's long takes
    // its place, rebated for it.
    let m = h.market_state().await;
    h.trade(&honest, -(m.net_base as i64)).await;
    let a = funded_trader(&mut h, 1_050_000_000).await;
    h.trade(&a, 10 * IONE).await;
    let p = h.position_state(&a.key()).await;
    // The price falls until the long's equity is about 0.1 token, less than the
    // rise of its close.
    let m_ = p.margin as f64 / ONE as f64;
    h.set_usd(1_000.0 / (9.9 + m_)).await;
    let m0 = h.market_state().await;
    let ev: PositionTraded = h.trade(&a, -10 * IONE).await.event();
    let m1 = h.market_state().await;
    assert_eq!(ev.margin_after, 0);
    assert!(ev.skew_unfunded > 0, "{ev:?}");
    assert_eq!(
        i128::from(ev.impact_fee + ev.skew_unfunded),
        rise(&m0, point(&m0), point(&m1))
    );
    assert_eq!(m1.skew_unfunded, m0.skew_unfunded + ev.skew_unfunded);
    h.check_invariants().await;
    // The friend reverses it (a long of 10): the fall pays the unfunded part down
    // first; the rebate is at most what the exit paid.
    let b = funded_trader(&mut h, 3 * ONE).await;
    let ev2: PositionTraded = h.trade(&b, 10 * IONE).await.event();
    assert!(ev2.rebate <= ev.impact_fee, "{ev2:?} vs {ev:?}");
    assert!(ledger_kept(&h.market_state().await, &m0));
    h.check_invariants().await;
}
