//! Revision 6 (PROTOCOL section 3, "A deposit executes against a hedge that
//! exists"; section 4, funding and the bounded cost of hedging): worked examples.

use hedge_engine::funding::{accrue, FundingInputs, FundingState};
use hedge_engine::market::{MarketState, WithdrawRequest};
use hedge_engine::params::RiskParams;
use hedge_engine::position::Position;
use hedge_engine::{EngineError, PRICE_PRECISION, RATIO_PRECISION};

mod common;
use common::{at, potential, prod_params, terms, NO_BOUND, ONE};

fn params() -> RiskParams {
    RiskParams {
        hedge_tolerance: 10_000, // 1%
        skew_rebate_share: 1_000_000,
        ..RiskParams::default_for_tests()
    }
}

fn market() -> MarketState {
    common::market_with(params(), 50 * ONE, 50_000 * ONE)
}

/// The first deposit of an empty vault waits for longs, executes the part they cover
/// (with the 1% tolerance) and pays nothing for the gap it opened; the longs that fill
/// it pay no skew charge and receive no rebate (nobody funded one).
#[test]
fn a_deposit_executes_only_what_longs_cover_and_pays_nothing_for_the_gap() {
    let mut st = market();
    st.request_deposit(100 * ONE).unwrap();
    // The pending deposit is in the skew: x = 0 - 100 tokens, its potential unfunded.
    assert_eq!(st.skew_point().skew(&st.params).unwrap(), -100 * i128::from(ONE));
    assert_eq!((st.skew.balance, st.skew.unfunded), (0, potential(&st)));
    assert!(st.skew.unfunded > 0);
    // Nothing covers it yet: it waits whole.
    let x = st
        .execute_deposit_request(0, terms(100 * ONE, false, 0), at(100))
        .unwrap();
    assert_eq!((x.executed, x.waiting, x.shares), (0, 100 * ONE, 0));
    assert_eq!(
        (st.collateral, st.escrowed_deposits, st.waiting_deposits),
        (0, 100 * ONE, 100 * ONE)
    );
    // A taker longs 60: the skew falls, paying down what was unfunded; no rebate, no
    // impact fee, only the taker fee (0.1%).
    let mut long = Position::default();
    st.deposit_margin(&mut long, 20 * ONE).unwrap();
    let t = st.execute_trade(&mut long, 60 * ONE as i64, 0, at(100)).unwrap();
    assert_eq!((t.outcome.impact_fee, t.outcome.rebate), (0, 0));
    assert_eq!(long.margin, (20 * ONE - 60 * ONE / 1_000) as i64);
    assert_eq!(st.skew.balance, 0);
    assert_eq!(st.skew.unfunded, potential(&st));
    // 60 longs cover 60.3 tokens of C (within half the 1% tolerance), of which the
    // vault's 80% of the taker fee, 0.048, is already there: 60.252 execute. The first shares are priced on an
    // empty vault (1,000 a native unit); the 0.048 (and the longs' entry band, 0 here)
    // get shares of their own, dead, owned by nobody.
    assert_eq!(st.collateral, 48_000_000);
    let x = st
        .execute_deposit_request(0, terms(100 * ONE, true, 0), at(100))
        .unwrap();
    assert_eq!(
        (x.executed, x.waiting, x.shares, x.skew_fee, x.skew_rebate),
        (60_252_000_000, 39_748_000_000, 60_252_000_000_000, 0, 0)
    );
    assert_eq!((x.dead_shares, st.dead_shares), (48_000_000_000, 48_000_000_000));
    assert_eq!(st.collateral, 60_300_000_000);
    assert_eq!(
        (st.escrowed_deposits, st.waiting_deposits),
        (39_748_000_000, 39_748_000_000)
    );
    // Executed too long after its due time, nothing executes (no stale price).
    let late = i64::from(st.limits.max_age) + 1;
    let mut again = st;
    let x = again
        .execute_deposit_request(60_300_000_000_000, terms(39_748_000_000, true, late), at(100))
        .unwrap();
    assert_eq!((x.executed, x.waiting), (0, 39_748_000_000));
    // More longs: the rest executes; the vault is hedged within the tolerance.
    st.execute_trade(&mut long, 40 * ONE as i64, 0, at(100)).unwrap();
    let x = st
        .execute_deposit_request(60_300_000_000_000, terms(39_748_000_000, true, 0), at(100))
        .unwrap();
    assert_eq!(
        (x.executed, x.waiting, x.skew_fee, x.skew_rebate),
        (39_748_000_000, 0, 0, 0)
    );
    assert_eq!((st.escrowed_deposits, st.waiting_deposits), (0, 0));
    let gap = st.collateral.abs_diff(st.aggregates.net_base as u64);
    assert!(gap * 100 <= st.collateral, "{gap}");
}

