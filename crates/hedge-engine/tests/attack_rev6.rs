//! Attack review of revision 6 (PROTOCOL section 3 "A deposit executes against a
//! hedge that exists", section 4 funding floor): engine-level sequences by one user
//! controlling several wallets. Each test prints its measurements (run with
//! `-- --nocapture`) and asserts the attacker's and the pools' balances end to end.

#![allow(clippy::clone_on_copy)] // explicit copies of the state read as "what if"

use hedge_engine::market::{DepositRequest, MarketState, WithdrawRequest};
use hedge_engine::math::Rounding;
use hedge_engine::params::RiskParams;
use hedge_engine::position::Position;
use hedge_engine::vault::{equity_at, value_of_shares_floor};
use hedge_engine::{EngineError, PRICE_PRECISION};

mod common;
use common::{at, big_market as market, hedged_vault, prod_params, terms, NO_BOUND, ONE};

/// hedge_cover.rs's parameters (test defaults, revision 6 on, full rebate).
fn test_params() -> RiskParams {
    RiskParams {
        hedge_tolerance: 10_000,
        skew_rebate_share: 1_000_000,
        max_open_interest_usd: u64::MAX / 4,
        max_position_usd: u64::MAX / 4,
        ..RiskParams::default_for_tests()
    }
}

/// Tokens in the market's pools: C + K + insurance + margins + escrow.
fn pools(st: &MarketState) -> (u64, u64, u64) {
    (st.collateral, st.skew.balance, st.insurance)
}

// ---------------------------------------------------------------------------------
// (1) A free request moves the skew across the target, a trade is rebated for the
// way back, the cancellation's rise is unfunded, the close is absorbed.
// ---------------------------------------------------------------------------------

/// Over-hedged vault whose over-hedge was paid for (K holds its potential). The
/// attacker requests a deposit of twice the over-hedge (the skew crosses to the same
/// distance under the target: no rise, no unfunded), longs the over-hedge back to the
/// target (a fall, rebated out of K), cancels the deposit (rise, unfunded), closes the
/// long (a fall, absorbed by the unfunded). He ends flat with K's potential, less two
/// taker fees; the state is back where it was except K lost the rebate and U stands
/// in its place, so the honest closer of the over-hedge is no longer paid.
fn cross_and_cancel(params: RiskParams, c: u64, over: u64) -> (i64, i64, i64, u64, u64) {
    let (mut st, _supply, _h1) = hedged_vault(params, c);
    // An honest long over-hedges the vault and pays the potential's rise into K.
    let mut h2 = Position::default();
    st.deposit_margin(&mut h2, over).unwrap();
    let t = st.execute_trade(&mut h2, over as i64, 0, at(100)).unwrap();
    assert!(t.outcome.impact_fee > 0);
    assert!(st.skew.unfunded < ONE / 1_000, "{}", st.skew.unfunded);
    let (c0, k0, i0) = pools(&st);
    let u0 = st.skew.unfunded;
    let baseline = st; // for the honest closer's rebate without the attack
    let x0 = st.skew_point().skew(&st.params).unwrap();

    // Attacker: deposit wallet requests 2x the over-hedge (escrowed, returned on
    // cancel), trader wallet longs it.
    let deposit = 2 * x0 as u64;
    let attacker_in = deposit + over; // escrow + margin
    st.request_deposit(deposit).unwrap();
    assert_eq!(st.skew.balance, k0);
    // Fixed: the whole potential the request leaves is unfunded (it was only its
    // rise, none for a crossing), so the trade back pays it down and is not rebated.
    assert!(
        st.skew.unfunded >= st.skew_point().potential(&st.params, Rounding::Floor).unwrap() as u64,
        "{}",
        st.skew.unfunded
    );
    let mut a = Position::default();
    st.deposit_margin(&mut a, over).unwrap();
    let open = st.execute_trade(&mut a, x0 as i64, 0, at(100)).unwrap();
    println!(
        "open long {}: impact {} rebate {} taker {}",
        x0,
        open.outcome.impact_fee,
        open.outcome.rebate,
        open.outcome.fee - open.outcome.impact_fee
    );
    // Cancelled before its due time (or refused at execution: min_hedge_ratio).
    st.cancel_deposit(deposit, false, st.waiting_bid.index).unwrap();
    let close = st.execute_trade(&mut a, -(x0 as i64), 0, at(100)).unwrap();
    println!(
        "close: impact {} rebate {} absorbed {}",
        close.outcome.impact_fee, close.outcome.rebate, close.outcome.skew.absorbed
    );
    let margin_back = st.close_position(&a).unwrap();
    let attacker_out = deposit + margin_back;
    let gain = attacker_out as i64 - attacker_in as i64;
    let (c1, k1, i1) = pools(&st);
    println!(
        "attacker gain {gain}; dC {} dK {} dIns {}; U {} -> {}; skew {} -> {}",
        c1 as i64 - c0 as i64,
        k1 as i64 - k0 as i64,
        i1 as i64 - i0 as i64,
        u0,
        st.skew.unfunded,
        x0,
        st.skew_point().skew(&st.params).unwrap()
    );
    // The honest closer of the over-hedge: rebated before the attack, not after.
    let mut honest_before = baseline;
    let mut h2b = h2;
    let r_before = honest_before
        .execute_trade(&mut h2b, -(over as i64), 0, at(100))
        .unwrap()
        .outcome
        .rebate;
    let r_after = st
        .execute_trade(&mut h2, -(over as i64), 0, at(100))
        .unwrap()
        .outcome
        .rebate;
    println!("honest closer's rebate: {r_before} without the attack, {r_after} after it");
    (
        gain,
        k1 as i64 - k0 as i64,
        c1 as i64 - c0 as i64,
        r_before,
        r_after,
    )
}

