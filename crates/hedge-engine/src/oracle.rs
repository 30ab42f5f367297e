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

/// What the price is used for; it decides the age and confidence limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OracleUse {
    /// Risk-increasing trades and vault deposits: the short age, the tight confidence.
    Increase,
    /// Reducing, closing, withdrawing, funding: the long age, the tight confidence.
    Reduce,
    /// Liquidation and the accounting of reducing exits that must work in turbulent
    /// markets: the long age, the loose confidence.
    Liquidate,
}

/// The market's acceptance limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleLimits {
    /// Maximum age in seconds for [`OracleUse::Increase`].
    pub max_age_increase: u32,
    /// Maximum age in seconds for the other uses.
    pub max_age: u32,
    /// Maximum `conf / price`, precision [`RATIO_PRECISION`], for increase and reduce.
    pub max_conf: u32,
    /// Looser maximum `conf / price` for liquidations, precision [`RATIO_PRECISION`].
    pub max_conf_liquidate: u32,
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

/// Checks a raw price against every rule of PROTOCOL section 6 and normalizes it.
///
/// `last_publish_time` is the newest publish time the market has accepted; an older
/// price is refused so nobody can pick a favourable stale update.
pub fn accept_price(
    raw: &RawPrice,
    limits: &OracleLimits,
    last_publish_time: i64,
    now: i64,
    use_: OracleUse,
) -> EngineResult<OraclePrice> {
    if raw.price <= 0 {
        return Err(EngineError::OraclePriceNotPositive);
    }
    let price = normalize(raw.price.unsigned_abs(), raw.expo)?;
    let conf = normalize(raw.conf, raw.expo)?;
    let age = now.sub_c(raw.publish_time)?;
    if age < 0 {
        return Err(EngineError::OraclePublishTimeInFuture);
    }
    let max_age = match use_ {
        OracleUse::Increase => limits.max_age_increase,
        OracleUse::Reduce | OracleUse::Liquidate => limits.max_age,
    };
    if age > i64::from(max_age) {
        return Err(EngineError::OracleStale);
    }
    if raw.publish_time < last_publish_time {
        return Err(EngineError::OracleOlderThanLast);
    }
    let max_conf = match use_ {
        OracleUse::Increase | OracleUse::Reduce => limits.max_conf,
        OracleUse::Liquidate => limits.max_conf_liquidate,
    };
    // conf / price <= max_conf / RATIO_PRECISION, without division.
    let lhs = conf.mul_c(u128::from(RATIO_PRECISION))?;
    let rhs = price.mul_c(u128::from(max_conf))?;
    if lhs > rhs || conf >= price {
        return Err(EngineError::OracleConfidenceTooWide);
    }
    Ok(OraclePrice {
        price,
        conf,
        publish_time: raw.publish_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PRICE_PRECISION;

    const LIMITS: OracleLimits = OracleLimits {
        max_age_increase: 30,
        max_age: 120,
        max_conf: 10_000,           // 1%
        max_conf_liquidate: 50_000, // 5%
    };

    fn raw(price: i64, conf: u64, expo: i32, t: i64) -> RawPrice {
        RawPrice {
            price,
            conf,
            expo,
            publish_time: t,
        }
    }

    #[test]
    fn sol_at_expo_minus_8_normalizes_exactly() {
        // 171.83004000 USD with conf 0.11 USD, as Pyth publishes SOL/USD.
        let p = accept_price(
            &raw(17_183_004_000, 11_000_000, -8, 100),
            &LIMITS,
            0,
            110,
            OracleUse::Increase,
        )
        .unwrap();
        assert_eq!(p.price, 171_830_040_000_000_000_000);
        assert_eq!(p.conf, 110_000_000_000_000_000);
    }

    #[test]
    fn extremes_of_the_supported_range_keep_every_digit() {
        // 1e-8 USD published as 1 * 10^-8 and as 1234567890 * 10^-18.
        assert_eq!(normalize(1, -8), Ok(PRICE_PRECISION / 100_000_000));
        assert_eq!(normalize(1_234_567_890, -18), Ok(1_234_567_890));
        // 1e6 USD at expo 0 and at expo -8.
        assert_eq!(normalize(1_000_000, 0), Ok(1_000_000 * PRICE_PRECISION));
        assert_eq!(
            normalize(100_000_000_000_000, -8),
            Ok(1_000_000 * PRICE_PRECISION)
        );
        assert_eq!(normalize(1, -19), Err(EngineError::OracleExponentOutOfRange));
        assert_eq!(normalize(1, 1), Err(EngineError::OracleExponentOutOfRange));
    }

    #[test]
    fn each_refusal_is_named() {
        let ok = raw(100_000_000, 100_000, -6, 100);
        assert!(accept_price(&ok, &LIMITS, 100, 130, OracleUse::Increase).is_ok());
        assert_eq!(
            accept_price(&raw(0, 0, -6, 100), &LIMITS, 0, 100, OracleUse::Reduce),
            Err(EngineError::OraclePriceNotPositive)
        );
        assert_eq!(
            accept_price(&raw(-5, 0, -6, 100), &LIMITS, 0, 100, OracleUse::Reduce),
            Err(EngineError::OraclePriceNotPositive)
        );
        assert_eq!(
            accept_price(&ok, &LIMITS, 0, 99, OracleUse::Reduce),
            Err(EngineError::OraclePublishTimeInFuture)
        );
        // 31 s old: too old to increase risk, fine to reduce.
        assert_eq!(
            accept_price(&ok, &LIMITS, 0, 131, OracleUse::Increase),
            Err(EngineError::OracleStale)
        );
        assert!(accept_price(&ok, &LIMITS, 0, 131, OracleUse::Reduce).is_ok());
        assert_eq!(
            accept_price(&ok, &LIMITS, 0, 221, OracleUse::Liquidate),
            Err(EngineError::OracleStale)
        );
        assert_eq!(
            accept_price(&ok, &LIMITS, 101, 130, OracleUse::Reduce),
            Err(EngineError::OracleOlderThanLast)
        );
        // conf 2%: refused for trading, accepted for liquidation.
        let wide = raw(100_000_000, 2_000_000, -6, 100);
        assert_eq!(
            accept_price(&wide, &LIMITS, 0, 100, OracleUse::Reduce),
            Err(EngineError::OracleConfidenceTooWide)
        );
        assert!(accept_price(&wide, &LIMITS, 0, 100, OracleUse::Liquidate).is_ok());
    }

    #[test]
    fn exactly_at_the_limits_is_accepted() {
        let at_conf = raw(100_000_000, 1_000_000, -6, 100); // exactly 1%
        assert!(accept_price(&at_conf, &LIMITS, 100, 130, OracleUse::Increase).is_ok());
    }

    #[test]
    fn fill_prices_move_against_the_taker() {
        let p = OraclePrice {
            price: 100,
            conf: 3,
            publish_time: 0,
        };
        assert_eq!(p.fill_price(5), Ok(103));
        assert_eq!(p.fill_price(-5), Ok(97));
    }
}
