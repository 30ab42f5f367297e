//! Revision 6 through the real bank (PROTOCOL section 3, "A deposit executes against a
//! hedge that exists", and section 4, "Who pays for a waiting deposit's hedge"): a
//! deposit waits for the longs that cover it and executes as they arrive; while it
//! waits it pays the longs a bonus for the rate its demand moves, from its escrow
//! into a ledger owed to them (apart from `C`) until they settle; a
//! cancellation returns only what the longs do not cover; bounds its execution could
//! never meet are refused at request. Every token is followed: the collateral account
//! equals the ledger after each step (`check_invariants`), and the pools (`C`, `K`,
//! the insurance fund) move only by what the steps say.

use hedge_engine::requests::RequestKind;
use hedge_tests::builders::*;
use hedge_tests::*;
use hedge_vault::events::*;
use hedge_vault::HedgeError;

const ONE: u64 = 1_000_000_000;

/// The app's defaults (two-way potential, funding pulled toward 5%/yr) with revision
/// 6 on: a 1% tolerance, the cost of hedging bounded at 20% a year.
fn rev6() -> Setup {
    let mut s = Setup::two_way(0);
    s.params.hedge_tolerance = 10_000;
    s.params.max_hedge_cost = 548_000_000;
    s
}

/// `(C, K, insurance, escrow)` of the market now.
async fn pools(h: &mut Harness) -> (u64, u64, u64, u64) {
    let m = h.market_state().await;
    (m.collateral, m.skew_ledger, m.insurance, m.escrowed_deposits)
}