/// A request and its cancellation leave the skew ledger as it was: nothing is
/// charged or rebated for either.
#[test]
fn a_request_and_its_cancellation_move_no_tokens() {
    let mut st = market();
    let before = st.skew;
    st.request_deposit(30 * ONE).unwrap();
    assert_eq!(st.skew.balance, before.balance);
    st.cancel_deposit(30 * ONE, false, st.waiting_bid.index).unwrap();
    // Only the cumulative count of unfunded rises remembers it: 0.1% * 30^2 / 1,000.
    assert_eq!(
        (
            st.skew.balance,
            st.skew.unfunded,
            st.skew.collected,
            st.skew.rebated
        ),
        (before.balance, before.unfunded, before.collected, before.rebated)
    );
    assert_eq!(st.skew.unfunded_total, 900_000);
    assert_eq!(st.escrowed_deposits, 0);
}

/// A vault of 100 tokens hedged by one long of 100, and its shares.
fn hedged_vault() -> (MarketState, u64) {
    let mut st = market();
    st.request_deposit(100 * ONE).unwrap();
    let mut long = Position::default();
    st.deposit_margin(&mut long, 20 * ONE).unwrap();
    st.execute_trade(&mut long, 100 * ONE as i64, 0, at(100)).unwrap();
    let shares = st
        .execute_deposit_request(0, terms(100 * ONE, false, 0), at(100))
        .unwrap()
        .shares;
    (st, shares)
}

/// A withdrawal leaves the hedge base when it is requested, uncharged; at its due
/// time it executes whole and pays nothing for the gap (the longs that close it are
/// paid by funding); its cancellation puts it back, uncharged.
#[test]
fn a_withdrawal_pays_nothing_for_the_gap_it_leaves() {
    let (mut st, shares) = hedged_vault();
    let supply = shares;
    let (k0, u0) = (st.skew.balance, st.skew.unfunded);
    // A twentieth of the vault asks to leave (within the over-hedge cap of 10%: a
    // larger one is paid as far as the cap allows, the rest queued until the longs
    // close): the skew rises by its value, unfunded.
    let part = shares / 20;
    let value = st.request_withdraw(supply, part, at(100)).unwrap();
    assert_eq!(st.withdrawals_in_escrow, value);
    assert_eq!(st.hedge_base(), st.collateral - value);
    assert_eq!(st.skew.balance, k0);
    assert!(st.skew.unfunded > u0);
    // Cancelled: back where it was.
    let mut cancelled = st;
    cancelled.release_withdraw(part, value).unwrap();
    assert_eq!(
        (cancelled.withdrawals_in_escrow, cancelled.hedge_base()),
        (0, cancelled.collateral)
    );
    assert_eq!(cancelled.skew.balance, k0);
    // Executed: the whole value is paid, with no skew charge, though the longs have
    // not closed yet (the vault is over-hedged until they do).
    assert_eq!(
        st.withdrawal_skew_quote(value).map(|q| (q.paid, q.rebate)),
        Ok((0, 0))
    );
    let c0 = st.collateral;
    let x = st.execute_withdraw(supply, part, value, at(100)).unwrap();
    assert_eq!((x.skew_fee, x.skew_rebate, x.paid), (0, 0, value));
    assert_eq!((st.collateral, st.withdrawals_in_escrow), (c0 - value, 0));
    assert_eq!(st.skew.balance, k0);
}

