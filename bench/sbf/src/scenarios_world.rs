//! The scenarios' world: a market with its vault, insurance, traders' aggregates,
//! a moved funding index, waiting requests, and two of its positions (built outside
//! the meter).

#![allow(dead_code, unused_imports)]

use core::hint::black_box as bb;
use hedge_engine::funding::{accrue, FundingInputs, FundingState};
use hedge_engine::liquidation::{auto_deleverage, liquidate, vault_in_breach};
use hedge_engine::market::MarketState;
use hedge_engine::math::{mul_div, Rounding};
use hedge_engine::oracle::{
    accept_confirmation, accept_price, accept_price_at, OracleLimits, OraclePrice, OracleUse, RawPrice,
};
use hedge_engine::params::RiskParams;
use hedge_engine::position::{
    equity_floor, execute_trade, is_liquidatable, settle_funding, stress_sized_open_interest_usd, Aggregates,
    MarketView, Position, TradeContext, Units,
};
use hedge_engine::vault::{
    check_min_hedge_ratio, check_withdrawal, shares_for_deposit_floor, value_of_shares_floor, VaultView,
};
use hedge_engine::{FUNDING_INDEX_PRECISION, PRICE_PRECISION};

pub const ONE: i64 = 1_000_000_000; // one token of 9 decimals
pub const UNITS: Units = Units { scale: 1_000_000_000 };
pub const NOW: i64 = 1_700_000_000;
/// Prices at which the world's long is liquidated in part, and bankrupt.
pub const PARTIAL_CENTS: u128 = 9_350;
pub const BANKRUPT_CENTS: u128 = 8_800;

pub fn params() -> RiskParams {
    let mut p = RiskParams::default_for_tests();
    p.max_open_interest_usd = 1_000_000_000;
    p.max_position_usd = 1_000_000_000;
    p
}

pub fn limits() -> OracleLimits {
    OracleLimits::default_for_tests()
}

/// SOL-like price in USD cents with a 0.05% confidence interval.
pub fn oracle(cents: u128) -> OraclePrice {
    let price = cents * PRICE_PRECISION / 100;
    OraclePrice {
        price,
        conf: price / 2_000,
        publish_time: NOW,
    }
}

pub fn raw(cents: i64) -> RawPrice {
    RawPrice {
        price: cents * 1_000_000,
        conf: (cents * 1_000_000 / 2_000) as u64,
        expo: -8,
        publish_time: NOW - 3,
    }
}

/// `raw(cents)` published at `t`.
pub fn raw_at(cents: i64, t: i64) -> RawPrice {
    RawPrice {
        publish_time: t,
        ..raw(cents)
    }
}

/// A request's due time: the pull update `raw` carries (published at `NOW - 3`, the
/// previous one a second before) is the unique update for it.
pub const DUE: i64 = NOW - 3;
pub const PREV: Option<i64> = Some(NOW - 4);

/// A market with a 1000-token vault, 1000 tokens of insurance, 40 traders' worth of
/// aggregates (800 long, 55 short), a funding index that has moved, a deposit of 25
/// tokens in escrow and 25,000 shares queued for withdrawal; and two of its positions.
#[derive(Clone, Copy)]
pub struct World {
    pub st: MarketState,
    pub supply: u64,
    pub long: Position,
    pub short: Position,
}

#[inline(never)]
pub fn world() -> World {
    let index = 3 * FUNDING_INDEX_PRECISION / 2;
    let mut st = MarketState {
        params: params(),
        limits: limits(),
        units: UNITS,
        collateral: 1_000 * ONE as u64,
        insurance: 1_000 * ONE as u64,
        insurance_shares: 1_000_000 * ONE as u64,
        total_margin: 0,
        escrowed_deposits: 25 * ONE as u64,
        waiting_deposits: 0,
        aggregates: Aggregates::default(),
        funding: FundingState {
            index,
            rate: 3_000_000_000,
            last_time: NOW - 600,
        },
        funding_skipped_seconds: 0,
        last_publish_time: NOW - 10,
        last_price: oracle(10_000).price,
        settlement_price: 0,
        paused: false,
        reduce_only: false,
        claimable_tokens: 0,
        claimable_shares: 0,
        pending_withdraw_shares: 25_000 * ONE as u64,
        withdrawals_in_escrow: 0,
        dead_shares: 0,
        total_insurance_covered: 0,
        total_socialized: 0,
        profit: Default::default(),
        skew: Default::default(),
        insurance_profit: Default::default(),
        waiting_bid: Default::default(),
    };
    let o = oracle(10_000);
    let open = |st: &mut MarketState, margin: i64, size: i64| {
        let mut p = Position::default();
        let _ = st.deposit_margin(&mut p, margin as u64);
        let _ = st.execute_trade(&mut p, size, 0, o);
        p
    };
    // The crowd: a big long opened in one go, and a short against it.
    open(&mut st, 100 * ONE, 790 * ONE);
    open(&mut st, 20 * ONE, -50 * ONE);
    // The positions under test: a long of 10 tokens on 1.2 tokens of margin (8.3x),
    // and a short of 5 on 2.
    let long = open(&mut st, 6 * ONE / 5, 10 * ONE);
    let short = open(&mut st, 2 * ONE, -5 * ONE);
    // Funding has moved since they opened.
    st.funding.index += FUNDING_INDEX_PRECISION / 100;
    World {
        st,
        supply: 1_000_000 * ONE as u64,
        long,
        short,
    }
}

impl World {
    pub fn view(&self, cents: u128) -> MarketView<'_> {
        self.st.view(oracle(cents))
    }

    pub fn vault(&self) -> VaultView<'_> {
        self.st.vault_view(self.supply)
    }

    pub fn ctx(&self) -> TradeContext {
        self.st.trade_context()
    }

    pub fn funding(&self) -> (FundingState, FundingInputs) {
        let inp = FundingInputs::for_market(
            self.st.hedge_base(),
            &self.st.aggregates,
            &self.st.params,
            oracle(10_000).price,
        )
        .unwrap_or(FundingInputs {
            imbalance: 0,
            skew_scale: 1,
            max_rate: 0,
            max_velocity: 0,
            max_interval: 1,
            price: 1,
            rate_target: 0,
            reversion_time: 0,
            band: None,
            min_rate: 0,
        });
        (self.st.funding, inp)
    }
}

/// The liquidation of the world's long at `cents` (for the runner's checks that the
/// "partial" and "bankrupt" scenarios are what they say).
#[allow(dead_code)]
pub fn world_liquidation(
    cents: u128,
) -> hedge_engine::EngineResult<hedge_engine::liquidation::LiquidationOutcome> {
    let w = world();
    liquidate(&w.long, &w.ctx(), w.st.insurance, &w.view(cents))
}

/// (traders' net base, the long's base, the short's base) of the world, for the
/// runner's check that every position in it opened.
#[allow(dead_code)]
pub fn world_bases() -> (i128, i64, i64) {
    let w = world();
    (w.st.aggregates.net_base, w.long.base, w.short.base)
}