/// A deposit requested into an empty market waits whole; longs arrive; it executes
/// what they cover (to half the tolerance) and the rest waits. Hours of funding pass
/// with the rest in escrow: it pays what its demand lowers the rate by, and the
/// execution books it (`amount + waiting + wait_charge` is what the request held).
#[tokio::test]
async fn a_deposit_waits_for_its_cover_and_pays_for_its_wait() {
    let mut h = Harness::new(rev6()).await;
    let u = h.user(1_000 * ONE).await;
    let t = h.user(1_000 * ONE).await;
    h.send(&[vault_request_deposit(&h, &u, 100 * ONE, 0)], &[&u.kp])
        .await
        .ok();
    let out = h.execute_due(RequestKind::Deposit, &u).await.executed();
    let ev: VaultDeposited = out.event();
    assert_eq!(
        (ev.amount, ev.waiting, ev.shares, ev.wait_charge),
        (0, 100 * ONE, 0, 0)
    );
    let r = h.request_state(&u.key(), RequestKind::Deposit).await.unwrap();
    assert!(r.is_waiting());
    assert_eq!(r.amount, 100 * ONE);
    h.check_invariants().await;

    // A taker longs 60: the potential's fall pays down the unfunded rise of the
    // request (no rebate), the taker pays his fee, 80% of it into C.
    h.trader(&t, 100 * ONE).await;
    let (c0, k0, i0, e0) = pools(&mut h).await;
    let tr: PositionTraded = h.trade(&t, 60 * ONE as i64).await.event();
    assert_eq!(tr.rebate, 0);
    let (c1, k1, i1, e1) = pools(&mut h).await;
    let charged = h.market_state().await.wait_charged;
    assert_eq!(e1 + charged as u64, e0, "only the wait charge leaves the escrow");
    assert_eq!(c1, c0 + (tr.fee - tr.insurance_fee) + charged as u64);
    assert_eq!((k1, i1), (k0 + tr.impact_fee, i0 + tr.insurance_fee));

    // Its due time again: it executes what 60 longs cover, C' <= 60 * 1.005.
    let before = h.market_state().await;
    let out = h.execute_due(RequestKind::Deposit, &u).await.executed();
    let ev: VaultDeposited = out.event();
    let m = h.market_state().await;
    let new_charge = (m.wait_charged - before.wait_charged) as u64;
    assert_eq!(ev.amount + ev.waiting + ev.wait_charge, 100 * ONE);
    assert!(ev.amount > 0 && ev.waiting > 0, "{ev:?}");
    assert_eq!(m.collateral, before.collateral + ev.amount + new_charge);
    assert_eq!(
        m.escrowed_deposits,
        before.escrowed_deposits - ev.amount - new_charge
    );
    assert!(u128::from(m.collateral) * 1_000_000 <= 60 * u128::from(ONE) * 1_005_000);
    assert!(u128::from(m.collateral) * 1_000_000 > 60 * u128::from(ONE) * 1_004_000);
    let r = h.request_state(&u.key(), RequestKind::Deposit).await.unwrap();
    assert_eq!((r.amount, r.wait_since), (ev.waiting, m.wait_index));
    h.check_invariants().await;

    // A day with the rest waiting: its demand holds the longs' rate below the vault's
    // own, and the escrow pays the difference to the longs, into a ledger owed to
    // them, at most 20%/yr of what waits.
    let waiting = ev.waiting;
    for _ in 0..24 {
        h.advance(3_600).await;
        let now = h.now().await;
        h.publish_for_due(now).await;
        h.send(&[market_update_funding(&h)], &[]).await.ok();
        let m = h.market_state().await;
        assert!(m.funding_rate <= m.funding_own_rate);
    }
    let m = h.market_state().await;
    let paid = (m.wait_charged - before.wait_charged) as u64 - new_charge;
    assert!(paid > 0);
    assert!(
        u128::from(paid) <= u128::from(waiting) * 548_000_000 / 1_000_000_000_000 + 24,
        "{paid}"
    );
    assert_eq!(
        m.escrowed_deposits + paid,
        before.escrowed_deposits - ev.amount - new_charge
    );
    // What it paid is owed to the longs, apart from `C`: not the holders'.
    assert!(
        m.wait_owed > 0 && m.wait_owed <= (m.wait_charged as u64),
        "{}",
        m.wait_owed
    );
    h.check_invariants().await;

    // The taker, the only long, settles: he takes the bonus, in tokens, out of what
    // is owed to the longs into his margin; what stays owed is rounding. His funding at the vault's own
    // rate moves `C` the other way, as it would without the waiting deposit.
    let (pos0, m0) = (h.position_state(&t.key()).await, h.market_state().await);
    let settled: FundingSettled = h
        .send(&[position_settle_funding(&h, &t.key())], &[])
        .await
        .event();
    let (pos1, m1) = (h.position_state(&t.key()).await, h.market_state().await);
    assert!(settled.wait_bonus > 0 && settled.wait_bonus <= m0.wait_owed);
    assert!(m0.wait_owed - settled.wait_bonus <= 24 * 2, "{m0:?}");
    assert_eq!(m1.wait_owed, m0.wait_owed - settled.wait_bonus);
    assert_eq!(
        pos1.margin,
        pos0.margin - settled.paid + settled.wait_bonus as i64
    );
    assert_eq!(settled.margin_after, pos1.margin);
    // The bonus comes out of what is owed to the longs, never out of `C`.
    assert_eq!(
        i128::from(m1.collateral),
        i128::from(m0.collateral) + i128::from(settled.paid)
    );
    h.check_invariants().await;

    // The rest executes once covered. Its due time is a day old: executed now at that
    // time's price, nothing executes (no stale price), it is due again and books what
    // it owed so far; at its new due time it executes.
    h.trade(&t, 40 * ONE as i64).await;
    let out = h.execute_due(RequestKind::Deposit, &u).await.executed();
    let stale: VaultDeposited = out.event();
    assert_eq!(stale.amount, 0);
    assert_eq!(stale.waiting + stale.wait_charge, waiting);
    assert!(stale.wait_charge >= paid, "{} {paid}", stale.wait_charge);
    let before = h.market_state().await;
    let out = h.execute_due(RequestKind::Deposit, &u).await.executed();
    let last: VaultDeposited = out.event();
    assert_eq!(last.waiting, 0);
    assert_eq!(last.amount + last.wait_charge, stale.waiting);
    let m = h.market_state().await;
    // Every charge booked: what stays outstanding is rounding.
    assert!(m.wait_outstanding <= 2, "{}", m.wait_outstanding);
    assert!(m.escrowed_deposits <= 2, "{}", m.escrowed_deposits);
    assert!(h.request_state(&u.key(), RequestKind::Deposit).await.is_none());
    let _ = before;
    h.check_invariants().await;
}