/// Revision 6 compares a withdrawal's two values in USD: a hedged share requested at
/// 100 and executed at 90 is worth about 100/90 as many tokens; the token rule would
/// pay its value at request, the loss of the price's fall over the delay.
#[test]
fn a_withdrawal_keeps_its_usd_value_over_the_delay() {
    let (mut st, shares) = hedged_vault();
    let part = shares / 20;
    let value = st.request_withdraw(shares, part, at(100)).unwrap();
    let now_worth =
        hedge_engine::vault::value_of_shares_floor(&st.vault_view(shares), &at(90), part).unwrap();
    assert!(now_worth > value * 110 / 100, "{now_worth} vs {value}");
    let request = |price_at_request| WithdrawRequest {
        shares: part,
        value_at_request: value,
        price_at_request,
        max_skew_fee_ratio: NO_BOUND,
    };
    let mut by_tokens = st;
    let x = by_tokens
        .execute_withdraw_limited(shares, request(0), at(90))
        .unwrap();
    assert_eq!(x.paid, value);
    let x = st
        .execute_withdraw_limited(shares, request(100 * PRICE_PRECISION), at(90))
        .unwrap();
    // min(value now, value * 100 / 90). The pending withdrawal left the hedge base at
    // its value at request; the extra tokens its USD value buys now move the skew a
    // little more, and that is charged as any move is.
    assert_eq!(x.owed, now_worth.min(value * 10 / 9));
    assert_eq!(x.paid, x.owed - x.skew_fee + x.skew_rebate);
    assert!(x.skew_fee < x.owed / 10_000, "{}", x.skew_fee);
    assert!(x.paid > value * 110 / 100);
}

/// Longs opened against pending deposits fit the over-hedge cap of the hedge base
/// (C and the deposits in escrow); beyond it they are refused.
#[test]
fn the_over_hedge_cap_counts_pending_deposits() {
    let mut st = market();
    st.request_deposit(100 * ONE).unwrap();
    let mut long = Position::default();
    st.deposit_margin(&mut long, 30 * ONE).unwrap();
    // (1 + 10%) * 100 = 110 longs at most.
    let before = (st, long);
    assert_eq!(
        st.execute_trade(&mut long, 111 * ONE as i64, 0, at(100))
            .map(|_| ()),
        Err(EngineError::OverHedgeCapExceeded)
    );
    assert_eq!((st, long), before);
    st.execute_trade(&mut long, 110 * ONE as i64, 0, at(100)).unwrap();
}

/// Funding answers the hedge base: a pending deposit is demand for longs (the rate
/// falls), a pending withdrawal demand for closes.
#[test]
fn funding_answers_the_hedge_base() {
    let (mut st, shares) = hedged_vault();
    let own = st.aggregates.net_base - i128::from(st.collateral);
    st.request_deposit(50 * ONE).unwrap();
    let (_, imbalance) = st.accrue(100 * PRICE_PRECISION, 3_600).unwrap();
    assert_eq!(imbalance, own - 50 * i128::from(ONE));
    assert!(st.funding.rate < 0, "{}", st.funding.rate);
    st.cancel_deposit(50 * ONE, false, st.waiting_bid.index).unwrap();
    let value = st.request_withdraw(shares, shares / 10, at(100)).unwrap();
    // `C` now holds what the escrow paid for its hour (the cancellation booked it).
    let own = st.aggregates.net_base - i128::from(st.collateral);
    let (_, imbalance) = st.accrue(100 * PRICE_PRECISION, 7_200).unwrap();
    assert_eq!(imbalance, own + i128::from(value));
}

const PCT: i64 = 10_000_000_000; // 1% a day
const DAY: i64 = 86_400;

