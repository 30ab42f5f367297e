//! Revision 5 through the real bank (PROTOCOL section 4, "The skew ledger", section 5,
//! invariant 9): one named test per attack class the review of revision 4 found, each
//! asserting where every token went. Revision 4 paid a trade's rise to the insurance
//! fund and its fall out of `C`, charged forced closes nothing, let an exit capped by
//! its equity be rebated in full to the other side, let a stake catch the fund's
//! income at once and leave the moment its order was in. Now every rise paid goes
//! into the skew ledger `K`, every rebate comes out of `K` only, what was not paid is
//! unfunded and rebated to nobody, and the fund's income unlocks.
//!
//! `cargo test -p hedge-tests --test skew_ledger`.

use hedge_engine::math::Rounding;
use hedge_engine::requests::RequestKind;
use hedge_engine::skew::SkewPoint;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::{Market, Stake};

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

fn point(m: &Market) -> SkewPoint {
    SkewPoint {
        net_base: m.net_base,
        collateral: m.collateral,
    }
}

/// The potential's rise from `a` to `b` as the ledger charges it (negative: a fall).
fn rise(m: &Market, a: SkewPoint, b: SkewPoint) -> i128 {
    let p = m.risk_params();
    b.potential(&p, Rounding::Ceil).unwrap() as i128 - a.potential(&p, Rounding::Floor).unwrap() as i128
}

async fn funded_trader(h: &mut Harness, margin: u64) -> User {
    let t = h.user(margin).await;
    h.trader(&t, margin).await;
    t
}

/// A two-way market (`Setup::two_way`) whose `vault`-token vault an honest long has
/// brought to its target: the skew within a few units of 0, the ledger holding what
/// the first deposit paid in and the long was not rebated.
async fn hedged(mut setup: Setup, vault: u64) -> (Harness, User) {
    setup.params.max_position_usd = setup.params.max_open_interest_usd;
    let mut h = Harness::new(setup).await;
    let lp = h.user(vault).await;
    h.deposit(&lp, vault).await;
    let honest = funded_trader(&mut h, vault).await;
    for _ in 0..4 {
        let m = h.market_state().await;
        let x = point(&m).skew(&m.risk_params()).unwrap();
        if x.abs() < 1_000 {
            break;
        }
        h.trade(&honest, -x as i64).await;
    }
    h.check_invariants().await;
    (h, honest)
}

/// The skew ledger kept at least what it had at `m0`, counting what it released into
/// `C` (the shareholders' surplus) as kept: nothing of it went to the traders.
fn ledger_kept(m: &Market, m0: &Market) -> bool {
    u128::from(m.skew_ledger) + (m.skew_released - m0.skew_released) >= u128::from(m0.skew_ledger)
}

/// Everything a user holds in tokens: wallet and margin.
async fn holdings(h: &mut Harness, u: &User) -> i128 {
    let wallet = i128::from(h.token_balance(u.token).await);
    let pos = h
        .anchor_account_opt::<hedge_vault::state::Position>(position_pda(&h.market, &u.key()))
        .await
        .map_or(0, |p| i128::from(p.margin));
    wallet + pos
}

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

