//! Oracle adapter: a Pyth `(price, conf, expo, publish_time)` is checked once and
//! normalized once into an [`OraclePrice`] at [`PRICE_PRECISION`].

use crate::math::{pow10, SafeMath};
use crate::{EngineError, EngineResult, MAX_ORACLE_EXPO, MIN_ORACLE_EXPO, PRICE_DECIMALS, RATIO_PRECISION};

/// A price as Pyth publishes it, whatever the account format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawPrice {
    /// Mantissa.
    pub price: i64,
    /// Confidence interval, same exponent as `price`.
    pub conf: u64,
    /// Decimal exponent: the USD price is `price * 10^expo`.
    pub expo: i32,
    /// Unix seconds.
    pub publish_time: i64,
}

/// A checked, normalized price. precision: [`PRICE_PRECISION`] (USD per whole token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OraclePrice {
    /// precision: 1e18, USD per whole token, > 0.
    pub price: u128,
    /// precision: 1e18, USD per whole token, < price.
    pub conf: u128,
    /// Unix seconds.
    pub publish_time: i64,
}

impl OraclePrice {
    /// The price moved against a buyer (`P + conf`).
    pub fn ask(&self) -> EngineResult<u128> {
        self.price.add_c(self.conf)
    }

    /// The price moved against a seller (`P - conf`), never below 1.
    pub fn bid(&self) -> EngineResult<u128> {
        Ok(self.price.saturating_sub(self.conf).max(1))
    }

    /// The fill price for a taker whose base changes by `delta` (> 0 buys): the
    /// oracle price moved against the taker by the confidence interval.
    pub fn fill_price(&self, delta: i128) -> EngineResult<u128> {
        if delta > 0 {
            self.ask()
        } else {
            self.bid()
        }
    }
}

/// What the price is used for; it decides the age and confidence limits (PROTOCOL
/// section 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OracleUse {
    /// Executing a risk-increasing request (a deposit, an increasing trade): the
    /// tight confidence limit `max_conf`.
    Increase,
    /// Executing a reducing request (a reducing trade, a margin or vault withdrawal)
    /// and the instant valuations (the funding crank, funding settlement, a withdrawal
    /// request's value, applying a proposal): the looser `max_conf_reduce`, so exits
    /// work in turbulent markets; instant uses are at most `max_age` old.
    Reduce,
    /// Liquidation and auto-deleveraging, which act at once: `max_conf_reduce` and the
    /// short `max_age_liquidate`.
    Liquidate,
}

/// The market's acceptance limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleLimits {
    /// Maximum age in seconds for instant valuations.
    pub max_age: u32,
    /// Maximum age in seconds for liquidation and auto-deleveraging.
    pub max_age_liquidate: u32,
    /// Seconds between a liquidation's price and the update that confirms it
    /// (PROTOCOL section 6: a wick shorter than this never liquidates).
    pub liquidation_confirmation: u32,
    /// Maximum `conf / price` for risk-increasing executions, precision
    /// [`RATIO_PRECISION`].
    pub max_conf: u32,
    /// Maximum `conf / price` for every exit, liquidation and instant valuation,
    /// precision [`RATIO_PRECISION`].
    pub max_conf_reduce: u32,
}

impl OracleLimits {
    /// Limits for a liquid token (2% confidence, 5% for exits, liquidations confirmed
    /// 5 s apart); the tests and the client's defaults start here.
    pub const fn default_for_tests() -> Self {
        OracleLimits {
            max_age: 120,
            max_age_liquidate: 15,
            liquidation_confirmation: 5,
            max_conf: 20_000,
            max_conf_reduce: 50_000,
        }
    }
}

impl OracleLimits {
    fn max_conf_for(&self, use_: OracleUse) -> u32 {
        match use_ {
            OracleUse::Increase => self.max_conf,
            OracleUse::Reduce | OracleUse::Liquidate => self.max_conf_reduce,
        }
    }
}

/// Converts a Pyth mantissa with exponent `expo` to [`PRICE_PRECISION`], exactly.
pub fn normalize(value: u64, expo: i32) -> EngineResult<u128> {
    if !(MIN_ORACLE_EXPO..=MAX_ORACLE_EXPO).contains(&expo) {
        return Err(EngineError::OracleExponentOutOfRange);
    }
    // expo in [-18, 0], so the shift is in [0, 18].
    let shift = i64::from(PRICE_DECIMALS).sub_c(i64::from(expo).wrapping_neg())?;
    let shift = u32::try_from(shift).map_err(|_| EngineError::OracleExponentOutOfRange)?;
    u128::from(value).mul_c(pow10(shift)?)
}