fn inputs(imbalance: i128, band: Option<u128>) -> FundingInputs {
    FundingInputs {
        imbalance,
        skew_scale: 1_000,
        max_rate: 10 * PCT,
        max_velocity: PCT,
        max_interval: DAY as u32,
        price: 100 * PRICE_PRECISION,
        rate_target: 0,
        reversion_time: DAY as u32,
        band,
        min_rate: -PCT,
    }
}

fn run(inp: &FundingInputs, r0: i64, days: i64) -> i64 {
    let mut st = FundingState {
        index: 0,
        rate: r0,
        last_time: 0,
    };
    for h in 1..=days * 24 {
        st = accrue(&st, inp, h * 3_600).unwrap().state;
    }
    st.rate
}

/// Revision 4's pull settles a persistent imbalance of 20% of the scale at
/// `v * s * tau` = -0.2% a day, whatever carry traders earn elsewhere; outside the band
/// revision 6 keeps moving the rate until it reaches the bound of the hedging cost.
#[test]
fn outside_the_band_the_rate_moves_until_the_bound() {
    let proportional = run(&inputs(-200, None), 0, 10);
    assert!(
        (-PCT / 5 - PCT / 100..=-PCT / 5 + PCT / 100).contains(&proportional),
        "{proportional}"
    );
    assert_eq!(run(&inputs(-200, Some(10)), 0, 10), -PCT);
    // Over-hedged: up, to the cap.
    assert_eq!(run(&inputs(1_000, Some(10)), 0, 20), 10 * PCT);
    // Inside the band the pull brings it back toward the target (after 5 days of a
    // one-day pull, from -1%/day: e^-5 of the way, with v * s * tau = -0.005%/day).
    let back = run(&inputs(-5, Some(10)), -PCT, 5);
    assert!((-PCT / 50..0).contains(&back), "{back}");
    // The bound holds without a band too (revision 5's markets), here with no pull.
    let velocity_only = FundingInputs {
        reversion_time: 0,
        ..inputs(-1_000, None)
    };
    assert_eq!(run(&velocity_only, 0, 10), -PCT);
}

/// The bound is a parameter with its range: between 0 and the rate's maximum (above
/// `max_funding_rate` it binds no tighter than the cap), and the target rate no lower
/// than `-max_hedge_cost`.
#[test]
fn the_bound_on_the_hedging_cost_has_a_range() {
    let p = params();
    assert_eq!(p.validate(), Ok(()));
    let bad = [
        RiskParams {
            max_hedge_cost: -1,
            ..p
        },
        RiskParams {
            max_hedge_cost: hedge_engine::params::MAX_FUNDING_RATE + 1,
            ..p
        },
        RiskParams {
            max_hedge_cost: 0,
            funding_rate_target: -1,
            ..p
        },
        RiskParams {
            hedge_tolerance: RATIO_PRECISION as u32 + 1,
            ..p
        },
    ];
    for b in bad {
        assert_eq!(b.validate(), Err(EngineError::InvalidParameter), "{b:?}");
    }
}

/// What the vault held before its first share (the fee of the longs that opened
/// against the first deposit, 0.08 token) gets dead shares: a first depositor who
/// races in with a little gets shares at 1,000 a native unit and back no more than he
/// put in, whatever the size.
#[test]
fn the_first_depositor_takes_nothing_that_was_there_before_him() {
    for racer in [1, 10, 1_000, ONE / 1_000, 10 * ONE] {
        let mut st = market();
        st.request_deposit(100 * ONE).unwrap();
        let mut long = Position::default();
        st.deposit_margin(&mut long, 20 * ONE).unwrap();
        st.execute_trade(&mut long, 100 * ONE as i64, 0, at(100)).unwrap();
        assert_eq!(st.collateral, 80_000_000);
        st.request_deposit(racer).unwrap();
        let x = st
            .execute_deposit_request(0, terms(racer, false, 0), at(100))
            .unwrap();
        assert_eq!(
            (x.executed, x.shares, x.dead_shares),
            (racer, racer * 1_000, 80_000_000_000)
        );
        let supply = x.shares + x.dead_shares;
        let value = st.request_withdraw(supply, x.shares, at(100)).unwrap();
        assert!(value <= racer, "{racer}: {value}");
    }
}