/// A stake of ten times the fund, made just before a visible order executes (the
/// order's taker fee is the fund's income), or in the same transaction as executing
/// it: what it takes on leaving as soon as it can.
async fn stake_just_in_time(unlock: u32, same_transaction: bool) -> (i128, i128, i64) {
    let mut s = Setup::default();
    s.params.profit_unlock_time = unlock;
    s.params.taker_fee_ratio = 10_000; // 1%: an income worth catching
    s.params.insurance_cooldown = 60; // the shortest a creator may set
    s.seed_insurance = 50 * ONE;
    let mut h = Harness::new(s).await;
    let lp = h.user(100 * ONE).await;
    h.deposit(&lp, 100 * ONE).await;
    let t = funded_trader(&mut h, 20 * ONE).await;
    // The order is requested: anyone sees it, and its fee, 1 token, 0.2 of it to the
    // fund.
    h.send(&[position_request_trade(&h, &t, 100 * IONE, 0)], &[&t.kp])
        .await
        .ok();
    let attacker = h.user(500 * ONE).await;
    let stake = insurance_stake(&h, &attacker, 500 * ONE);
    let r = h.request_state(&t.key(), RequestKind::Trade).await.unwrap();
    h.set_time(r.due_time).await;
    let oracle = h.publish_for_due(r.due_time).await;
    let out = if same_transaction {
        let ix = execute_by(&h, RequestKind::Trade, &t, &oracle, &attacker.key());
        h.send(&[stake, ix], &[&attacker.kp]).await
    } else {
        h.send(&[stake], &[&attacker.kp]).await.ok();
        let ix = execute(&h, RequestKind::Trade, &t, &oracle);
        let keeper = h.keeper.kp.insecure_clone();
        h.send(&[ix], &[&keeper]).await
    };
    let income = i128::from(out.event::<PositionTraded>().insurance_fee);
    let t0 = h.now().await;
    // A second later (the next transaction he can send), he asks to leave.
    h.advance(1).await;
    // Leaves at once: requested now, executed after the cooldown.
    let shares = h
        .anchor_account::<Stake>(stake_pda(&h.market, &attacker.key()))
        .await
        .shares;
    h.send(
        &[insurance_request_unstake(&h, &attacker, shares)],
        &[&attacker.kp],
    )
    .await
    .ok();
    let requested = h
        .request_state(&attacker.key(), RequestKind::Unstake)
        .await
        .unwrap()
        .created_at;
    let ev: InsuranceUnstaked = h.execute_due(RequestKind::Unstake, &attacker).await.event();
    assert_eq!(ev.shares_remaining, 0);
    h.check_invariants().await;
    // He is paid the lower of the value at request and now: what unlocked between
    // the income and his request is all he can take.
    (
        i128::from(ev.paid) - i128::from(500 * ONE),
        income,
        requested - t0,
    )
}

/// Class 4: insurance income caught just in time (revision 4: about 91% of the
/// fund's income from that execution, which unlocked at once). The fund's income now
/// unlocks over `profit_unlock_time`, and never faster than one unstake cooldown, so
/// even on a market whose vault unlocks its own income at once (`profit_unlock_time =
/// 0`) a stake takes only what unlocked while it stayed, in proportion to its part of
/// the fund; also when its owner executes the order himself in the staking
/// transaction.
#[tokio::test]
async fn a_just_in_time_stake_takes_only_what_unlocks_while_it_stays() {
    for (unlock, window) in [(0u32, 60i128), (86_400, 86_400)] {
        for same_transaction in [false, true] {
            let (gain, income, waited) = stake_just_in_time(unlock, same_transaction).await;
            assert_eq!(income, 200_000_000);
            // Its part of the fund (500 of 550) of what unlocked between the income and
            // its request (`waited` seconds of `window`), and never more.
            let fair = income * 500 / 550 * i128::from(waited) / window;
            assert!(
                gain <= fair + 1,
                "unlock {unlock}: gain {gain} > {fair} ({waited} s)"
            );
            assert!(gain >= -2, "{gain}");
            // Revision 4 gave it 500/550 of the income at once: 181,818,181 units.
            assert!(gain * 20 < income * 500 / 550, "{gain}");
        }
    }
}

