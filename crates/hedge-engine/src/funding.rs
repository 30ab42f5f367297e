//! Perpetual funding (PROTOCOL section 4): the rate moves with the hedge imbalance
//! (velocity model), and accrues into a cumulative index per whole token.
//!
//! `s = clamp((N - h*C) / S, -1, 1)` with `S = max(skew_scale, skew_scale_ratio * C)`,
//! `r1 = clamp(r0 + max_velocity * s * dt - (r0 - r_target) * min(1, dt / tau),
//! -max_hedge_cost, max_rate)` (no pull when `tau = 0`; revision 6: outside the
//! band `|N - h*C| > hedge_tolerance * h*C` the pull acts only where it moves the
//! rate the way the imbalance asks, so a persistent imbalance moves the rate until
//! it is cleared, whatever carry the traders earn elsewhere),
//! `index += (r0 + r1) / 2 * dt * P` (USD per whole token; positive: longs pay).
//!
//! One accrual charges at most `max_funding_interval` seconds: time beyond it is not
//! charged, so a long outage can never produce a runaway charge.

use crate::math::{mul_div, mul_div_signed, to_i128, to_u64, Rounding, SafeMath};
use crate::params::RiskParams;
use crate::position::Aggregates;
use crate::{
    EngineError, EngineResult, FUNDING_INDEX_PRECISION, FUNDING_RATE_PRECISION, PRICE_PRECISION,
    SECONDS_PER_DAY,
};

/// The market's funding state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FundingState {
    /// Cumulative index. precision: 1e27 USD per whole token
    pub index: i128,
    /// Current rate. precision: 1e12 per day
    pub rate: i64,
    /// Unix seconds of the last accrual.
    pub last_time: i64,
}

/// What an accrual needs besides the state.
#[derive(Clone, Copy, Debug)]
pub struct FundingInputs {
    /// `N - h*C`, base units (positive: traders longer than the hedge target).
    pub imbalance: i128,
    /// Base at which the imbalance saturates (the scale in force).
    pub skew_scale: u128,
    /// precision: 1e12 per day
    pub max_rate: i64,
    /// precision: 1e12 per day per day
    pub max_velocity: i64,
    /// Longest interval charged by one accrual, seconds.
    pub max_interval: u32,
    /// Oracle price, 1e18 USD per whole token.
    pub price: u128,
    /// Level the rate is pulled toward. precision: 1e12 per day
    pub rate_target: i64,
    /// Time constant of the pull, seconds (0: none).
    pub reversion_time: u32,
    /// Revision 6: the imbalance, base units, beyond which the pull stops fighting
    /// it; `None`: it never stops (revision 4).
    pub band: Option<u128>,
    /// The lowest rate: the most the vault (short) pays, `-max_hedge_cost`.
    /// precision: 1e12 per day
    pub min_rate: i64,
}

impl FundingInputs {
    /// The inputs of a market: its imbalance `N - h*C` and funding parameters, with
    /// `collateral` the hedge base (`C`, and the deposits waiting for their hedge
    /// under revision 6).
    pub fn for_market(
        collateral: u64,
        aggregates: &Aggregates,
        params: &RiskParams,
        price: u128,
    ) -> EngineResult<Self> {
        // The target once: the imbalance and (revision 6) the band are both shares of it.
        let target = crate::skew::hedge_target_floor(collateral, params)?;
        let band = if params.deposits_wait_for_hedge() {
            Some(mul_div(
                target,
                u128::from(params.hedge_tolerance),
                u128::from(crate::RATIO_PRECISION),
                Rounding::Floor,
            )?)
        } else {
            None
        };
        Ok(FundingInputs {
            band,
            min_rate: params.max_hedge_cost.wrapping_neg(),
            imbalance: aggregates.net_base.sub_c(to_i128(target)?)?,
            skew_scale: crate::skew::skew_scale_in_force(collateral, params)?,
            max_rate: params.max_funding_rate,
            max_velocity: params.max_funding_velocity,
            max_interval: params.max_funding_interval,
            price,
            rate_target: params.funding_rate_target,
            reversion_time: params.funding_reversion_time,
        })
    }
}

/// What one accrual did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accrual {
    /// The new state.
    pub state: FundingState,
    /// Seconds charged (at most `max_interval`).
    pub charged_seconds: i64,
    /// Seconds elapsed but not charged (beyond the cap).
    pub skipped_seconds: i64,
}

