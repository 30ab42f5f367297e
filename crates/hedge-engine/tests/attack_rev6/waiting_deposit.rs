//! (4) The funding floor while a deposit waits, and (5) longs against a deposit
//! that is then cancelled.

use super::*;

// ---------------------------------------------------------------------------------
// (4) The funding floor: a long keeps a small deposit waiting.
// ---------------------------------------------------------------------------------

/// What a funding run measured.
pub(crate) struct FundingRun {
    /// Funding the attacker's long received, tokens (negative: paid).
    pub(crate) received: i64,
    /// The rate at the end. precision: 1e12 per day
    pub(crate) rate: i64,
    /// `C`'s change over the run.
    pub(crate) dc: i64,
    /// Tokens of the deposit executed at once.
    pub(crate) executed: u64,
    /// Tokens its waiting rest paid for its wait.
    pub(crate) charged: u64,
    /// Tokens that waited.
    pub(crate) waited: u64,
}

/// Runs `days` of hourly accruals on a 10,000-token vault whose only long is the
/// attacker's 10,000, with `pending` tokens of the attacker's deposit requested at
/// the start, executed as far as the cover allows; the rest waits all along, or
/// (`cancel_rest`) is cancelled at once.
pub(crate) fn funding_run(pending: u64, days: i64, cancel_rest: bool) -> FundingRun {
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, supply, mut long) = hedged_vault(p, c);
    let c0 = st.collateral;
    let (mut executed, mut waited) = (0, 0);
    let since = st.waiting_bid.index;
    if pending > 0 {
        st.request_deposit(pending).unwrap();
        let x = st
            .execute_deposit_request(supply, terms(pending, false, 0), at(100))
            .unwrap();
        executed = x.executed;
        waited = x.waiting;
        if cancel_rest && x.waiting > 0 {
            let r = st.cancel_deposit(x.waiting, true, since).unwrap();
            assert_eq!((r.refunded, r.kept), (x.waiting, 0));
            waited = 0;
        }
    }
    for h in 1..=days * 24 {
        // The demand in escrow lowers the rate at most `max_hedge_cost * E / N` below
        // the holders' own (E before the accrual's charge), never raises it.
        let depth = (p.max_hedge_cost as i128 * st.escrowed_deposits as i128 / st.aggregates.net_base) as i64;
        st.accrue(100 * PRICE_PRECISION, h * 3_600).unwrap();
        assert!(st.funding.rate <= st.waiting_bid.own_rate);
        assert!(
            st.funding.rate >= st.waiting_bid.own_rate - depth - 1 || st.funding.rate == -p.max_hedge_cost,
            "{} {} {depth}",
            st.funding.rate,
            st.waiting_bid.own_rate
        );
    }
    let settled = st.settle_position_funding(&mut long, at(100)).unwrap();
    let charged = if waited > 0 {
        let (left, charge) = st.deposit_in_escrow(waited, since).unwrap();
        assert_eq!(left + charge, waited);
        charge
    } else {
        0
    };
    FundingRun {
        received: settled.bonus as i64 - settled.paid,
        rate: st.funding.rate,
        dc: st.collateral as i64 - c0 as i64,
        executed,
        charged,
        waited,
    }
}

/// Found by the attack on revision 6: a deposit kept waiting moved the rate the
/// holders pay to its floor (`-max_hedge_cost`) for a demand that cost its owner
/// nothing (3 tokens waiting: the attacker's long received 162 tokens over 30 days
/// instead of paying 32). Fixed: the holders pay the rate of their own hedge; the
/// deposits in escrow pay the difference their demand makes, at most
/// `max_hedge_cost` a year on each of their tokens.
#[test]
fn a_waiting_deposit_pays_for_the_rate_its_demand_moves() {
    let days = 30;
    let p = prod_params();
    let honest = funding_run(0, days, false);
    for pending in [95 * ONE, 200 * ONE, 2_000 * ONE] {
        let wait = funding_run(pending, days, false);
        let gone = funding_run(pending, days, true);
        println!(
            "deposit {pending}: {} executed, {} waited; long received {} (rest cancelled: {}, no deposit: {}); \
             C change {} (rest cancelled: {}); the waiting rest paid {}; rate {} ({})",
            wait.executed,
            wait.waited,
            wait.received,
            gone.received,
            honest.received,
            wait.dc,
            gone.dc,
            wait.charged,
            wait.rate,
            gone.rate
        );
        assert_eq!(wait.executed, gone.executed);
        assert!(wait.waited > 0);
        // The holders are no worse off for the demand waiting beside them: what it
        // made the long receive more, it paid (to rounding: a few native units an
        // accrual, the charges' rounding up moving the holders' own base by as much;
        // 2 parts in 10^9 of their 10,000 tokens over the 30 days).
        assert!(wait.dc >= gone.dc - 4 * days * 24, "{} {}", wait.dc, gone.dc);
        assert!(wait.charged > 0);
        // ... and it paid at most `max_hedge_cost` a year on its tokens.
        let most = wait.waited as u128 * p.max_hedge_cost as u128 * days as u128 / 1_000_000_000_000;
        assert!(u128::from(wait.charged) <= most + 1, "{} {most}", wait.charged);
        // The long's extra is what the waiting deposit paid, to rounding (the bonus
        // rounded down, the charge up, and the own rate's move with it: a few native
        // units an accrual).
        let extra = wait.received - gone.received;
        assert!(
            (extra - wait.charged as i64).abs() <= 4 * days * 24,
            "{extra} {}",
            wait.charged
        );
    }
}