/// Class 4, the cap: a stake that lifts the stress-sized cap for its owner's order
/// cannot leave the market uncovered: its unstake pays what leaves the fund covering
/// the open interest, the rest stays queued, and is paid once the position is closed.
#[tokio::test]
async fn a_stake_that_lifted_the_cap_stays_while_its_order_needs_it() {
    let mut s = Setup::default();
    s.params.insurance_cooldown = 60;
    // 12 tokens cover 30 tokens of longs at a 50% gap beyond 10% margin.
    s.seed_insurance = 12 * ONE;
    let mut h = Harness::new(s).await;
    let lp = h.user(30 * ONE).await;
    h.deposit(&lp, 30 * ONE).await;
    let honest = funded_trader(&mut h, 10 * ONE).await;
    h.trade(&honest, 28 * IONE).await;
    let a = h.user(10 * ONE).await;
    h.trader(&a, 2 * ONE).await;
    // 3 more tokens of longs would need 12.4 tokens of fund: refused; staked, allowed.
    let refused = h.try_trade(&a, 3 * IONE, 0).await.refused();
    assert_eq!(refused, code(hedge_vault::HedgeError::InsuranceCapacityExceeded));
    h.send(&[insurance_stake(&h, &a, 2 * ONE)], &[&a.kp]).await.ok();
    h.trade(&a, 3 * IONE).await;
    let shares = h
        .anchor_account::<Stake>(stake_pda(&h.market, &a.key()))
        .await
        .shares;
    h.send(&[insurance_request_unstake(&h, &a, shares)], &[&a.kp])
        .await
        .ok();
    // The fund must keep 31 * 40% = 12.4 tokens: only the rest of the stake leaves.
    let ev: InsuranceUnstaked = h.execute_due(RequestKind::Unstake, &a).await.event();
    let m = h.market_state().await;
    assert_eq!(m.insurance, 12_400_000_000);
    assert_eq!(
        (ev.insurance_after, ev.paid, ev.largest_now),
        (m.insurance, ev.largest_now, ev.largest_now)
    );
    assert!(ev.shares_remaining > 0, "{ev:?}");
    h.check_invariants().await;
    // Once the position is closed, the queued rest is paid.
    h.trade(&a, -3 * IONE).await;
    let ev2: InsuranceUnstaked = h.execute_due(RequestKind::Unstake, &a).await.event();
    assert_eq!(ev2.shares_remaining, 0);
    // All of what the shares were worth at request (a stake buys into locked income
    // and leaves without what had not unlocked yet: a little under the 2 staked).
    assert!(ev.paid + ev2.paid >= ev.value_at_request - 2, "{ev:?} {ev2:?}");
    assert!(ev.value_at_request > 2 * ONE - ONE / 1_000, "{ev:?}");
    h.check_invariants().await;
}

/// Smaller items of class 5: a deposit into income still locked pays for it (revision
/// 5: deposits are priced with the locked income), so depositing after a lump of
/// income and leaving once it unlocked returns no more than the deposit; and a
/// withdrawal's charge is the potential at exactly the state it leaves (`C` falls by
/// the gross, the ledger takes the rise).
#[tokio::test]
async fn a_deposit_into_locked_income_takes_none_of_it_and_a_withdrawal_is_priced_where_it_leaves() {
    let mut s = Setup::two_way(86_400);
    s.params.taker_fee_ratio = 5_000;
    let (mut h, honest) = hedged(s, 20 * ONE).await;
    // A lump of income: the honest long trims 5 and adds them back (0.5% fees, 80% to
    // C).
    h.trade(&honest, -5 * IONE).await;
    h.trade(&honest, 5 * IONE).await;
    let m = h.market_state().await;
    assert!(m.locked_profit > 30_000_000, "{}", m.locked_profit);
    let d = h.user(10 * ONE).await;
    h.deposit(&d, 10 * ONE).await;
    // A day later the income has unlocked into every share.
    h.advance(86_400).await;
    h.set_usd(100.0).await;
    let shares = h.token_balance(d.shares).await;
    let m0 = h.market_state().await;
    h.send(&[vault_request_withdraw(&h, &d, shares)], &[&d.kp])
        .await
        .ok();
    h.advance(3_600).await;
    h.set_usd(100.0).await;
    let ev: VaultWithdrawn = h.execute_due(RequestKind::Withdraw, &d).await.executed().event();
    let got = h.token_balance(d.token).await;
    // What the deposit and the withdrawal paid to the potential is theirs to pay;
    // of the income, nothing.
    let w = i128::from(got) + i128::from(ev.skew_fee) - i128::from(ev.skew_rebate);
    let dep = i128::from(10 * ONE);
    assert!(
        w <= dep,
        "{w} > {dep}: the deposit took some of the locked income"
    );
    // The gross left C whole and its rise went to the ledger (besides what the
    // ledger released into C at the accruals in between).
    let m1 = h.market_state().await;
    let gross = ev.paid + ev.skew_fee - ev.skew_rebate;
    let released = (m1.skew_released - m0.skew_released) as u64;
    assert_eq!(m1.collateral, m0.collateral - gross + released);
    assert_eq!(
        m1.skew_ledger + ev.skew_rebate + released,
        m0.skew_ledger + ev.skew_fee
    );
    h.check_invariants().await;
}

