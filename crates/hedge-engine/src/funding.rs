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

use crate::math::{mul_div, mul_div_signed, to_i128, Rounding, SafeMath};
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
    let s = skew_fraction(inp.imbalance, inp.skew_scale)?;
    // dr = v * s * dt / day, with v and s at 1e12.
    let dr = mul_div_signed(
        i128::from(inp.max_velocity).mul_c(s)?,
        dt.unsigned_abs().into(),
        (FUNDING_RATE_PRECISION.mul_c(SECONDS_PER_DAY)?).unsigned_abs(),
        Rounding::Floor,
    )?;
    let max = i128::from(inp.max_rate);
    let r0 = i128::from(state.rate);
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
    // d_index = (r0 + r1) / 2 * dt * P / day, from (1e12 rate, 1e18 price) to the
    // 1e27 index: the scales reduce to a divisor of 2 * 86400 * 1e3.
    let scale_down = (FUNDING_RATE_PRECISION.unsigned_abs().mul_c(PRICE_PRECISION)?)
        .checked_div(FUNDING_INDEX_PRECISION.unsigned_abs())
        .ok_or(EngineError::DivisionByZero)?;
    let denom = 2u128.mul_c(SECONDS_PER_DAY.unsigned_abs())?.mul_c(scale_down)?;
    let d_index = mul_div_signed(
        r0.add_c(r1)?.mul_c(i128::from(dt))?,
        inp.price,
        denom,
        Rounding::Floor,
    )?;
    Ok(Accrual {
        state: FundingState {
            index: state.index.add_c(d_index)?,
            rate: i64::try_from(r1).map_err(|_| EngineError::MathOverflow)?,
            last_time: now,
        },
        charged_seconds: dt,
        skipped_seconds: elapsed.sub_c(dt)?,
    })
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