/// Found by the stress runs of revision 6: a queued withdrawal whose part that fits now
/// is a native unit or two paid its skew charge (rounded up) out of all of it, burning
/// shares for nothing (1,013 share units for 0 tokens). Now such a part does not
/// execute: nothing is burnt, the whole stays queued for when it fits.
#[test]
fn a_part_that_its_charge_would_eat_whole_stays_queued() {
    use hedge_engine::vault::max_withdrawal_floor;
    // Revision 5's withdrawal, whose execution moves the skew by all it pays: the
    // simplest way to meet it here (the stress runs met it under revision 6, where a
    // queued rest's execution moves the skew by the difference of its two values).
    let p = RiskParams {
        hedge_tolerance: 0,
        ..prod_params()
    };
    let c = 10_000 * ONE;
    let mut st = common::big_market(p);
    st.request_deposit(c).unwrap();
    let x = st
        .execute_deposit_request(0, terms(c, false, 0), at(100))
        .unwrap();
    let supply = x.shares + x.dead_shares;
    let mut long = Position::default();
    st.deposit_margin(&mut long, c / 2).unwrap();
    st.execute_trade(&mut long, c as i64, 0, at(100)).unwrap();
    // Longs up to the over-hedge cap less a little: only a few native units of `C` may
    // leave (N <= (1 + k) * h * C').
    let mut more = Position::default();
    st.deposit_margin(&mut more, 5_000 * ONE).unwrap();
    let room_after = |st: &hedge_engine::market::MarketState, supply: u64| {
        max_withdrawal_floor(&st.vault_view(supply), &at(100), &st.params).unwrap()
    };
    let room = |st: &hedge_engine::market::MarketState| room_after(st, supply);
    let mut step = 512 * ONE as i64;
    for _ in 0..400 {
        if step == 0 {
            break;
        }
        let mut t = st;
        let mut m = more;
        if t.execute_trade(&mut m, step, 0, at(100)).is_ok() && room(&t) >= 1 {
            st = t;
            more = m;
        } else {
            step /= 2;
        }
    }
    // A first holder's withdrawal, paid whole, takes all but a native unit of that
    // room (the smallest number of share units whose payment leaves it).
    let mut supply = supply;
    let per_unit = supply / st.collateral; // share units a native unit is worth, about
    let start = (room(&st).saturating_sub(3)) * per_unit;
    let lo = (0..4 * per_unit)
        .map(|k| start + k)
        .find(|&n| {
            let mut t = st;
            let Ok(v) = t.request_withdraw(supply, n, at(100)) else {
                return false;
            };
            let x = t.execute_withdraw(supply, n, v, at(100)).unwrap();
            x.shares_burned == n && room_after(&t, supply - n) == 1
        })
        .expect("a withdrawal that leaves a native unit of room");
    let v = st.request_withdraw(supply, lo, at(100)).unwrap();
    let x = st.execute_withdraw(supply, lo, v, at(100)).unwrap();
    assert_eq!(x.shares_burned, lo);
    supply -= lo;
    let largest = room_after(&st, supply);
    assert_eq!(largest, 1);
    // Another holder withdraws a tenth of the shares: a part of `largest` tokens
    // fits, and its charge (the potential's rise, rounded up) takes it whole.
    let shares = supply / 10;
    let value = st.request_withdraw(supply, shares, at(100)).unwrap();
    let before = st;
    let x = st.execute_withdraw(supply, shares, value, at(100)).unwrap();
    assert_eq!((x.paid, x.shares_burned), (0, 0), "{x:?}");
    assert_eq!(x.remaining_value_at_request, value);
    assert_eq!(
        (st.collateral, st.pending_withdraw_shares),
        (before.collateral, before.pending_withdraw_shares)
    );
}