#[test]
fn cross_the_target_with_a_free_request_and_take_the_rebate_prod() {
    // 10,000-token vault, 1,000 tokens over-hedged (the 10% cap), production params.
    let (gain, dk, dc, r_before, r_after) = cross_and_cancel(prod_params(), 10_000 * ONE, 1_000 * ONE);
    // Found by the attack on revision 6: the attacker ended +2.114 tokens, K -4.097.
    // Fixed: he pays two taker fees and K keeps what it held (the honest closer is
    // still not rebated while the unfunded potential stands: K's surplus goes to C).
    assert!(gain < 0, "{gain}");
    assert!(dk >= 0, "{dk}");
    assert!(dc > 0); // the vault's share of his taker fees
    assert!(r_before > 4 * ONE, "{r_before} {r_after}");
}

#[test]
fn cross_the_target_with_a_free_request_test_params() {
    // Test params: impact 0.1% over 1,000 tokens: the rebate is below two taker fees.
    let (gain, dk, _, _, _) = cross_and_cancel(test_params(), 100 * ONE, 10 * ONE);
    assert!(dk >= 0, "{dk}");
    assert!(gain < 0, "{gain}");
}

/// The same crossing from the other side with a withdrawal request: an under-hedged
/// vault whose gap was paid for (a long closed and paid the rise), a holder requests
/// a withdrawal of twice the gap (the skew crosses above the target at the same
/// distance), his trader wallet shorts back to the target (rebated), he cancels the
/// withdrawal, closes the short (absorbed).
#[test]
fn cross_the_target_with_a_free_withdrawal_request_prod() {
    let p = prod_params();
    let c = 10_000 * ONE;
    let (mut st, supply, mut h1) = hedged_vault(p, c);
    // The honest long closes 1,000: the vault is 1,000 under-hedged, the close paid
    // the rise into K.
    let gap = 1_000 * ONE;
    let t = st.execute_trade(&mut h1, -(gap as i64), 0, at(100)).unwrap();
    assert!(t.outcome.impact_fee > 0);
    let (c0, k0, i0) = pools(&st);
    let x0 = st.skew_point().skew(&st.params).unwrap();
    assert!(x0 < 0);
    // The attacker's holder wallet: the first depositor's shares (all of them) stand
    // for any holder with shares worth 2x the gap.
    let shares = (u128::from(supply) * 2 * x0.unsigned_abs() / u128::from(st.collateral)) as u64;
    let value = st.request_withdraw(supply, shares, at(100)).unwrap();
    println!(
        "withdrawal requested: {value}, skew {}",
        st.skew_point().skew(&st.params).unwrap()
    );
    assert_eq!(st.skew.balance, k0);
    let mut a = Position::default();
    st.deposit_margin(&mut a, gap).unwrap();
    let dx = st.skew_point().skew(&st.params).unwrap();
    let open = st.execute_trade(&mut a, -(dx as i64), 0, at(100)).unwrap();
    println!(
        "short {}: impact {} rebate {}",
        dx, open.outcome.impact_fee, open.outcome.rebate
    );
    st.release_withdraw(shares, value).unwrap();
    let close = st.execute_trade(&mut a, dx as i64, 0, at(100)).unwrap();
    println!(
        "close: impact {} rebate {}",
        close.outcome.impact_fee, close.outcome.rebate
    );
    let back = st.close_position(&a).unwrap();
    let gain = back as i64 - gap as i64;
    let (c1, k1, i1) = pools(&st);
    println!(
        "attacker gain {gain}; dC {} dK {} dIns {}; U {}",
        c1 as i64 - c0 as i64,
        k1 as i64 - k0 as i64,
        i1 as i64 - i0 as i64,
        st.skew.unfunded
    );
    // Found by the attack on revision 6: +3.070 tokens, K -5.084. Fixed.
    assert!(gain < 0, "{gain}");
    assert!(k1 >= k0, "{k1} {k0}");
}