/// Checks sign, exponent and confidence, and normalizes.
fn checked(raw: &RawPrice, limits: &OracleLimits, now: i64, use_: OracleUse) -> EngineResult<OraclePrice> {
    if raw.price <= 0 {
        return Err(EngineError::OraclePriceNotPositive);
    }
    let price = normalize(raw.price.unsigned_abs(), raw.expo)?;
    let conf = normalize(raw.conf, raw.expo)?;
    if now.sub_c(raw.publish_time)? < 0 {
        return Err(EngineError::OraclePublishTimeInFuture);
    }
    // conf / price <= max_conf / RATIO_PRECISION, without division.
    let lhs = conf.mul_c(u128::from(RATIO_PRECISION))?;
    let rhs = price.mul_c(u128::from(limits.max_conf_for(use_)))?;
    if lhs > rhs || conf >= price {
        return Err(EngineError::OracleConfidenceTooWide);
    }
    Ok(OraclePrice {
        price,
        conf,
        publish_time: raw.publish_time,
    })
}

/// Checks a price for an instant use (liquidation, auto-deleveraging, the funding
/// crank and other valuations that act at once) against every rule of PROTOCOL
/// section 6 and normalizes it: positive, exponent in range, not in the future, not
/// older than the age limit of its use, not older than `last_publish_time` (the newest
/// the market accepted), confidence within the limit of its use.
pub fn accept_price(
    raw: &RawPrice,
    limits: &OracleLimits,
    last_publish_time: i64,
    now: i64,
    use_: OracleUse,
) -> EngineResult<OraclePrice> {
    let p = checked(raw, limits, now, use_)?;
    let max_age = match use_ {
        OracleUse::Increase | OracleUse::Reduce => limits.max_age,
        OracleUse::Liquidate => limits.max_age_liquidate,
    };
    if now.sub_c(raw.publish_time)? > i64::from(max_age) {
        return Err(EngineError::OracleStale);
    }
    if raw.publish_time < last_publish_time {
        return Err(EngineError::OracleOlderThanLast);
    }
    Ok(p)
}

/// Checks the price a request due at `due` executes at (PROTOCOL section 6a): the
/// first price published at or after the due time. For a pull update,
/// `prev_publish_time` is the publish time of the feed's previous update and exactly
/// one update satisfies `prev_publish_time < due <= publish_time`; a legacy price
/// account has no previous time (`None`) and only `publish_time >= due` is checked.
/// No age limit: a request never expires, and its outcome is the one of its due
/// time's price however late it is executed (PROTOCOL section 6a).
pub fn accept_price_at(
    raw: &RawPrice,
    prev_publish_time: Option<i64>,
    limits: &OracleLimits,
    due: i64,
    now: i64,
    use_: OracleUse,
) -> EngineResult<OraclePrice> {
    check_update_of(raw.publish_time, prev_publish_time, due)?;
    checked(raw, limits, now, use_)
}

/// Checks the update that confirms a liquidation at a price published at
/// `liquidation_publish_time` (PROTOCOL section 6): it is the unique update for the
/// time `liquidation_confirmation` seconds earlier (`prev < t - d <= publish_time`),
/// and published before the liquidation's price. The caller checks its sign and
/// confidence like the liquidation's (`accept_confirmation`).
pub fn check_confirmation(
    publish_time: i64,
    prev_publish_time: Option<i64>,
    liquidation_publish_time: i64,
    limits: &OracleLimits,
) -> EngineResult<()> {
    let at = liquidation_publish_time.sub_c(i64::from(limits.liquidation_confirmation))?;
    if check_update_of(publish_time, prev_publish_time, at).is_err() {
        return Err(EngineError::ConfirmationNotUnique);
    }
    if publish_time >= liquidation_publish_time {
        return Err(EngineError::ConfirmationNotEarlier);
    }
    Ok(())
}

/// Accepts the confirmation of a liquidation at `liquidation` (PROTOCOL section 6):
/// a pull update checked by [`check_confirmation`] and, like the liquidation's price,
/// for sign, exponent and the exits' confidence limit. A legacy account holds only its
/// newest price and confirms itself: the caller passes `None` and gets the
/// liquidation's price back.
pub fn accept_confirmation(
    raw: Option<(&RawPrice, i64)>,
    liquidation: &OraclePrice,
    limits: &OracleLimits,
    now: i64,
) -> EngineResult<OraclePrice> {
    let Some((raw, prev)) = raw else {
        return Ok(*liquidation);
    };
    check_confirmation(raw.publish_time, Some(prev), liquidation.publish_time, limits)?;
    checked(raw, limits, now, OracleUse::Liquidate)
}

/// Whether an update published at `publish_time`, after one published at
/// `prev_publish_time` (`None`: unknown, a legacy account), is the first published at
/// or after `due`: `prev < due <= publish_time`.
pub fn check_update_of(publish_time: i64, prev_publish_time: Option<i64>, due: i64) -> EngineResult<()> {
    if publish_time < due {
        return Err(EngineError::OraclePublishedBeforeDueTime);
    }
    if let Some(prev) = prev_publish_time {
        if prev >= due {
            return Err(EngineError::OracleNotUniqueForDueTime);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
