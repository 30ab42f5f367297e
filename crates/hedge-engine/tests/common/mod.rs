//! What the engine's revision-6 tests share: a market, a price, a deposit's terms.

#![allow(dead_code)]

use hedge_engine::market::{DepositRequest, MarketState};
use hedge_engine::math::Rounding;
use hedge_engine::oracle::{OracleLimits, OraclePrice};
use hedge_engine::params::RiskParams;
use hedge_engine::position::Units;
use hedge_engine::{PRICE_PRECISION, RATIO_PRECISION};

pub const ONE: u64 = 1_000_000_000;
pub const NO_BOUND: i32 = RATIO_PRECISION as i32;

/// A fresh market of a 9-decimal token with `params` and an insurance fund of
/// `insurance` tokens staked for `insurance_shares`.
pub fn market_with(params: RiskParams, insurance: u64, insurance_shares: u64) -> MarketState {
    MarketState {
        insurance,
        insurance_shares,
        ..MarketState::new(
            params,
            OracleLimits::default_for_tests(),
            Units { scale: ONE as u128 },
            0,
        )
    }
}

/// A price of `usd` with no confidence interval.
pub fn at(usd: u128) -> OraclePrice {
    OraclePrice {
        price: usd * PRICE_PRECISION,
        conf: 0,
        publish_time: 0,
    }
}

/// A deposit's terms: no minimum hedge ratio, no bound on its skew charge.
pub fn terms(amount: u64, waited: bool, due_age: i64) -> DepositRequest {
    DepositRequest {
        amount,
        min_hedge_ratio: 0,
        max_skew_fee_ratio: NO_BOUND,
        waited,
        due_age,
    }
}

/// The skew potential of the market now, rounded up.
pub fn potential(st: &MarketState) -> u64 {
    st.skew_point().potential(&st.params, Rounding::Ceil).unwrap() as u64
}