/// Normalized imbalance `s` at [`FUNDING_RATE_PRECISION`], clamped to `[-1, 1]`.
pub fn skew_fraction(imbalance: i128, skew_scale: u128) -> EngineResult<i128> {
    if skew_scale == 0 {
        return Err(EngineError::DivisionByZero);
    }
    let s = mul_div_signed(
        imbalance,
        FUNDING_RATE_PRECISION.unsigned_abs(),
        skew_scale,
        Rounding::Floor,
    )
    .unwrap_or(if imbalance < 0 {
        -FUNDING_RATE_PRECISION
    } else {
        FUNDING_RATE_PRECISION
    });
    Ok(s.clamp(FUNDING_RATE_PRECISION.wrapping_neg(), FUNDING_RATE_PRECISION))
}

/// The pull toward the target over `dt`: `(r0 - r_target) * min(1, dt / tau)`,
/// rounded toward zero (zero when `tau = 0`).
fn reversion(r0: i128, inp: &FundingInputs, dt: i64) -> EngineResult<i128> {
    if inp.reversion_time == 0 {
        return Ok(0);
    }
    let gap = r0.sub_c(i128::from(inp.rate_target))?;
    let tau = i64::from(inp.reversion_time);
    if dt >= tau {
        return Ok(gap);
    }
    // Toward zero, so the pull never overshoots the target.
    let m = mul_div(
        gap.unsigned_abs(),
        dt.unsigned_abs().into(),
        tau.unsigned_abs().into(),
        Rounding::Floor,
    )?;
    let m = to_i128(m)?;
    Ok(if gap < 0 { m.wrapping_neg() } else { m })
}

/// Accrues funding from `state.last_time` to `now` with the state as it was (the
/// caller accrues before changing `N` or `C`).
pub fn accrue(state: &FundingState, inp: &FundingInputs, now: i64) -> EngineResult<Accrual> {
    let elapsed = now.sub_c(state.last_time)?;
    if elapsed <= 0 {
        return Ok(Accrual {
            state: *state,
            charged_seconds: 0,
            skipped_seconds: 0,
        });
    }
    let dt = elapsed.min(i64::from(inp.max_interval));
    let r1 = next_rate(state.rate, inp, dt)?;
    accrual_at(state, r1, dt, elapsed, inp.price, now)
}

/// The rate after `dt` seconds from `r0` under `inp` (velocity, pull, bounds).
fn next_rate(r0: i64, inp: &FundingInputs, dt: i64) -> EngineResult<i64> {
    let s = skew_fraction(inp.imbalance, inp.skew_scale)?;
    // dr = v * s * dt / day, with v and s at 1e12.
    let dr = mul_div_signed(
        i128::from(inp.max_velocity).mul_c(s)?,
        dt.unsigned_abs().into(),
        (FUNDING_RATE_PRECISION.mul_c(SECONDS_PER_DAY)?).unsigned_abs(),
        Rounding::Floor,
    )?;
    let max = i128::from(inp.max_rate);
    let r0 = i128::from(r0);
    let pull = reversion(r0, inp, dt)?;
    // Outside the band the pull acts only with the imbalance (it lowers the rate
    // when the vault is under-hedged, raises it when over-hedged), never against it.
    let outside = inp.band.is_some_and(|b| inp.imbalance.unsigned_abs() > b);
    let pull = if outside && pull.signum() == s.signum() {
        0
    } else {
        pull
    };
    let min = i128::from(inp.min_rate).max(max.wrapping_neg());
    let r1 = r0.add_c(dr)?.sub_c(pull)?.clamp(min, max);
    i64::try_from(r1).map_err(|_| EngineError::MathOverflow)
}