// ---------------------------------------------------------------------------------
// (4) The funding floor: a long keeps a small deposit waiting.
// ---------------------------------------------------------------------------------

/// What a funding run measured.
struct FundingRun {
    /// Funding the attacker's long received, tokens (negative: paid).
    received: i64,
    /// The rate at the end. precision: 1e12 per day
    rate: i64,
    /// `C`'s change over the run.
    dc: i64,
    /// Tokens of the deposit executed at once.
    executed: u64,
    /// Tokens its waiting rest paid for its wait.
    charged: u64,
    /// Tokens that waited.
    waited: u64,
}

/// Runs `days` of hourly accruals on a 10,000-token vault whose only long is the
/// attacker's 10,000, with `pending` tokens of the attacker's deposit requested at
/// the start, executed as far as the cover allows; the rest waits all along, or
/// (`cancel_rest`) is cancelled at once.
fn funding_run(pending: u64, days: i64, cancel_rest: bool) -> FundingRun {
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

// ---------------------------------------------------------------------------------
// (2) A withdrawal requested at one price, partly paid at another, the rest at a
// third: never more than the shares are worth at each execution.
// ---------------------------------------------------------------------------------

#[test]
fn a_partial_withdrawal_across_prices_is_never_paid_more_than_its_shares() {
    let p = test_params();
    let c = 1_000 * ONE;
    let (mut st, supply, mut h1) = hedged_vault(p, c);
    // Half the vault asks to leave at 100.
    let shares = supply / 2;
    let v = st.request_withdraw(supply, shares, at(100)).unwrap();
    let mut req = WithdrawRequest {
        shares,
        value_at_request: v,
        price_at_request: 100 * PRICE_PRECISION,
        max_skew_fee_ratio: NO_BOUND,
    };
    let mut supply_now = supply;
    let mut total_paid = 0u64;
    let mut worth_total = 0u64;
    for (i, usd) in [90u128, 110, 80, 120].into_iter().enumerate() {
        if req.shares == 0 {
            break;
        }
        let worth = value_of_shares_floor(&st.vault_view(supply_now), &at(usd), req.shares).unwrap();
        let x = st.execute_withdraw_limited(supply_now, req, at(usd)).unwrap();
        // The burned shares' worth before the execution, pro rata of the whole request.
        let worth_burned = (u128::from(worth) * u128::from(x.shares_burned) / u128::from(req.shares)) as u64;
        assert!(
            x.paid <= worth_burned + x.skew_rebate + 1,
            "{} > {}",
            x.paid,
            worth_burned
        );
        println!(
            "step {i} at {usd}: worth(all) {worth} owed {} paid {} burned {}/{} fee {} rebate {}",
            x.owed, x.paid, x.shares_burned, req.shares, x.skew_fee, x.skew_rebate
        );
        assert!(x.paid <= x.owed + x.skew_rebate);
        assert!(x.owed <= worth);
        total_paid += x.paid;
        worth_total += worth_burned;
        supply_now -= x.shares_burned;
        req = WithdrawRequest {
            shares: req.shares - x.shares_burned,
            value_at_request: x.remaining_value_at_request,
            ..req
        };
        // Longs close part of the over-hedge between executions.
        let close = (h1.base / 10).max(1);
        st.execute_trade(&mut h1, -close, 0, at(usd)).unwrap();
    }
    println!("total paid {total_paid}, shares' worth when burned {worth_total}");
    assert!(total_paid <= worth_total + 4);
}

// ---------------------------------------------------------------------------------
// (3) Late execution re-queues; nothing executes at a stale price.
// ---------------------------------------------------------------------------------

#[test]
fn a_late_execution_executes_nothing_and_changes_nothing() {
    let p = test_params();
    let (mut st, supply, _h1) = hedged_vault(p, 100 * ONE);
    st.request_deposit(10 * ONE).unwrap();
    let mut a = Position::default();
    st.deposit_margin(&mut a, 10 * ONE).unwrap();
    st.execute_trade(&mut a, 10 * ONE as i64, 0, at(100)).unwrap();
    let before = st;
    let late = DepositRequest {
        due_age: i64::from(st.limits.max_age) + 1,
        ..terms(10 * ONE, false, 0)
    };
    let x = st.execute_deposit_request(supply, late, at(50)).unwrap();
    assert_eq!((x.executed, x.shares), (0, 0));
    assert_eq!(pools(&st), pools(&before));
    // In time, the owner's choice is the due-time price, within max_age only.
    let x = st
        .execute_deposit_request(supply, terms(10 * ONE, true, 0), at(100))
        .unwrap();
    assert!(x.executed > 0);
}

// ---------------------------------------------------------------------------------
// (6) Coarse first shares: fees reach C before any share exists.
// ---------------------------------------------------------------------------------

/// The attacker is the first depositor: his deposit of 10,000 is covered by his own
/// long of 10,000 opened while it waited (taker fee 0.1%, 80% of it, 8 tokens, reaches
/// C before any share exists): the first shares are priced at ~8/1000 token each. A
/// victim's later deposit executes in pieces as longs arrive; each piece loses up to
/// one share. The attacker covers the victim in pieces of 1.9 shares' worth.
#[test]
fn first_shares_are_fine_and_piecewise_execution_takes_nothing() {
    let p = test_params();
    let mut st = market(p);
    let big = 10_000 * ONE;
    let asked = big + 200 * ONE;
    st.request_deposit(asked).unwrap();
    let mut a = Position::default();
    st.deposit_margin(&mut a, 5_000 * ONE).unwrap();
    st.execute_trade(&mut a, big as i64, 0, at(100)).unwrap();
    let f = st.collateral;
    // His deposit executes up to the cover (C <= 1.005 N); he cancels the rest so the
    // vault sits at the cover's edge.
    let x = st
        .execute_deposit_request(0, terms(asked, false, 0), at(100))
        .unwrap();
    // The fee before the first share got its own dead shares (revision 6's fix of this
    // finding): they count in the supply.
    let mut supply = x.shares + x.dead_shares;
    if x.waiting > 0 {
        st.cancel_deposit(x.waiting, true, st.waiting_bid.index).unwrap();
    }
    let attacker_shares = x.shares;
    let share_value = (st.collateral as u128 * 1_000_000 / (supply as u128 + 1_000)) as f64 / 1e6;
    println!(
        "fee before the first share {f}; supply {supply}; one share ~{share_value} native units; \
         C {} N {}",
        st.collateral, st.aggregates.net_base
    );
    let attacker_value0 = value_of_shares_floor(&st.vault_view(supply), &at(100), attacker_shares).unwrap();
    // The victim deposits 10 tokens: the vault is at its cover's edge, it waits.
    let victim = 10 * ONE;
    st.request_deposit(victim).unwrap();
    let x = st
        .execute_deposit_request(supply, terms(victim, false, 0), at(100))
        .unwrap();
    println!(
        "victim first execution: executed {} waits {}",
        x.executed, x.waiting
    );
    let mut left = x.waiting;
    let mut victim_shares = x.shares;
    supply += x.shares;
    let mut pieces = 0;
    let mut attacker_fees = 0u64;
    let mut refunded = 0u64;
    // Pieces of about two shares each (coarse shares: the loss is up to one share a
    // piece), or a tenth of the deposit where shares are fine.
    let piece_target = ((share_value * 1.9) as u64).max(victim / 10);
    while left > 0 && pieces < 5_000 {
        // Cover one piece: a long of about piece / (1 + tolerance / 2).
        let need = st.collateral as u128 + piece_target as u128;
        let n_needed = need * 1_000_000 / p.cover_factor().unwrap() + 1;
        let dn = (n_needed as i128 - st.aggregates.net_base).max(1) as i64;
        let t = st.execute_trade(&mut a, dn, 0, at(100)).unwrap();
        attacker_fees += t.outcome.fee;
        let x = match st.execute_deposit_request(supply, terms(left, true, 0), at(100)) {
            Ok(x) => x,
            Err(EngineError::DepositTooSmall) => {
                // The last crumb cannot mint a share: refunded.
                st.cancel_deposit(left, true, st.waiting_bid.index).unwrap();
                refunded = left;
                break;
            }
            Err(e) => panic!("{e:?}"),
        };
        victim_shares += x.shares;
        supply += x.shares;
        left = x.waiting;
        pieces += 1;
    }
    let victim_value = value_of_shares_floor(&st.vault_view(supply), &at(100), victim_shares).unwrap();
    let attacker_value1 = value_of_shares_floor(&st.vault_view(supply), &at(100), attacker_shares).unwrap();
    println!(
        "{pieces} pieces: victim put {victim}, his shares are worth {victim_value} + refund {refunded} (loss {}); \
         attacker's shares {attacker_value0} -> {attacker_value1} (+{}), his taker fees {attacker_fees}",
        i128::from(victim) - i128::from(victim_value) - i128::from(refunded),
        i128::from(attacker_value1) - i128::from(attacker_value0)
    );
    // Found by the attack on revision 6 with coarse first shares (one share worth
    // 0.008 token): the victim lost 4.727 of 10 over 658 pieces. With the first shares
    // at 1,000 a native unit, he loses no more than rounding and the band.
    assert!(
        i128::from(victim) - i128::from(victim_value) - i128::from(refunded) <= i128::from(victim / 10_000),
        "{victim_value} {refunded}"
    );
    assert!(
        attacker_value1 <= attacker_value0 + attacker_fees,
        "{attacker_value0} {attacker_value1}"
    );
}
