//! `position_settle_funding`: permissionless. Settles any position's funding against
//! its snapshot (after accruing to now).

use anchor_lang::prelude::*;
use hedge_engine::oracle::OracleUse;

use crate::constants::MARKET_SEED;
use crate::error::HedgeError;
use crate::events::FundingSettled;
use crate::market_ops::{market_view, refresh, settle_position_funding};
use crate::state::{Market, Position};

#[event_cpi]
#[derive(Accounts)]
pub struct PositionSettleFunding<'info> {
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket)]
    pub position: Box<Account<'info, Position>>,
    /// CHECK: checked against the market by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(mut ctx: Context<PositionSettleFunding>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let market = &mut a.market;
    let oracle = refresh(market, &a.oracle, now, OracleUse::Reduce)?;
    let params = market.risk_params();
    let view = market_view(market, &params, oracle)?;
    let mut pos = a.position.engine();
    let paid = settle_position_funding(market, &mut pos, &view)?;
    a.position.set_engine(&pos);
    let event = FundingSettled {
        market: market.key(),
        owner: a.position.owner,
        paid,
        margin_after: pos.margin,
    };
    emit_cpi!(event);
    Ok(())
}