/// The accrual from `state` to the rate `r1` over `dt` charged seconds:
/// `index += (r0 + r1) / 2 * dt * P`.
fn accrual_at(
    state: &FundingState,
    r1: i64,
    dt: i64,
    elapsed: i64,
    price: u128,
    now: i64,
) -> EngineResult<Accrual> {
    // d_index = (r0 + r1) / 2 * dt * P / day, from (1e12 rate, 1e18 price) to the
    // 1e27 index: the scales reduce to a divisor of 2 * 86400 * 1e3.
    let scale_down = (FUNDING_RATE_PRECISION.unsigned_abs().mul_c(PRICE_PRECISION)?)
        .checked_div(FUNDING_INDEX_PRECISION.unsigned_abs())
        .ok_or(EngineError::DivisionByZero)?;
    let denom = 2u128.mul_c(SECONDS_PER_DAY.unsigned_abs())?.mul_c(scale_down)?;
    let d_index = mul_div_signed(
        i128::from(state.rate)
            .add_c(i128::from(r1))?
            .mul_c(i128::from(dt))?,
        price,
        denom,
        Rounding::Floor,
    )?;
    Ok(Accrual {
        state: FundingState {
            index: state.index.add_c(d_index)?,
            rate: r1,
            last_time: now,
        },
        charged_seconds: dt,
        skipped_seconds: elapsed.sub_c(dt)?,
    })
}

/// Precision of [`WaitingBid::index`]: tokens charged per escrowed token.
pub const WAIT_INDEX_PRECISION: u64 = 1_000_000_000_000;

/// Precision of [`WaitingBid::gap_index`]: tokens per unit of base (fine enough that
/// its rounding, times the largest open interest, stays under a native unit an
/// accrual; at most `max_hedge_cost` a year, 0.55e18 at 100%/day, 33 years of it fit).
pub const GAP_INDEX_PRECISION: u64 = 1_000_000_000_000_000_000;

/// Revision 6, what the deposits in escrow pay for the longs their demand calls for
/// (PROTOCOL section 4, "Who pays for a waiting deposit's hedge"). A deposit in
/// escrow is in the hedge base, so its demand moves the rate the longs are paid (the
/// market's rate `r`, on the hedge base with the escrow) below the rate the vault's
/// own hedge calls for (`own_rate`, the same dynamics on the base without the escrow).
/// The funding index runs at the own rate: the vault and the shorts pay or earn what
/// they would without the escrow. The difference, `own - r`, is a **bonus to every
/// long**, in tokens per unit of its base (`gap_index`), paid by the deposits in
/// escrow: they are charged it on all the longs, out of the escrow into a ledger owed
/// to the longs (`owed`, apart from `C`) until each long settles its part. The demand may take
/// `r` below `own` only as far as that costs each escrowed token at most
/// `max_hedge_cost` a year. (A first design lowered the funding rate itself and paid
/// the vault back: the shorts beside the vault paid the difference, a price move
/// between the charge and the settlement moved it onto the holders, and the order in
/// which positions settled could leave the holders' base wrong for good; found by the
/// fifth attack on revision 6.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaitingBid {
    /// The rate of the vault's own hedge, which the funding index runs at.
    /// precision: 1e12 per day
    pub own_rate: i64,
    /// Cumulative charge per escrowed token. precision: [`WAIT_INDEX_PRECISION`]
    pub index: u64,
    /// Cumulative tokens charged to deposits in escrow (moved into `C`).
    pub charged: u128,
    /// Tokens charged to the escrow as a whole and not yet booked to a request
    /// (each request books what it owes when its escrow changes): the requests'
    /// booked amounts add up to the escrow plus this.
    pub outstanding: u64,
    /// Tokens owed to the longs as their bonus and not paid yet (each long takes its
    /// part when it settles, `MarketState::settle_into`): a ledger of its own in the
    /// collateral token account, apart from `C` (not the holders').
    pub owed: u64,
    /// Cumulative bonus per unit of a long's base, tokens per token at
    /// [`GAP_INDEX_PRECISION`]: a long settles `base * (gap_index - its snapshot)`,
    /// rounded down.
    pub gap_index: u64,
}

impl WaitingBid {
    /// What a deposit of `amount` in escrow since the index was `since` owes,
    /// rounded up, at most `amount`.
    pub fn owed_by(&self, amount: u64, since: u64) -> EngineResult<u64> {
        let d = self.index.saturating_sub(since);
        let owed = mul_div(
            u128::from(amount),
            u128::from(d),
            u128::from(WAIT_INDEX_PRECISION),
            Rounding::Ceil,
        )?;
        Ok(u64::try_from(owed).unwrap_or(u64::MAX).min(amount))
    }