/// A neutral pair A (short) and B (long) that sandwiches an honest request: A's order,
/// the honest request and B's order share their due time, and A executes all three
/// in one transaction, A first, B last; then the pair unwinds. Returns the honest
/// request's outcome and the pair's gain in tokens.
async fn sandwich(h: &mut Harness, honest: &User, kind: RequestKind, size: u64) -> (Outcome, i128) {
    straddle(h, honest, kind, -(size as i64)).await
}

/// A pair's orders around an honest request, executed in one transaction: `a` trades
/// `first` just before it, `b` the opposite just after; then both unwind. Returns the
/// transaction and the pair's gain in tokens.
async fn straddle(h: &mut Harness, honest: &User, kind: RequestKind, first: i64) -> (Outcome, i128) {
    let size = first.unsigned_abs();
    let a = funded_trader(h, size / 2 + ONE).await;
    let b = funded_trader(h, size / 2 + ONE).await;
    let before = holdings(h, &a).await + holdings(h, &b).await;
    h.send(&[position_request_trade(h, &a, first, 0)], &[&a.kp])
        .await
        .ok();
    h.send(&[position_request_trade(h, &b, -first, 0)], &[&b.kp])
        .await
        .ok();
    let due = h.request_state(&honest.key(), kind).await.unwrap().due_time;
    h.set_time(due + 1).await;
    let oracle = h.publish_for_due(due).await;
    let ixs = [
        execute_by(h, RequestKind::Trade, &a, &oracle, &a.key()),
        execute_by(h, kind, honest, &oracle, &a.key()),
        execute_by(h, RequestKind::Trade, &b, &oracle, &a.key()),
    ];
    let out = h.send(&ixs, &[&a.kp]).await;
    out.ok();
    h.check_invariants().await;
    h.trade(&a, -first).await;
    h.trade(&b, first).await;
    h.check_invariants().await;
    let after = holdings(h, &a).await + holdings(h, &b).await;
    (out, after - before)
}

/// Class 6, found by the attack on revision 5: the potential is convex, and anyone may
/// execute due requests in any order, so a pair that moves the skew just before an
/// honest request and back just after makes it pay more than alone and keeps the
/// difference. A request's bound covers its skew charge (a deposit's and a
/// withdrawal's `max_skew_fee_ratio`, a trade's limit price with the charge included,
/// as GMX's acceptable price includes price impact): the `hedge` command sets it to
/// what the request costs now plus a margin, and the sandwiched execution is refused
/// and refunded instead. Without a bound the pair takes the difference: measured here,
/// and the reason the client never sends one without it.
#[tokio::test]
async fn a_sandwich_of_an_honest_deposit_is_refused_by_the_bound_its_request_carries() {
    for bounded in [true, false] {
        let (mut h, _) = hedged(Setup::two_way(0), 1_000 * ONE).await;
        let v = h.user(300 * ONE).await;
        // What the deposit costs alone, now, and the bound the client derives from it
        // (plus 0.25% of the amount).
        let m = h.market_state().await;
        let st = m.state().unwrap();
        let alone = st
            .skew_quote(
                SkewPoint {
                    collateral: st.collateral + 300 * ONE,
                    ..st.skew_point()
                },
                hedge_engine::skew::SkewCause::Deposit,
            )
            .unwrap()
            .paid;
        let bound = if bounded {
            ((u128::from(alone) * 1_000_000).div_ceil(u128::from(300 * ONE)) + 2_500) as i32
        } else {
            1_000_000
        };
        let ix = hedge_client::ix::vault_request_deposit_bounded(
            &hedge_client::keys::MarketKeys::for_market(h.market, h.mint, h.oracle),
            &hedge_client::ix::OwnerAccounts {
                owner: v.key(),
                token: v.token,
                shares: v.shares,
            },
            300 * ONE,
            0,
            bound,
        );
        h.send(&[ix], &[&v.kp]).await.ok();
        let (out, gain) = sandwich(&mut h, &v, RequestKind::Deposit, 250 * ONE).await;
        if bounded {
            // Refused at the sandwiched fee, refunded in full; the pair paid its own
            // rises and fees for nothing.
            assert_eq!(
                out.event::<RequestCancelled>().error,
                code(hedge_vault::HedgeError::SkewFeeAboveLimit)
            );
            assert_eq!(h.token_balance(v.token).await, 300 * ONE);
            assert!(gain < 0, "{gain}");
        } else {
            let ev: VaultDeposited = out.event();
            assert!(ev.skew_fee > alone + alone / 2, "{} vs {alone}", ev.skew_fee);
            assert!(gain > 0, "without a bound the pair takes the difference: {gain}");
        }
    }
}

