//! `market_update_funding`: permissionless crank. Accrues funding to now at the
//! oracle price. O(1): it touches the market only, whatever the number of positions.

use anchor_lang::prelude::*;
use hedge_engine::oracle::OracleUse;

use crate::constants::MARKET_SEED;
use crate::events::FundingUpdated;
use crate::market_ops::{accrue_funding, market_view, update_reduce_only};
use crate::oracle::read_price;
use crate::state::Market;

#[event_cpi]
#[derive(Accounts)]
pub struct MarketUpdateFunding<'info> {
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    /// CHECK: checked against the market by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<MarketUpdateFunding>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let market = &mut ctx.accounts.market;
    let oracle = read_price(market, &ctx.accounts.oracle, now, OracleUse::Reduce)?;
    let (a, imbalance) = accrue_funding(market, oracle.price, now)?;
    let params = market.risk_params();
    let view = market_view(market, &params, oracle)?;
    update_reduce_only(market, &view)?;
    let event = FundingUpdated {
        market: market.key(),
        index: a.state.index,
        rate: a.state.rate,
        charged_seconds: a.charged_seconds,
        skipped_seconds: a.skipped_seconds,
        imbalance,
        price: oracle.price,
    };
    emit_cpi!(event);
    Ok(())
}