/// A cancellation returns only what the longs do not cover: the covered part stays,
/// keeps its due time (cancelling again returns nothing more) and executes then. The
/// longs opened against the deposit never over-hedge the vault.
#[tokio::test]
async fn a_cancellation_returns_only_what_the_longs_do_not_cover() {
    let mut h = Harness::new(rev6()).await;
    let u = h.user(1_000 * ONE).await;
    let t = h.user(1_000 * ONE).await;
    h.trader(&t, 100 * ONE).await;
    // The trade is requested first, the deposit a second later: the trade executes
    // before the deposit is due, and its owner cancels in between.
    h.send(&[position_request_trade(&h, &t, 40 * ONE as i64, 0)], &[&t.kp])
        .await
        .ok();
    h.advance(1).await;
    h.send(&[vault_request_deposit(&h, &u, 100 * ONE, 0)], &[&u.kp])
        .await
        .ok();
    let due = h
        .request_state(&u.key(), RequestKind::Deposit)
        .await
        .unwrap()
        .due_time;
    h.execute_due(RequestKind::Trade, &t).await.executed();
    assert!(h.now().await < due);
    let wallet = h.token_balance(u.token).await;
    let (c0, k0, i0, _) = pools(&mut h).await;
    let out = h.send(&[cancel(&h, RequestKind::Deposit, &u)], &[&u.kp]).await;
    out.ok();
    let rel: DepositReleased = out.event();
    assert_eq!(rel.refunded + rel.kept + rel.wait_charge, 100 * ONE);
    assert!(rel.kept > 0 && rel.refunded > 0, "{rel:?}");
    assert_eq!(rel.due_time, due);
    assert_eq!(h.token_balance(u.token).await, wallet + rel.refunded);
    // Nothing moved between the pools but the wait charge.
    let (c1, k1, i1, e1) = pools(&mut h).await;
    assert_eq!((c1, k1, i1), (c0 + rel.wait_charge, k0, i0));
    assert_eq!(e1, rel.kept);
    // The hedge base covers the longs: B >= N / 1.005.
    let m = h.market_state().await;
    assert!(u128::from(m.collateral + m.escrowed_deposits) * 1_005_000 >= 40 * u128::from(ONE) * 1_000_000);
    let r = h.request_state(&u.key(), RequestKind::Deposit).await.unwrap();
    assert_eq!((r.amount, r.due_time), (rel.kept, due));
    h.check_invariants().await;
    // Cancelling again returns nothing.
    let out = h.send(&[cancel(&h, RequestKind::Deposit, &u)], &[&u.kp]).await;
    out.ok();
    let again: DepositReleased = out.event();
    assert_eq!((again.refunded, again.due_time), (0, due));
    // At its due time the kept part executes whole; the vault is hedged within half
    // the tolerance.
    let out = h.execute_due(RequestKind::Deposit, &u).await.executed();
    let ev: VaultDeposited = out.event();
    assert_eq!(ev.waiting, 0);
    assert_eq!(ev.amount + ev.wait_charge, again.kept);
    let m = h.market_state().await;
    assert!(u128::from(m.collateral) * 1_000_000 <= 40 * u128::from(ONE) * 1_005_000);
    // Within half the tolerance but for what the kept part paid for its wait since.
    assert!(m.net_base as u128 * 1_000_000 <= u128::from(m.collateral + ev.wait_charge) * 1_005_000);
    assert!(h.request_state(&u.key(), RequestKind::Deposit).await.is_none());
    h.check_invariants().await;
}

/// Bounds revision 6 cannot meet are refused at request with their names, and change
/// nothing; a cancellation with nothing covered returns everything.
#[tokio::test]
async fn unmeetable_bounds_are_refused_at_request_and_an_uncovered_cancel_returns_all() {
    let mut h = Harness::new(rev6()).await;
    let u = h.user(10 * ONE).await;
    // The covered part's hedge ratio after is at least 1 / 1.005 = 995,024 ppm.
    h.expect_error(
        vec![vault_request_deposit(&h, &u, ONE, 995_025)],
        vec![&u.kp],
        code(HedgeError::HedgeRatioBelowMinimum),
    )
    .await;
    let ask_rebate = ix(
        vault_request_deposit_accounts(&h, &u),
        hedge_vault::instruction::VaultRequestDeposit {
            amount: ONE,
            min_hedge_ratio: 0,
            max_skew_fee_ratio: -1,
        },
    );
    h.expect_error(vec![ask_rebate], vec![&u.kp], code(HedgeError::SkewFeeAboveLimit))
        .await;
    h.send(&[vault_request_deposit(&h, &u, ONE, 995_024)], &[&u.kp])
        .await
        .ok();
    let (c0, k0, i0, _) = pools(&mut h).await;
    let out = h.send(&[cancel(&h, RequestKind::Deposit, &u)], &[&u.kp]).await;
    out.ok();
    let rel: DepositReleased = out.event();
    assert_eq!((rel.refunded, rel.kept, rel.wait_charge), (ONE, 0, 0));
    let _: RequestCancelled = out.event();
    assert_eq!(h.token_balance(u.token).await, 10 * ONE);
    assert_eq!(pools(&mut h).await, (c0, k0, i0, 0));
    assert!(h.request_state(&u.key(), RequestKind::Deposit).await.is_none());
    h.check_invariants().await;
}