/// Found by the attack on revision 5's bounds: a bound on the fee alone left a rebate
/// to whoever took it. An honest withdrawal that closes an under-hedged vault's gap is
/// quoted a rebate; a pair that longs just before it (rebated for closing part of the
/// gap) and shorts just after (reopening it from the far side, where the honest
/// execution left it, cheaply) took 2.5 of its 3.1 tokens of rebate and ended flat.
/// The bound covers the charge net of its rebate: the client asks for the rebate quoted
/// now less 1% of the payment, and the straddled execution is refused, the shares
/// returned, the pair out of pocket.
#[tokio::test]
async fn a_pair_that_takes_an_honest_withdrawals_rebate_is_refused_by_its_bound() {
    let mut received = Vec::new();
    for (pair, bounded) in [(0i64, true), (150 * IONE, true), (150 * IONE, false)] {
        let mut setup = Setup::two_way(86_400);
        setup.params.max_position_usd = setup.params.max_open_interest_usd;
        let mut h = Harness::new(setup).await;
        let lp = h.user(700 * ONE).await;
        h.deposit(&lp, 700 * ONE).await;
        let v = h.user(200 * ONE).await;
        h.deposit(&v, 200 * ONE).await;
        // Under-hedged by 300 tokens: the skew at -300.
        let long = funded_trader(&mut h, 500 * ONE).await;
        for _ in 0..6 {
            let m = h.market_state().await;
            let x = point(&m).skew(&m.risk_params()).unwrap() + i128::from(300 * ONE);
            if x.abs() < 1_000 {
                break;
            }
            h.trade(&long, -x as i64).await;
        }
        h.advance(2 * 86_400).await;
        h.set_usd(100.0).await;
        // The honest withdrawal of everything, quoted now (a rebate), and the bound the
        // client derives from it: the charge quoted plus 1% of the payment.
        let shares = h.token_balance(v.shares).await;
        let m = h.market_state().await;
        let st = m.state().unwrap();
        let supply = h.mint_supply(m.share_mint).await;
        let p = hedge_engine::oracle::OraclePrice {
            price: 100 * hedge_engine::PRICE_PRECISION,
            conf: 0,
            publish_time: 0,
        };
        let value = hedge_engine::vault::value_of_shares_floor(&st.vault_view(supply), &p, shares).unwrap();
        let q = st
            .skew_quote(
                SkewPoint {
                    collateral: st.collateral - value,
                    ..st.skew_point()
                },
                hedge_engine::skew::SkewCause::Withdrawal,
            )
            .unwrap();
        assert_eq!(q.paid, 0);
        assert!(q.rebate > 3 * ONE, "{q:?}");
        let net = -i128::from(q.rebate) * 1_000_000 / i128::from(value);
        let bound = if bounded { (net + 10_000) as i32 } else { 1_000_000 };
        assert!(!bounded || bound < 0, "the client asks for a rebate: {bound}");
        let ix = hedge_client::ix::vault_request_withdraw_bounded(
            &hedge_client::keys::MarketKeys::for_market(h.market, h.mint, h.oracle),
            &hedge_client::ix::OwnerAccounts {
                owner: v.key(),
                token: v.token,
                shares: v.shares,
            },
            shares,
            bound,
        );
        h.send(&[ix], &[&v.kp]).await.ok();
        if pair == 0 {
            let out = h.execute_due(RequestKind::Withdraw, &v).await;
            out.ok();
            let ev: VaultWithdrawn = out.event();
            // Alone it is rebated what was quoted (the market moved a little over the
            // withdrawal delay: funding accrued).
            assert_eq!(ev.skew_fee, 0);
            assert!(
                ev.skew_rebate.abs_diff(q.rebate) < q.rebate / 1_000,
                "{ev:?} {q:?}"
            );
            received.push(h.token_balance(v.token).await);
            continue;
        }
        let due = h
            .request_state(&v.key(), RequestKind::Withdraw)
            .await
            .unwrap()
            .due_time;
        h.set_time(due - 2).await;
        h.set_usd(100.0).await;
        let (out, gain) = straddle(&mut h, &v, RequestKind::Withdraw, pair).await;
        println!(
            "bound {bound}: the pair's gain {gain}, the honest holder received {} (alone {})",
            h.token_balance(v.token).await,
            received[0]
        );
        if bounded {
            assert_eq!(
                out.event::<RequestCancelled>().error,
                code(hedge_vault::HedgeError::SkewFeeAboveLimit)
            );
            assert_eq!(h.token_balance(v.shares).await, shares);
            assert_eq!(h.token_balance(v.token).await, 0);
            assert!(gain < 0, "{gain}");
        } else {
            let ev: VaultWithdrawn = out.event();
            assert!(ev.skew_rebate < q.rebate / 2, "{ev:?}");
            let got = h.token_balance(v.token).await;
            assert!(got + 2 * ONE < received[0], "{got} vs {}", received[0]);
            assert!(
                gain > i128::from(ONE),
                "without a bound on the rebate the pair takes it: {gain}"
            );
        }
        h.check_invariants().await;
    }
}

