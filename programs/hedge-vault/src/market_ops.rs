//! What every valuing instruction does first: read the oracle for its use, then
//! accrue funding up to now with the state as it was (so nobody can move the
//! imbalance just before a crank and have it applied to the whole interval).

use anchor_lang::prelude::*;
use hedge_engine::funding::{accrue, Accrual, FundingInputs, FundingState};
use hedge_engine::liquidation::{vault_in_breach, vault_restored};
use hedge_engine::oracle::{OraclePrice, OracleUse};
use hedge_engine::position::MarketView;
use hedge_engine::position::{settle_funding, Aggregates, Position as EnginePosition, TradeContext};
use hedge_engine::vault::VaultView;

use crate::error::{EngineResultExt, HedgeError};
use crate::oracle::read_price;
use crate::state::{Market, FLAG_REDUCE_ONLY};

/// Accrues funding from the last accrual to `now` at `price`. Returns the accrual and
/// the hedge imbalance it used.
pub fn accrue_funding(market: &mut Market, price: u128, now: i64) -> Result<(Accrual, i128)> {
    let inputs = FundingInputs::for_market(
        market.collateral,
        &market.aggregates(),
        &market.risk_params(),
        price,
    )
    .named()?;
    if market.is_settled() {
        // A settled market winds down: funding stops.
        let state = FundingState {
            index: market.funding_index,
            rate: 0,
            last_time: now.max(market.last_funding_time),
        };
        market.funding_rate = 0;
        market.last_funding_time = state.last_time;
        return Ok((
            Accrual {
                state,
                charged_seconds: 0,
                skipped_seconds: 0,
            },
            inputs.imbalance,
        ));
    }
    let state = FundingState {
        index: market.funding_index,
        rate: market.funding_rate,
        last_time: market.last_funding_time,
    };
    let a = accrue(&state, &inputs, now).named()?;
    market.funding_index = a.state.index;
    market.funding_rate = a.state.rate;
    market.last_funding_time = a.state.last_time;
    market.funding_skipped_seconds = market
        .funding_skipped_seconds
        .checked_add(a.skipped_seconds.unsigned_abs())
        .ok_or(HedgeError::MathOverflow)?;
    Ok((a, inputs.imbalance))
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

/// Whether the vault is in margin breach at the view's price.
pub fn in_breach(market: &Market, view: &MarketView) -> Result<bool> {
    let agg = market.aggregates();
    vault_in_breach(&vault_view(market, 0, &agg)?, view).named()
}

/// Sets reduce-only when the vault's equity is below maintenance on its short, and
/// lifts it once the vault is back above initial margin. Returns the flag.
pub fn update_reduce_only(market: &mut Market, view: &MarketView) -> Result<bool> {
    if in_breach(market, view)? {
        market.set_flag(FLAG_REDUCE_ONLY, true);
    } else if market.is_reduce_only() {
        let agg = market.aggregates();
        if vault_restored(&vault_view(market, 0, &agg)?, view).named()? {
            market.set_flag(FLAG_REDUCE_ONLY, false);
        }
    }
    Ok(market.is_reduce_only())
}

/// `C + delta` for a signed token delta moved into the vault.
fn apply_signed(collateral: u64, delta: i64) -> Result<u64> {
    let next = i128::from(collateral)
        .checked_add(i128::from(delta))
        .ok_or(HedgeError::MathOverflow)?;
    u64::try_from(next).map_err(|_| error!(HedgeError::MathOverflow))
}

/// Settles a position's funding against its snapshot and books it in the market:
/// `C`, the margin total and the aggregates. Returns the tokens moved to the vault.
/// Every position touch that values or resizes the position calls this first.
pub fn settle_position_funding(
    market: &mut Market,
    pos: &mut EnginePosition,
    view: &MarketView,
) -> Result<i64> {
    let mut agg = market.aggregates();
    let paid = settle_funding(pos, &mut agg, view).named()?;
    market.collateral = apply_signed(market.collateral, paid)?;
    market.add_margin(-i128::from(paid))?;
    market.set_aggregates(&agg);
    Ok(paid)
}

/// The market state a trade, liquidation or deleveraging is computed against.
pub fn trade_context(market: &Market) -> TradeContext {
    TradeContext {
        vault_collateral: market.collateral,
        aggregates: market.aggregates(),
    }
}

/// Books a position change the engine computed from `before`: the margin total moves
/// by the position's margin change, and `C` and the aggregates take their new values.
pub fn book_position(
    market: &mut Market,
    before: &EnginePosition,
    after: &EnginePosition,
    aggregates: &Aggregates,
    collateral: u64,
) -> Result<()> {
    let delta = i128::from(after.margin)
        .checked_sub(i128::from(before.margin))
        .ok_or(HedgeError::MathOverflow)?;
    market.add_margin(delta)?;
    market.collateral = collateral;
    market.set_aggregates(aggregates);
    Ok(())
}
