//! What every valuing instruction does first: read the oracle for its use, then
//! accrue funding up to now with the state as it was (so nobody can move the
//! imbalance just before a crank and have it applied to the whole interval).

use anchor_lang::prelude::*;
use hedge_engine::funding::{accrue, Accrual, FundingInputs, FundingState};
use hedge_engine::oracle::{OraclePrice, OracleUse};
use hedge_engine::position::MarketView;
use hedge_engine::vault::{hedge_imbalance, VaultView};

use crate::error::{EngineResultExt, HedgeError};
use crate::oracle::read_price;
use crate::state::Market;

/// Accrues funding from the last accrual to `now` at `price`.
pub fn accrue_funding(market: &mut Market, price: u128, now: i64) -> Result<Accrual> {
    if market.is_settled() {
        // A settled market winds down: funding stops.
        let state = FundingState {
            index: market.funding_index,
            rate: 0,
            last_time: now.max(market.last_funding_time),
        };
        market.funding_rate = 0;
        market.last_funding_time = state.last_time;
        return Ok(Accrual {
            state,
            charged_seconds: 0,
            skipped_seconds: 0,
        });
    }
    let params = market.risk_params();
    let imbalance = hedge_imbalance(market.collateral, &market.aggregates(), &params).named()?;
    let state = FundingState {
        index: market.funding_index,
        rate: market.funding_rate,
        last_time: market.last_funding_time,
    };
    let inputs = FundingInputs {
        imbalance,
        skew_scale: params.skew_scale,
        max_rate: params.max_funding_rate,
        max_velocity: params.max_funding_velocity,
        max_interval: params.max_funding_interval,
        price,
    };
    let a = accrue(&state, &inputs, now).named()?;
    market.funding_index = a.state.index;
    market.funding_rate = a.state.rate;
    market.last_funding_time = a.state.last_time;
    market.funding_skipped_seconds = market
        .funding_skipped_seconds
        .checked_add(a.skipped_seconds.unsigned_abs())
        .ok_or(HedgeError::MathOverflow)?;
    Ok(a)
}

/// Reads the price for `use_` and accrues funding to `now`.
pub fn refresh(market: &mut Market, oracle: &AccountInfo, now: i64, use_: OracleUse) -> Result<OraclePrice> {
    let price = read_price(market, oracle, now, use_)?;
    accrue_funding(market, price.price, now)?;
    Ok(price)
}

/// The engine's view of the market at this price.
pub fn market_view<'a>(
    market: &Market,
    params: &'a hedge_engine::params::RiskParams,
    oracle: OraclePrice,
) -> Result<MarketView<'a>> {
    Ok(MarketView {
        params,
        units: market.units()?,
        oracle,
        funding_index: market.funding_index,
    })
}

/// The engine's view of the vault.
pub fn vault_view<'a>(
    market: &Market,
    supply: u64,
    agg: &'a hedge_engine::position::Aggregates,
) -> Result<VaultView<'a>> {
    Ok(VaultView {
        collateral: market.collateral,
        supply,
        aggregates: agg,
        units: market.units()?,
        funding_index: market.funding_index,
    })
}

/// Sets reduce-only when the vault's equity is below maintenance on its short, and
/// lifts it once the vault is back above initial margin. Returns the flag.
pub fn update_reduce_only(market: &mut Market, view: &MarketView) -> Result<bool> {
    let agg = market.aggregates();
    let v = vault_view(market, 0, &agg)?;
    if hedge_engine::liquidation::vault_in_breach(&v, view).named()? {
        market.set_flag(crate::state::FLAG_REDUCE_ONLY, true);
    } else if market.is_reduce_only() && hedge_engine::liquidation::vault_restored(&v, view).named()? {
        market.set_flag(crate::state::FLAG_REDUCE_ONLY, false);
    }
    Ok(market.is_reduce_only())
}