/// Found by the attack on revision 5's insurance lock: a gap's bad debt larger than
/// the fund's unlocked part left what survived counted as locked income, so an honest
/// staker's pending unstake (300 tokens, requested before) was owed next to nothing
/// and all its shares burnt, while a coalition that had lifted the stress cap with a
/// 1,000-token donation, let its own leveraged leg go bankrupt on a 16% gap and was
/// left the only staker took the rest as it unlocked: +286.7 tokens. A loss now comes
/// out of the locked income first (as Yearn v3 offsets losses against locked profit):
/// the donation pays the bad debt, the honest unstake is paid what it asked, and the
/// coalition does not gain.
#[tokio::test]
async fn a_gap_loss_comes_out_of_the_funds_locked_income_before_a_pending_unstake() {
    let mut setup = Setup::two_way(86_400);
    setup.params.max_position_usd = setup.params.max_open_interest_usd;
    setup.params.stress_move = 300_000;
    setup.seed_insurance = 300 * ONE;
    let mut h = Harness::new(setup).await;
    let lp = h.user(1_000 * ONE).await;
    h.deposit(&lp, 1_000 * ONE).await;
    let creator = User {
        kp: h.admin.insecure_clone(),
        token: h.admin_token,
        shares: Default::default(),
    };
    let c = h.user(3_000 * ONE).await;
    h.send(&[insurance_stake(&h, &c, ONE)], &[&c.kp]).await.ok();
    let stake: Stake = h.anchor_account(stake_pda(&h.market, &creator.key())).await;
    h.send(
        &[insurance_request_unstake(&h, &creator, stake.shares)],
        &[&creator.kp],
    )
    .await
    .ok();
    let asked = h
        .request_state(&creator.key(), RequestKind::Unstake)
        .await
        .unwrap();
    h.set_time(asked.due_time - 300).await;
    h.set_usd(100.0).await;
    let (a, b) = (h.user(420 * ONE).await, h.user(900 * ONE).await);
    let before = i128::from(h.token_balance(c.token).await) + i128::from(1_320 * ONE);
    h.send(&[insurance_deposit(&h, &c, 1_000 * ONE)], &[&c.kp])
        .await
        .ok();
    h.trader(&a, 420 * ONE).await;
    h.trader(&b, 900 * ONE).await;
    let total = 4_600 * IONE;
    let mut done = 0;
    while done < total {
        let step = (total - done).min(900 * IONE);
        h.trade(&a, step).await;
        h.trade(&b, -step).await;
        done += step;
    }
    // The gap; the coalition liquidates its own long: bad debt beyond the fund's
    // unlocked part (the honest stake), within its locked income (the donation).
    h.set_usd(84.0).await;
    let ix = h.liquidate_ix(&c, &a.key()).await;
    let out = h.send(&[ix], &[&c.kp]).await;
    out.ok();
    let debt: BadDebtResolved = out.event();
    assert!(
        debt.insurance_covered > 301 * ONE && debt.insurance_covered < 1_000 * ONE,
        "{debt:?}"
    );
    h.trade(&b, total).await;
    for u in [&a, &b] {
        h.send(&[position_close(&h, u)], &[&u.kp]).await.ok();
    }
    let out = h.execute_due(RequestKind::Unstake, &creator).await;
    out.ok();
    let un: InsuranceUnstaked = out.event();
    println!(
        "the honest unstake after a loss of {}: {un:?}",
        debt.insurance_covered
    );
    // Paid what it asked for, all of it (the donation took the loss).
    assert_eq!((un.paid, un.shares_remaining), (asked.value_at_request, 0));
    h.check_invariants().await;
    // The coalition, the only staker left, takes what remains once it unlocks.
    h.advance(2 * 86_400).await;
    h.set_usd(84.0).await;
    let st: Stake = h.anchor_account(stake_pda(&h.market, &c.key())).await;
    h.send(&[insurance_request_unstake(&h, &c, st.shares)], &[&c.kp])
        .await
        .ok();
    h.execute_due(RequestKind::Unstake, &c).await.ok();
    let after = i128::from(h.token_balance(c.token).await)
        + i128::from(h.token_balance(a.token).await)
        + i128::from(h.token_balance(b.token).await);
    h.check_invariants().await;
    println!("the coalition's net: {}", after - before);
    assert!(after - before <= 0, "{}", after - before);
}

