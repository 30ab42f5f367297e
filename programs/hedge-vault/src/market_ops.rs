//! What most instructions do first: read the price for their use and accrue funding
//! up to now with the state as it was (so nobody can move the imbalance just before a
//! crank and have it applied to the whole interval). The economic steps themselves are
//! `hedge_engine::market::MarketState`'s methods.

use anchor_lang::prelude::*;
use hedge_engine::market::MarketState;
use hedge_engine::oracle::{OraclePrice, OracleUse};

use crate::error::EngineResultExt;
use crate::oracle::{read_liquidation, read_now};
use crate::state::Market;

/// Reads the price for an instant `use_` and accrues funding to `now`.
pub fn refresh(
    st: &mut MarketState,
    market: &Market,
    oracle: &AccountInfo,
    now: i64,
    use_: OracleUse,
) -> Result<OraclePrice> {
    let price = read_now(st, market, oracle, now, use_)?;
    st.accrue(price.price, now).named()?;
    Ok(price)
}

/// Reads a liquidation's price and its confirmation (`oracle::read_liquidation`) and
/// accrues funding to `now` at the price. Returns `(confirmation, price)`.
pub fn refresh_confirmed(
    st: &mut MarketState,
    market: &Market,
    oracle: &AccountInfo,
    confirm: &AccountInfo,
    now: i64,
) -> Result<(OraclePrice, OraclePrice)> {
    let (confirmation, price) = read_liquidation(st, market, oracle, confirm, now)?;
    st.accrue(price.price, now).named()?;
    Ok((confirmation, price))
}
