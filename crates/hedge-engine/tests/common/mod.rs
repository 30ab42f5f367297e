//! What the engine's revision-6 tests share: a market, a price, a deposit's terms.

#![allow(dead_code)]

use hedge_engine::market::{DepositRequest, MarketState};
use hedge_engine::math::Rounding;
use hedge_engine::oracle::{OracleLimits, OraclePrice};
use hedge_engine::params::RiskParams;
use hedge_engine::position::{Position, Units};
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
        wait_since: 0,
    }
}

/// The skew potential of the market now, rounded up.
pub fn potential(st: &MarketState) -> u64 {
    st.skew_point().potential(&st.params, Rounding::Ceil).unwrap() as u64
}

/// app/src/defaults.rs `risk_params(9)` (copied: the engine's tests cannot depend on
/// the app crate).
pub fn prod_params() -> RiskParams {
    let one = ONE;
    RiskParams {
        skew_scale: 300 * one,
        min_position_base: (one / 1_000).max(1),
        max_funding_rate: 2_500_000_000,
        max_funding_velocity: 10_000_000_000,
        stress_move: 300_000,
        max_open_interest_usd: 1_000_000_000,
        max_position_usd: 100_000_000,
        impact_fee_ratio: 15_000,
        skew_scale_ratio: 300_000,
        skew_rebate_share: 1_000_000,
        funding_rate_target: 137_000_000,
        funding_reversion_time: 86_400,
        profit_unlock_time: 86_400,
        hedge_tolerance: 10_000,
        max_hedge_cost: 548_000_000,
        ..RiskParams::default_for_tests()
    }
}

/// A market with a large insurance fund (the stress-sized cap out of the way).
pub fn big_market(params: RiskParams) -> MarketState {
    market_with(params, 10_000_000 * ONE, 10_000_000_000 * ONE)
}

/// A vault of `c` tokens hedged by one honest long of `c`: (market, supply, the long).
pub fn hedged_vault(params: RiskParams, c: u64) -> (MarketState, u64, Position) {
    let mut st = big_market(params);
    st.request_deposit(c).unwrap();
    let mut long = Position::default();
    st.deposit_margin(&mut long, c / 2).unwrap();
    st.execute_trade(&mut long, c as i64, 0, at(100)).unwrap();
    let x = st
        .execute_deposit_request(0, terms(c, false, 0), at(100))
        .unwrap();
    // The fee part of C was there before: what executed is within the cover.
    if x.waiting > 0 {
        st.cancel_deposit(x.waiting, true, st.waiting_bid.index).unwrap();
    }
    (st, x.shares, long)
}

/// A matched pair beside `st`'s vault: a long and a short of `s` each (margin `s`),
/// opened in steps of 500 tokens (the over-hedge cap and the net-long rule in
/// between). Returns (long, short).
pub fn matched_pair(st: &mut MarketState, s: u64) -> (Position, Position) {
    let (mut long, mut short) = (Position::default(), Position::default());
    st.deposit_margin(&mut long, s).unwrap();
    st.deposit_margin(&mut short, s).unwrap();
    let step = 500 * ONE;
    let mut done = 0;
    while done < s {
        let d = step.min(s - done);
        st.execute_trade(&mut long, d as i64, 0, at(100)).unwrap();
        st.execute_trade(&mut short, -(d as i64), 0, at(100)).unwrap();
        done += d;
    }
    (long, short)
}

/// `long` tops the traders' net long up to `C` (the hedge target at `h = 1`: the
/// trades' fees joined `C`).
pub fn top_up_to_target(st: &mut MarketState, long: &mut Position) {
    let gap = st.collateral as i64 - st.aggregates.net_base as i64;
    if gap > 0 {
        st.execute_trade(long, gap, 0, at(100)).unwrap();
    }
}

/// 100 USD, the tests' price. precision: 1e18
pub const P100: u128 = 100 * PRICE_PRECISION;
/// An hour, seconds.
pub const HOUR: i64 = 3_600;

/// A deposit request as the program's `Request` account keeps it.
#[derive(Clone, Copy, Debug)]
pub struct Req {
    pub amount: u64,
    pub waited: bool,
    pub since: u64,
}

impl Req {
    /// Requests a deposit of `amount` on `st`.
    pub fn new(st: &mut MarketState, amount: u64) -> Req {
        st.request_deposit(amount).unwrap();
        Req {
            amount,
            waited: false,
            since: st.waiting_bid.index,
        }
    }
}
