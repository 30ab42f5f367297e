//! Revision 4's hedge control through the real bank, as revision 5 settles it
//! (PROTOCOL sections 3 and 4): the two-way skew potential on trades, deposits and
//! withdrawals, whose rises are paid into the skew ledger `K` and whose falls are
//! rebated out of it only; exits never refused for it (what they cannot pay is
//! unfunded); no round trip that harvests the rebate; and income that reaches the
//! share price over `profit_unlock_time`. The bank fuzz (`tests/tests/fuzz/main.rs`)
//! checks every execution of random sequences on the same market against the
//! engine; these are the worked cases, with their tokens. The attack classes of
//! revision 5 are in `tests/tests/skew_ledger/`.

use hedge_engine::math::Rounding;
use hedge_engine::skew::SkewPoint;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::state::Market;

const ONE: u64 = 1_000_000_000;
const IONE: i64 = ONE as i64;

/// A two-way market with a 10-token vault nobody hedges yet.
async fn vault_of_ten(unlock: u32) -> (Harness, User) {
    let mut h = Harness::new(Setup::two_way(unlock)).await;
    let lp = h.user(10 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    (h, lp)
}

async fn funded_trader(h: &mut Harness, margin: u64) -> User {
    let t = h.user(margin).await;
    h.trader(&t, margin).await;
    t
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

/// Requests a withdrawal of `shares`, and executes it after the delay at 100 USD.
async fn withdraw_after_the_delay(h: &mut Harness, u: &User, shares: u64) -> VaultWithdrawn {
    h.send(&[vault_request_withdraw(h, u, shares)], &[&u.kp])
        .await
        .ok();
    h.advance(3_600).await;
    h.set_usd(100.0).await;
    h.execute_due(hedge_engine::requests::RequestKind::Withdraw, u)
        .await
        .executed()
        .event()
}

/// The market as the potential sees it.
fn point(m: &Market) -> SkewPoint {
    SkewPoint {
        net_base: m.net_base,
        collateral: m.collateral,
    }
}

/// The potential's rise from `a` to `b` as the ledger charges it (`b` rounded up,
/// `a` down), or its fall (negative).
fn rise(m: &Market, a: SkewPoint, b: SkewPoint) -> i128 {
    let p = m.risk_params();
    b.potential(&p, Rounding::Ceil).unwrap() as i128 - a.potential(&p, Rounding::Floor).unwrap() as i128
}

#[tokio::test]
async fn the_first_deposit_pays_the_potential_of_the_exposure_it_opens_into_the_ledger() {
    let mut h = Harness::new(Setup::two_way(0)).await;
    let lp = h.user(10 * ONE).await;
    let out = h.deposit(&lp, 10 * ONE).await;
    let ev: VaultDeposited = out.event();
    // x = N - C goes from 0 to -10 tokens with S = 30% of C = 3, beyond the scale:
    // Phi = 1.5% * (2 * 10 - 3) = 0.255 token, kept from the amount into the ledger.
    assert_eq!((ev.skew_fee, ev.skew_rebate), (255_000_000, 0));
    // Shares for 9.745 tokens (1,000 share units per native unit at first); C holds
    // them and the ledger the rest.
    assert_eq!(ev.shares, 9_745 * ONE);
    assert_eq!((ev.collateral, ev.skew_ledger), (9_745_000_000, 255_000_000));
    let m = h.market_state().await;
    assert_eq!(
        (m.collateral, m.skew_ledger, m.skew_collected),
        (9_745_000_000, 255_000_000, 255_000_000)
    );
    h.check_invariants().await;
}

#[tokio::test]
async fn a_trade_toward_the_target_is_rebated_from_the_ledger_and_one_away_pays_into_it() {
    let (mut h, _lp) = vault_of_ten(0).await;
    let a = funded_trader(&mut h, 3 * ONE).await;
    let b = funded_trader(&mut h, 3 * ONE).await;

    // A longs 5 into the unhedged vault: x from -9.745 to about -4.749, a fall of the
    // potential rebated out of the ledger, in full up to the per-action cap (the
    // charge's steepest slope, 3%, times the skew moved, 4.996 tokens: 0.14988; the
    // fall is 0.000018 more, from the scale that grew with C). C moves only by the
    // vault's 80% of the 0.1% taker fee: the rebate does not come from it.
    let m0 = h.market_state().await;
    let out = h.trade(&a, 5 * IONE).await;
    let ev: PositionTraded = out.event();
    let c1 = m0.collateral + 4_000_000;
    let after = SkewPoint {
        net_base: 5 * i128::from(IONE),
        collateral: c1,
    };
    let fall = -rise(&m0, point(&m0), after);
    let p = m0.risk_params();
    let moved = (after.skew(&p).unwrap() - point(&m0).skew(&p).unwrap()) as u128;
    let cap = moved * 30_000 / 1_000_000;
    assert_eq!((fall, cap), (149_898_000, 149_880_000));
    assert_eq!(ev.rebate as u128, cap);
    assert_eq!(
        (ev.fee, ev.impact_fee, ev.insurance_fee),
        (5_000_000, 0, 1_000_000)
    );
    assert_eq!(ev.margin_after, 3 * IONE - 5_000_000 + ev.rebate as i64);
    assert_eq!(
        (ev.collateral_after, ev.skew_ledger),
        (c1, m0.skew_ledger - ev.rebate)
    );
    h.check_invariants().await;

    // B longs 5 more: x from about -4.75 to about +0.25, still a fall, rebated out of
    // what is left in the ledger.
    let out = h.trade(&b, 5 * IONE).await;
    let ev: PositionTraded = out.event();
    assert!(ev.rebate > 90_000_000 && ev.impact_fee == 0, "{ev:?}");
    h.check_invariants().await;

    // B longs 0.3 more, away from the target (x about +0.55): the rise is paid into
    // the ledger (not the insurance fund, which takes its 20% of the taker fee only),
    // and nothing is rebated.
    let m = h.market_state().await;
    let (ins, k) = (m.insurance, m.skew_ledger);
    let out = h.trade(&b, 3 * IONE / 10).await;
    let ev: PositionTraded = out.event();
    let after = SkewPoint {
        net_base: m.net_base + 3 * i128::from(IONE) / 10,
        collateral: m.collateral + 240_000,
    };
    assert_eq!(ev.rebate, 0);
    assert_eq!(ev.impact_fee as i128, rise(&m, point(&m), after));
    assert!(ev.impact_fee > 0, "{ev:?}");
    assert_eq!((ev.fee, ev.insurance_fee), (300_000 + ev.impact_fee, 60_000));
    let m = h.market_state().await;
    assert_eq!((m.insurance, m.skew_ledger), (ins + 60_000, k + ev.impact_fee));
    h.check_invariants().await;

    // A closes his long: a risk-reducing trade that moves x from about +0.55 to about
    // -4.45. On a two-way market it pays that rise as well, into the ledger.
    let m = h.market_state().await;
    let out = h.trade(&a, -5 * IONE).await;
    let ev: PositionTraded = out.event();
    assert!(ev.reducing);
    assert_eq!((ev.rebate, ev.skew_unfunded), (0, 0));
    assert!((80_000_000..100_000_000).contains(&ev.impact_fee), "{ev:?}");
    assert_eq!(h.market_state().await.skew_ledger, m.skew_ledger + ev.impact_fee);
    h.check_invariants().await;
}

/// An exit whose rise exceeds its equity is never refused: it pays its equity and the
/// rest is unfunded (revision 5), rebated to nobody. Only a price move can bring a
/// position there: the exit-cost rule keeps it payable above maintenance margin.
#[tokio::test]
async fn an_exit_is_never_refused_for_the_potential_it_pays_at_most_its_equity() {
    let (mut h, _lp) = vault_of_ten(0).await;
    let t = funded_trader(&mut h, 1_050_000_000).await;
    // Long 10: the vault becomes about hedged; the trade is rebated about 0.25 token.
    h.trade(&t, 10 * IONE).await;
    let p = h.position_state(&t.key()).await;
    assert!(p.margin > 1_250_000_000, "{}", p.margin);
    // The price falls until the long's equity is about 0.1 token, less than the
    // potential its close opens (x back to about -9.75: about 0.25 token).
    // A coin-margined long's equity: m + 10 (P - 100) / P.
    let m = p.margin as f64 / ONE as f64;
    let usd = 1_000.0 / (9.9 + m);
    h.set_usd(usd).await;
    let before = h.market_state().await;
    let out = h.trade(&t, -10 * IONE).await;
    let ev: PositionTraded = out.event();
    assert!(ev.reducing && ev.base_after == 0);
    assert!(ev.impact_fee > 0 && ev.skew_unfunded > 0, "{ev:?}");
    assert_eq!(
        ev.margin_after, 0,
        "the rise is charged up to the equity the exit leaves, no further"
    );
    let m = h.market_state().await;
    assert_eq!(m.skew_unfunded, before.skew_unfunded + ev.skew_unfunded);
    assert_eq!(m.skew_ledger, before.skew_ledger + ev.impact_fee);
    h.check_invariants().await;
}

#[tokio::test]
async fn no_round_trip_of_trades_harvests_the_rebate_alone_or_with_a_friend() {
    let (mut h, _lp) = vault_of_ten(0).await;
    let a = funded_trader(&mut h, 5 * ONE).await;
    let b = funded_trader(&mut h, 5 * ONE).await;
    // B hedges most of the vault (x about -0.5, room under the over-hedge cap), then
    // the round trips start there.
    h.trade(&b, 9 * IONE).await;
    for size in [IONE / 10, IONE / 2, IONE] {
        // Alone: A opens the skew (pays its rise) and closes it (is rebated its fall).
        let before = holdings(&mut h, &a).await;
        h.trade(&a, size).await;
        h.trade(&a, -size).await;
        let after = holdings(&mut h, &a).await;
        assert!(after < before, "size {size}: {before} -> {after}");
        // With a friend: A opens, B (long already) takes the rebate by reducing.
        let before = holdings(&mut h, &a).await + holdings(&mut h, &b).await;
        h.trade(&a, size).await;
        h.trade(&b, -size).await;
        // ... and they put it back the other way round.
        h.trade(&b, size).await;
        h.trade(&a, -size).await;
        let after = holdings(&mut h, &a).await + holdings(&mut h, &b).await;
        assert!(after < before, "size {size}: {before} -> {after}");
        h.check_invariants().await;
    }
}

#[tokio::test]
async fn deposits_and_withdrawals_pay_or_are_paid_the_potential_and_no_round_trip_gains() {
    let (mut h, _lp) = vault_of_ten(0).await;
    let t = funded_trader(&mut h, 3 * ONE).await;
    // Over-hedge the vault: N = 10.4 > C (about 9.5 after the rebate), within the
    // over-hedge cap.
    h.trade(&t, 104 * IONE / 10).await;
    let m = h.market_state().await;
    assert!(m.net_base > i128::from(m.collateral));

    // A deposit moves x toward 0: rebated, shares for more than the amount.
    let d = h.user(2 * ONE).await;
    let before = h.token_balance(d.token).await;
    let out = h.deposit(&d, ONE).await;
    let ev: VaultDeposited = out.event();
    assert_eq!(ev.skew_fee, 0);
    assert!(ev.skew_rebate > 1_000_000, "{ev:?}");
    h.check_invariants().await;

    // Withdrawing it all moves x back: the rise is paid, and the round trip returns
    // less than went in.
    let shares = h.token_balance(d.shares).await;
    let ev = withdraw_after_the_delay(&mut h, &d, shares).await;
    assert_eq!(ev.skew_rebate, 0);
    assert!(ev.skew_fee > 1_000_000, "{ev:?}");
    assert_eq!(ev.shares_remaining, 0);
    let after = h.token_balance(d.token).await;
    assert!(after < before, "{before} -> {after}");
    h.check_invariants().await;

    // From an under-hedged vault the other way round: a withdrawal is rebated, a
    // deposit pays.
    h.trade(&t, -8 * IONE).await;
    let lp2 = h.user(5 * ONE).await;
    let out = h.deposit(&lp2, 5 * ONE).await;
    let ev: VaultDeposited = out.event();
    assert!(ev.skew_fee > 0 && ev.skew_rebate == 0, "{ev:?}");
    let shares = h.token_balance(lp2.shares).await;
    let ev = withdraw_after_the_delay(&mut h, &lp2, shares / 2).await;
    assert!(ev.skew_rebate > 0 && ev.skew_fee == 0, "{ev:?}");
    h.check_invariants().await;
}

/// One depositor who deposits just before a lump of income (a trader's fee) and asks
/// for his shares back at once: what he takes of the income, without and with
/// unlocking.
async fn deposit_before_income(unlock: u32) -> i128 {
    let mut setup = Setup::default();
    setup.params.profit_unlock_time = unlock;
    setup.params.taker_fee_ratio = 10_000; // 1%: a lump worth measuring
    let mut h = Harness::new(setup).await;
    let lp = h.user(10 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    let t = funded_trader(&mut h, 5 * ONE).await;
    let a = h.user(10 * ONE).await;
    h.deposit(&a, 10 * ONE).await;
    // The income: a 10-token long pays 0.1 token, 0.08 of it to the vault.
    h.trade(&t, 10 * IONE).await;
    let m = h.market_state().await;
    if unlock > 0 {
        assert_eq!(m.locked_profit, 80_000_000);
        assert_eq!(m.profit_unlock_end, m.profit_last + i64::from(unlock));
    } else {
        assert_eq!(m.locked_profit, 0);
    }
    let shares = h.token_balance(a.shares).await;
    withdraw_after_the_delay(&mut h, &a, shares).await;
    h.check_invariants().await;
    i128::from(h.token_balance(a.token).await) - i128::from(10 * ONE)
}

#[tokio::test]
async fn depositing_just_before_income_gains_nothing_once_income_unlocks() {
    // Income at once: half the vault's 0.08 token goes to the depositor of a moment.
    let at_once = deposit_before_income(0).await;
    assert!((39_000_000..=40_000_000).contains(&at_once), "{at_once}");
    // Unlocked over an hour: his withdrawal is valued at its request (the lower of
    // request and execution), a few seconds into the hour: a few seconds' share.
    let unlocked = deposit_before_income(3_600).await;
    assert!((-1_000..200_000).contains(&unlocked), "{unlocked}");
}

/// Income reaches a withdrawal's price linearly as it unlocks, while a deposit is
/// priced with it from the start (PROTOCOL section 3, revision 5): whoever deposits
/// during the lock pays for the locked income and gets it back as it unlocks.
#[tokio::test]
async fn income_reaches_the_share_price_linearly_and_deposits_pay_for_it() {
    let mut setup = Setup::default();
    setup.params.profit_unlock_time = 3_600;
    setup.params.taker_fee_ratio = 10_000;
    let mut h = Harness::new(setup).await;
    let lp = h.user(10 * ONE).await;
    h.deposit(&lp, 10 * ONE).await;
    let t = funded_trader(&mut h, 5 * ONE).await;
    h.trade(&t, 10 * IONE).await; // 0.08 token of income, locked for an hour
    let m = h.market_state().await;
    let (start, end) = (m.profit_last, m.profit_unlock_end);
    assert_eq!((m.locked_profit, end - start), (80_000_000, 3_600));
    let mut last_value = 0u64;
    for (at, locked_then) in [
        (start + 10, 79_777_778),
        (start + 1_800, 40_000_001),
        (end + 10, 0),
    ] {
        // A 1-token deposit executed at `at` (requested 2 s before), then the value of
        // 1,000 shares asked back at once (a withdrawal request's value).
        h.set_time(at - 2).await;
        h.set_usd(100.0).await;
        let d = h.user(ONE).await;
        let m = h.market_state().await;
        let supply = h.mint_supply(share_mint_pda(&h.market)).await;
        let shares = h.deposit(&d, ONE).await.event::<VaultDeposited>().shares;
        let after = h.market_state().await;
        assert_eq!(after.locked_profit, locked_then, "at {}", at - start);
        // The deposit is priced on all of C, the locked income included (traders' PnL
        // and funding are nil here): tokens per share = C / supply.
        let want = ONE as f64 * supply as f64 / m.collateral as f64;
        assert!(
            (shares as f64 - want).abs() / want < 1e-6,
            "at {}: {shares} shares, C / supply gives {want}",
            at - start
        );
        // A withdrawal is priced without what is still locked: its value rises as the
        // income unlocks.
        h.send(&[vault_request_withdraw(&h, &lp, 1_000 * ONE)], &[&lp.kp])
            .await
            .ok();
        let r = h
            .request_state(&lp.key(), hedge_engine::requests::RequestKind::Withdraw)
            .await
            .unwrap();
        let per =
            (after.collateral - locked_then) as f64 / h.mint_supply(share_mint_pda(&h.market)).await as f64;
        // (Within funding: the hour's funding moves equity by a few units.)
        assert!(
            (r.value_at_request as f64 - 1_000.0 * ONE as f64 * per).abs() <= 100.0,
            "at {}: {} vs {}",
            at - start,
            r.value_at_request,
            1_000.0 * ONE as f64 * per
        );
        assert!(
            r.value_at_request > last_value,
            "the value only rises as income unlocks"
        );
        last_value = r.value_at_request;
        h.send(
            &[cancel(&h, hedge_engine::requests::RequestKind::Withdraw, &lp)],
            &[&lp.kp],
        )
        .await
        .ok();
    }
    // Every token of the income is in C and no more: the deposits plus the vault's
    // part of the fee.
    assert_eq!(h.market_state().await.collateral, 13 * ONE + 80_000_000);
    h.check_invariants().await;
}

#[tokio::test]
async fn no_loop_through_trades_deposits_and_withdrawals_harvests_the_rebate() {
    let (mut h, _lp) = vault_of_ten(0).await;
    let b = funded_trader(&mut h, 3 * ONE).await;
    h.trade(&b, 9 * IONE).await; // the vault about hedged
    let a = h.user(10 * ONE).await;
    h.trader(&a, 3 * ONE).await;
    let before = holdings(&mut h, &a).await;
    // Over-hedge with a long (pays the rise), deposit into the over-hedge (rebated),
    // close the long (pays: the vault is now under-hedged), withdraw from the
    // under-hedged vault (rebated).
    h.trade(&a, 14 * IONE / 10).await;
    let dep = h.deposit(&a, ONE).await.event::<VaultDeposited>();
    assert!(dep.skew_rebate > 0, "{dep:?}");
    h.trade(&a, -14 * IONE / 10).await;
    let shares = h.token_balance(a.shares).await;
    let wd = withdraw_after_the_delay(&mut h, &a, shares).await;
    assert!(wd.skew_rebate > 0 && wd.shares_remaining == 0, "{wd:?}");
    let after = holdings(&mut h, &a).await;
    assert!(after < before, "{before} -> {after}");
    h.check_invariants().await;
}

/// PROTOCOL section 3, hedge capacity: the 4-token seed stake at 100 USD covers 1,000
/// USD of longs on a 50% gap at 10% margin, so at most 10 tokens can be hedged.
#[tokio::test]
async fn a_deposit_beyond_hedge_capacity_waits_in_escrow_and_executes_as_capacity_appears() {
    use hedge_engine::requests::RequestKind::Deposit;
    let mut h = Harness::new(Setup {
        seed_insurance: 4 * ONE,
        ..Setup::default()
    })
    .await;
    let u = h.user(20 * ONE).await;
    let v = h.user(5 * ONE).await;
    h.send(&[vault_request_deposit(&h, &u, 15 * ONE, 0)], &[&u.kp])
        .await
        .ok();
    // 10 tokens execute; 5 wait in escrow, the request due again after the
    // withdrawal delay (an hour: its owner's window to cancel).
    let keeper_before = h.account(h.keeper.key()).await.unwrap().lamports;
    let ev: VaultDeposited = h.execute_due(Deposit, &u).await.executed().event();
    assert_eq!(
        (ev.amount, ev.waiting, ev.shares),
        (10 * ONE, 5 * ONE, 10_000 * ONE)
    );
    let now = h.now().await;
    let r = h.request_state(&u.key(), Deposit).await.expect("still pending");
    assert_eq!(
        (r.amount, r.is_waiting(), r.due_time),
        (5 * ONE, true, now + 3_600)
    );
    let m = h.market_state().await;
    assert_eq!(
        (m.collateral, m.escrowed_deposits, m.waiting_deposits),
        (10 * ONE, 5 * ONE, 5 * ONE)
    );
    assert_eq!(h.token_balance(u.token).await, 5 * ONE);
    // The executor was paid: something executed.
    assert_eq!(
        h.account(h.keeper.key()).await.unwrap().lamports,
        keeper_before + 20_000
    );
    h.check_invariants().await;

    // A new deposit does not jump the queue: it waits whole behind the waiting one.
    h.send(&[vault_request_deposit(&h, &v, ONE, 0)], &[&v.kp])
        .await
        .ok();
    let ev: VaultDeposited = h.execute_due(Deposit, &v).await.executed().event();
    assert_eq!((ev.amount, ev.waiting, ev.shares), (0, ONE, 0));
    assert_eq!(h.market_state().await.waiting_deposits, 6 * ONE);
    // With no new capacity the waiting rest waits again, and nothing moves.
    let ev: VaultDeposited = h.execute_due(Deposit, &u).await.executed().event();
    assert_eq!((ev.amount, ev.waiting), (0, 5 * ONE));
    assert_eq!(h.market_state().await.collateral, 10 * ONE);
    h.check_invariants().await;

    // The insurance fund grows by a 2-token stake: 15 tokens can be hedged, and the
    // first in the queue executes its rest.
    let staker = h.user(2 * ONE).await;
    h.send(&[insurance_stake(&h, &staker, 2 * ONE)], &[&staker.kp])
        .await
        .ok();
    let ev: VaultDeposited = h.execute_due(Deposit, &u).await.executed().event();
    assert_eq!((ev.amount, ev.waiting), (5 * ONE, 0));
    assert!(h.request_state(&u.key(), Deposit).await.is_none());
    assert_eq!(h.token_balance(u.shares).await, 15_000 * ONE);
    let m = h.market_state().await;
    assert_eq!(
        (m.collateral, m.escrowed_deposits, m.waiting_deposits),
        (15 * ONE, ONE, ONE)
    );
    h.check_invariants().await;

    // The one still waiting may leave before its new due time: everything back.
    let ev: VaultDeposited = h.execute_due(Deposit, &v).await.executed().event();
    assert_eq!((ev.amount, ev.waiting), (0, ONE));
    h.send(&[cancel(&h, Deposit, &v)], &[&v.kp]).await.ok();
    assert_eq!(h.token_balance(v.token).await, 5 * ONE);
    let m = h.market_state().await;
    assert_eq!((m.escrowed_deposits, m.waiting_deposits), (0, 0));
    h.check_invariants().await;
}