    /// A long of `base` settling from `snapshot`: its bonus, rounded down (the longs
    /// together never take more than the escrow paid).
    pub fn bonus_of(&self, base: i64, snapshot: u64) -> EngineResult<u64> {
        if base <= 0 {
            return Ok(0);
        }
        let gap = self.gap_index.saturating_sub(snapshot);
        let b = mul_div(
            u128::from(base.unsigned_abs()),
            u128::from(gap),
            u128::from(GAP_INDEX_PRECISION),
            Rounding::Floor,
        )?;
        Ok(u64::try_from(b).unwrap_or(u64::MAX).min(self.owed))
    }
}

/// The demand a waiting-bid accrual charges: the deposits in escrow and the longs
/// they pay the bonus to.
#[derive(Clone, Copy, Debug)]
pub struct WaitingDemand {
    /// Tokens in escrow (`E`).
    pub escrowed: u64,
    /// The longs' base together (`L`, the sum of long sizes), base units.
    pub longs: u128,
    /// The most a waiting token pays a year for its hedge. precision: 1e12 per day
    pub max_hedge_cost: i64,
}

/// One accrual under revision 6 (see [`WaitingBid`]): the own rate moves on `own`
/// (the hedge base without the escrow) and the funding index accrues at it; the
/// market's rate `r` moves on `market`, held within `[own - max_hedge_cost * E / L,
/// own]` at both ends of the interval (the own rate when nothing is in escrow); the
/// longs' bonus `((own0 - r0) + (own1 - r1)) / 2 * dt` per unit of base goes into the
/// gap index (rounded down), and the deposits in escrow are charged it on all the
/// longs, `L` times it rounded up (at most `max_hedge_cost` a year on each escrowed
/// token), per escrowed token into the index (rounded up); what the longs may take
/// is owed to them (`owed`), the rounding of the charge is the holders'. Returns the accrual (the index at
/// the own rate, `rate` the market's), the new bid and the tokens charged.
pub fn accrue_with_waiting(
    state: &FundingState,
    bid: &WaitingBid,
    market: &FundingInputs,
    own: &FundingInputs,
    demand: &WaitingDemand,
    now: i64,
) -> EngineResult<(Accrual, WaitingBid, u64)> {
    let elapsed = now.sub_c(state.last_time)?;
    if elapsed <= 0 {
        let a = accrue(state, market, now)?;
        return Ok((a, *bid, 0));
    }
    let dt = elapsed.min(i64::from(market.max_interval));
    // Rates left outside the bounds by a parameter change start inside them (a
    // narrower bound never makes an accrual fail: every instruction accrues first).
    let hi = market.max_rate;
    let lo = market.min_rate.max(hi.saturating_neg()).min(hi);
    let bid = &WaitingBid {
        own_rate: bid.own_rate.clamp(lo, hi),
        ..*bid
    };
    let state = &FundingState {
        rate: state.rate.clamp(lo, hi),
        ..*state
    };
    let own1 = next_rate(bid.own_rate, own, dt)?;
    // How far below the own rate the demand in escrow may take the longs' rate: all
    // of it while nothing is in escrow, down to the floor while there is no long (a
    // bonus to nobody costs nothing), else `max_hedge_cost * E / L`.
    let depth = if demand.escrowed == 0 {
        0
    } else if demand.longs == 0 {
        i64::MAX
    } else {
        let d = mul_div(
            u128::from(demand.max_hedge_cost.unsigned_abs()),
            u128::from(demand.escrowed),
            demand.longs,
            Rounding::Floor,
        )?;
        i64::try_from(d).unwrap_or(i64::MAX)
    };
    let lowest = |own_rate: i64| own_rate.saturating_sub(depth).max(market.min_rate).min(own_rate);
    let r0 = state.rate.clamp(lowest(bid.own_rate), bid.own_rate);
    let r1 = next_rate(r0, market, dt)?.clamp(lowest(own1), own1);
    // The index at the own rate; the state keeps the market's rate for its dynamics.
    let start = FundingState {
        rate: bid.own_rate,
        ..*state
    };
    let mut a = accrual_at(&start, own1, dt, elapsed, market.price, now)?;
    a.state.rate = r1;
    let mut next = WaitingBid {
        own_rate: own1,
        ..*bid
    };
    if demand.escrowed == 0 || demand.longs == 0 {
        return Ok((a, next, 0));
    }
    // Both differences are >= 0 (the rate is held at or below the own rate).
    let gap = i128::from(bid.own_rate)
        .sub_c(i128::from(r0))?
        .add_c(i128::from(own1).sub_c(i128::from(r1))?)?
        .unsigned_abs();
    let gap_dt = gap.mul_c(u128::from(dt.unsigned_abs()))?;
    let two_days = 2u128.mul_c(SECONDS_PER_DAY.unsigned_abs())?;
    // The requests' booked amounts (the escrow and what is charged but not yet
    // booked): what the index is per token of.
    let booked = demand.escrowed.add_c(bid.outstanding)?;
    // The most the escrow pays over `dt`: `max_hedge_cost` a year on each booked
    // token, rounded down (so a dust escrow pays nothing, rather than all of itself
    // each second: found by the sixth attack on revision 6, one-unit requests grew
    // the index by 1e12 a second toward its overflow), at most the escrow.
    let max_charge = to_u64(mul_div(
        u128::from(booked),
        u128::from(demand.max_hedge_cost.unsigned_abs()).mul_c(u128::from(dt.unsigned_abs()))?,
        SECONDS_PER_DAY
            .unsigned_abs()
            .mul_c(FUNDING_RATE_PRECISION.unsigned_abs())?,
        Rounding::Floor,
    )?)?
    .min(demand.escrowed);
    // Per unit of a long's base: gap(1e12/day) * dt / (2 * day), at 1e18 tokens per
    // token, rounded down; never more than that charge pays on all the longs.
    let d_gap = mul_div(
        gap_dt,
        u128::from(GAP_INDEX_PRECISION / 1_000_000_000_000),
        two_days,
        Rounding::Floor,
    )?
    .min(mul_div(
        u128::from(max_charge),
        u128::from(GAP_INDEX_PRECISION),
        demand.longs,
        Rounding::Floor,
    )?);
    // What the longs may take together, rounded up: the escrow's charge (at most
    // `max_charge`).
    let need = to_u64(mul_div(
        demand.longs,
        d_gap,
        u128::from(GAP_INDEX_PRECISION),
        Rounding::Ceil,
    )?)?;
    if need == 0 {
        return Ok((a, next, 0));
    }
    // Per booked token, rounded up, so the tokens charged (rounded down, at most the
    // escrow) are at least `need`.
    let d_index = mul_div(
        u128::from(need),
        u128::from(WAIT_INDEX_PRECISION),
        u128::from(booked),
        Rounding::Ceil,
    )?;
    let d_index = u64::try_from(d_index).map_err(|_| EngineError::MathOverflow)?;
    let charged = to_u64(mul_div(
        u128::from(booked),
        u128::from(d_index),
        u128::from(WAIT_INDEX_PRECISION),
        Rounding::Floor,
    )?)?
    .min(demand.escrowed);
    next.index = next.index.add_c(d_index)?;
    next.gap_index = next
        .gap_index
        .add_c(u64::try_from(d_gap).map_err(|_| EngineError::MathOverflow)?)?;
    next.charged = next.charged.add_c(u128::from(charged))?;
    next.outstanding = next.outstanding.add_c(charged)?;
    // What the longs may take is owed to them; the rest of the charge (its rounding
    // up per escrowed token) is the holders'.
    next.owed = next.owed.add_c(need.min(charged))?;
    Ok((a, next, charged))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const PCT: i64 = 10_000_000_000; // 1% per day at 1e12

    fn inputs(imbalance: i128) -> FundingInputs {
        FundingInputs {
            imbalance,
            skew_scale: 1_000,
            max_rate: 10 * PCT,
            max_velocity: PCT,
            max_interval: DAY as u32,
            price: 100 * PRICE_PRECISION,
            rate_target: 0,
            reversion_time: 0,
            band: None,
            min_rate: -10 * PCT,
        }
    }

    /// Worked example of the waiting bid (revision 6): the holders' own imbalance is
    /// zero (their rate stays 0, and the funding index with it), the deposits in
    /// escrow saturate the market's skew (the longs' rate would fall 1%/day in a day);
    /// each escrowed token pays at most 0.5%/day and there are as many as there are
    /// longs, so the longs' rate may go 0.5%/day below the own rate, no lower. Over
    /// the day each long earns a bonus of `(0 + 0.5%) / 2` of its base, 0.25% of
    /// 1,000,000 tokens = 2,500, and the escrow pays exactly that.
    #[test]
    fn the_waiting_deposits_pay_the_longs_the_bonus_their_demand_calls_for() {
        let st = FundingState {
            index: 0,
            rate: 0,
            last_time: 0,
        };
        let one = 1_000_000u64; // native units of a whole token
        let n = 1_000_000 * one;
        let demand = WaitingDemand {
            escrowed: n,
            longs: u128::from(n),
            max_hedge_cost: PCT / 2,
        };
        let bid = WaitingBid::default();
        let market = FundingInputs {
            skew_scale: 1,
            ..inputs(-1_000)
        };
        let (a, next, charged) = accrue_with_waiting(&st, &bid, &market, &inputs(0), &demand, DAY).unwrap();
        assert_eq!(next.own_rate, 0);
        // The index runs at the own rate (0): the vault and the shorts pay nothing
        // more; the longs' rate is the market's.
        assert_eq!((a.state.index, a.state.rate), (0, -PCT / 2));
        assert_eq!(charged, 2_500 * one);
        assert_eq!(next.index, WAIT_INDEX_PRECISION / 400); // 0.25% per escrowed token
        assert_eq!((next.charged, next.outstanding), (u128::from(charged), charged));
        // ... and 0.25% per unit of a long's base, which the longs take as they settle.
        assert_eq!(next.gap_index, GAP_INDEX_PRECISION / 400);
        assert_eq!(next.owed, charged); // no rounding here: 2,500 exactly
        assert_eq!(next.bonus_of(1_000 * one as i64, 0), Ok(2_500_000));
        assert_eq!(next.bonus_of(-(1_000 * one as i64), 0), Ok(0));
        // What one request of 1,000 tokens owes, rounded up.
        assert_eq!(next.owed_by(1_000 * one, 0), Ok(2_500_000));
        // Half the escrow: the rate may go half as far below, each token pays the same.
        let half = WaitingDemand {
            escrowed: n / 2,
            ..demand
        };
        let (a, next, charged) = accrue_with_waiting(&st, &bid, &market, &inputs(0), &half, DAY).unwrap();
        assert_eq!(a.state.rate, -PCT / 4);
        assert_eq!(charged, 1_250 * one);
        assert_eq!(next.index, WAIT_INDEX_PRECISION / 400);
        // Nothing in escrow: the market's rate is the holders' own, nothing charged.
        let none = WaitingDemand {
            escrowed: 0,
            ..demand
        };
        let own = accrue(&st, &inputs(300), DAY).unwrap();
        let (a, next, charged) = accrue_with_waiting(&st, &bid, &market, &inputs(300), &none, DAY).unwrap();
        assert_eq!((a, next.own_rate, charged), (own, own.state.rate, 0));
        // No long: a bonus to nobody costs nothing, nothing charged.
        let flat = WaitingDemand { longs: 0, ..demand };
        let (a, _, charged) = accrue_with_waiting(&st, &bid, &market, &inputs(0), &flat, DAY).unwrap();
        assert_eq!((a.state.rate, charged), (-PCT, 0));
        // Demand never raises the rate above the own one: a market rate left above it
        // (the escrow emptied) starts the next accrual at the own rate.
        let above = FundingState { rate: PCT, ..st };
        let (a, _, _) = accrue_with_waiting(&above, &bid, &inputs(0), &inputs(0), &none, DAY).unwrap();
        assert_eq!(a.state.rate, 0);
    }

    #[test]
    fn constant_rate_accrues_rate_times_price_times_time() {
        // Balanced market at a 1%/day rate: one day at 100 USD accrues 1 USD per token.
        let st = FundingState {
            index: 0,
            rate: PCT,
            last_time: 0,
        };
        let a = accrue(&st, &inputs(0), DAY).unwrap();
        assert_eq!(a.state.rate, PCT);
        assert_eq!(a.state.index, FUNDING_INDEX_PRECISION);
    }

    #[test]
    fn velocity_moves_the_rate_with_the_imbalance_and_averages_it() {
        // Fully long-skewed for a day: rate 0 -> 1%/day, average 0.5% -> 0.5 USD.
        let st = FundingState::default();
        let a = accrue(&st, &inputs(5_000), DAY).unwrap();
        assert_eq!(a.state.rate, PCT);
        assert_eq!(a.state.index, FUNDING_INDEX_PRECISION / 2);
        // Short-skewed half way: rate falls by 0.25%/day in half a day.
        let b = accrue(&a.state, &inputs(-500), DAY + DAY / 2).unwrap();
        assert_eq!(b.state.rate, PCT - PCT / 4);
    }

    #[test]
    fn the_rate_is_bounded() {
        let mut st = FundingState::default();
        for day in 1..=30 {
            st = accrue(&st, &inputs(1_000_000), day * DAY).unwrap().state;
        }
        assert_eq!(st.rate, 10 * PCT);
    }

    #[test]
    fn the_rate_comes_back_to_its_target_and_settles_under_a_constant_skew() {
        // Balanced market, rate 1%/day, target 0.1%/day, tau = 1 day: half a day pulls
        // half the gap; a whole day (or more) lands on the target.
        let st = FundingState {
            index: 0,
            rate: PCT,
            last_time: 0,
        };
        let mut inp = inputs(0);
        inp.rate_target = PCT / 10;
        inp.reversion_time = DAY as u32;
        let half = accrue(&st, &inp, DAY / 2).unwrap();
        assert_eq!(half.state.rate, PCT - (PCT - PCT / 10) / 2);
        assert_eq!(accrue(&st, &inp, 3 * DAY).unwrap().state.rate, PCT / 10);
        // A constant skew s = 0.5 at velocity 1%/day/day settles at target + v*s*tau
        // = 0.6%/day instead of running to the 10%/day cap.
        let mut st = FundingState::default();
        inp.imbalance = 500;
        for hour in 1..=24 * 30 {
            st = accrue(&st, &inp, hour * 3_600).unwrap().state;
        }
        let settled = PCT / 10 + PCT / 2;
        assert!((st.rate - settled).abs() < PCT / 100, "{} vs {settled}", st.rate);
        // Negative gaps are pulled toward zero too, without overshooting.
        let st = FundingState {
            index: 0,
            rate: -PCT,
            last_time: 0,
        };
        inp.imbalance = 0;
        let a = accrue(&st, &inp, 1).unwrap();
        assert!(a.state.rate > -PCT && a.state.rate < PCT / 10);
    }

    #[test]
    fn a_long_outage_charges_at_most_the_capped_interval() {
        let st = FundingState {
            index: 0,
            rate: PCT,
            last_time: 0,
        };
        let mut inp = inputs(0);
        inp.max_interval = 3_600;
        let a = accrue(&st, &inp, 10 * DAY).unwrap();
        assert_eq!(a.charged_seconds, 3_600);
        assert_eq!(a.skipped_seconds, 10 * DAY - 3_600);
        assert_eq!(a.state.index, FUNDING_INDEX_PRECISION / 24);
        assert_eq!(a.state.last_time, 10 * DAY);
    }

    #[test]
    fn no_time_no_change() {
        let st = FundingState {
            index: 5,
            rate: PCT,
            last_time: 100,
        };
        assert_eq!(accrue(&st, &inputs(1), 100).unwrap().state, st);
        assert_eq!(accrue(&st, &inputs(1), 50).unwrap().state, st);
    }

    #[test]
    fn the_index_scale_neither_underflows_nor_overflows() {
        // Smallest: 1e-8 USD token, one second, one rate step.
        let st = FundingState {
            index: 0,
            rate: 1,
            last_time: 0,
        };
        let mut inp = inputs(0);
        inp.price = PRICE_PRECISION / 100_000_000;
        inp.max_rate = 1;
        let a = accrue(&st, &inp, 1).unwrap();
        assert!(a.state.index > 0, "{}", a.state.index);
        // Largest: 1e6 USD token, ten years at 100%/day, one day per accrual.
        let mut st = FundingState {
            index: 0,
            rate: FUNDING_RATE_PRECISION as i64,
            last_time: 0,
        };
        let mut inp = inputs(0);
        inp.price = 1_000_000 * PRICE_PRECISION;
        inp.max_rate = FUNDING_RATE_PRECISION as i64;
        for d in 1..=3_650 {
            st = accrue(&st, &inp, d * DAY).unwrap().state;
        }
        assert_eq!(st.index, 3_650 * 1_000_000 * FUNDING_INDEX_PRECISION);
    }
}