// ---------------------------------------------------------------------------------
// (5) Longs against a deposit that is then cancelled.
// ---------------------------------------------------------------------------------

/// Found by the attack on revision 6: longs opened up to the over-hedge cap of a
/// hedge base swollen by a deposit request, then the request cancelled, left the
/// vault 102x over-hedged (a 2% rise and its equity was gone). Fixed: a cancellation
/// returns only what the longs do not cover; the rest stays and executes.
#[test]
fn a_cancelled_deposit_leaves_what_the_longs_cover_and_it_executes() {
    let p = test_params();
    let c = 100 * ONE;
    let (mut st, supply, _h1) = hedged_vault(p, c);
    // The attacker's deposit wallet requests 100x the vault; his trader wallet longs
    // up to the over-hedge cap of the hedge base; he cancels the deposit.
    let e = 10_000 * ONE;
    st.request_deposit(e).unwrap();
    let since = st.waiting_bid.index;
    let mut a = Position::default();
    st.deposit_margin(&mut a, 2_000 * ONE).unwrap();
    // The over-hedge cap counts the escrow only up to max(C, skew_scale) (second
    // attack on revision 6): the longs reach at most 1.1 * (100 + 1,000) = 1,210,
    // not 1.1 * 10,100 = 11,110.
    let counted = st.collateral.max(p.skew_scale);
    let cap = 11 * i128::from(st.collateral + counted) / 10;
    let room = cap - st.aggregates.net_base;
    let over = st
        .clone()
        .execute_trade(&mut a.clone(), room as i64 + ONE as i64, 0, at(100));
    assert_eq!(over.map(|_| ()), Err(EngineError::OverHedgeCapExceeded));
    let mut capped = st.clone();
    capped
        .execute_trade(&mut a.clone(), room as i64 - 1_000_000, 0, at(100))
        .unwrap();
    // Against C the vault is then at most 1.1 * 1,100 / 100 = 12x over-hedged, and the
    // cancellation keeps what the longs cover (all that would execute).
    let r = capped.cancel_deposit(e, false, since).unwrap();
    assert!(r.kept > 1_000 * ONE, "{r:?}");
    assert_eq!(r.refunded + r.kept, e);
    // Half that covered: the rest comes back.
    st.execute_trade(&mut a, room as i64 / 2, 0, at(100)).unwrap();
    let n = st.aggregates.net_base;
    let r = st.cancel_deposit(e, false, since).unwrap();
    println!(
        "cancel: refunded {} kept {} (N {n}, C {})",
        r.refunded, r.kept, st.collateral
    );
    assert_eq!(r.refunded + r.kept + r.wait_charge, e);
    assert!(r.kept > 0 && r.refunded > 0);
    // What stays is what the longs cover: the hedge base never drops below
    // N / ((1 + k/2) h).
    let cover = p.cover_factor().unwrap();
    let base = st.hedge_base() as u128;
    assert!(n as u128 * 1_000_000 <= base * cover, "{n} {base}");
    assert!((n as u128 * 1_000_000) > (base - 2 * ONE as u128) * cover);
    // Cancelling again returns nothing more: the rest is covered.
    let again = st
        .clone()
        .cancel_deposit(r.kept, false, st.waiting_bid.index)
        .unwrap();
    assert_eq!((again.refunded, again.kept), (0, r.kept));
    // The kept part executes at its due time: the vault is hedged within half the
    // tolerance, never over-hedged beyond it.
    let x = st
        .execute_deposit_request(supply, terms(r.kept, false, 0), at(100))
        .unwrap();
    assert_eq!(x.waiting, 0, "{x:?}");
    let c1 = st.collateral as u128;
    println!("executed {}: N {} C {}", x.executed, st.aggregates.net_base, c1);
    assert!((st.aggregates.net_base as u128) * 1_000_000 <= c1 * cover);
    assert!((st.aggregates.net_base as u128) * 1_000_000 >= c1 * 1_000_000 * 99 / 100);
    // A 2% rise costs the vault what a hedged vault's rounding does, not its equity.
    let eq = equity_at(
        &st.vault_view(supply + x.shares),
        102 * PRICE_PRECISION,
        Rounding::Floor,
    )
    .unwrap();
    assert!(eq > (c1 as i128) * 98 / 100, "{eq}");
}

/// Revision 6: an owner cannot make the covered part of his deposit refuse itself at
/// execution (and so return whole, as a cancellation could): bounds its execution
/// could never meet are refused at request.
#[test]
fn deposit_bounds_revision_6_cannot_meet_are_refused_at_request() {
    let st = market(test_params());
    let r = 1_000_000u64;
    let guaranteed = (r * r / (r + 5_000)) as u32; // k = 1%: within half of it
    assert_eq!(st.check_deposit_bounds(guaranteed, 0), Ok(()));
    assert_eq!(
        st.check_deposit_bounds(guaranteed + 1, 0),
        Err(EngineError::HedgeRatioBelowMinimum)
    );
    assert_eq!(
        st.check_deposit_bounds(0, -1),
        Err(EngineError::SkewFeeAboveLimit)
    );
    assert_eq!(st.check_deposit_bounds(0, NO_BOUND), Ok(()));
    // Before revision 6 every bound is the execution's to check.
    let rev5 = market(RiskParams::default_for_tests());
    assert_eq!(rev5.check_deposit_bounds(u32::MAX, -1), Ok(()));
}