/// The same against an honest exit: an order whose limit carries its skew charge (the
/// client's default: the price moved 1% against it and the fee quoted now) is
/// cancelled rather than charged the sandwiched rise.
#[tokio::test]
async fn a_sandwich_of_an_honest_exit_is_refused_by_its_limit_price() {
    let (mut h, honest) = hedged(Setup::two_way(0), 1_000 * ONE).await;
    let m = h.market_state().await;
    let st = m.state().unwrap();
    let close = 300 * IONE;
    let q = st
        .skew_quote(
            SkewPoint {
                net_base: st.aggregates.net_base - i128::from(close),
                ..st.skew_point()
            },
            hedge_engine::skew::SkewCause::Reduce,
        )
        .unwrap();
    let p = 100 * hedge_engine::PRICE_PRECISION;
    let limit = hedge_engine::position::effective_fill_price(-close, p / 100 * 99, q.paid, 0, p).unwrap();
    h.send(
        &[position_request_trade(&h, &honest, -close, limit)],
        &[&honest.kp],
    )
    .await
    .ok();
    let (out, gain) = sandwich(&mut h, &honest, RequestKind::Trade, 250 * ONE).await;
    let cancelled: Vec<RequestCancelled> = out.events();
    assert_eq!(cancelled.len(), 1, "{:?}", out.logs);
    assert_eq!(
        cancelled[0].error,
        code(hedge_vault::HedgeError::SlippageExceeded)
    );
    assert_eq!(h.position_state(&honest.key()).await.base, m.net_base as i64);
    assert!(gain < 0, "{gain}");
}
