//! `market_auto_deleverage`: permissionless. When traders' gains push vault equity
//! below maintenance on its short (`E < r_m * N`), the market becomes reduce-only and
//! profitable positions are closed at the oracle price, no fee, until the vault is
//! back above initial margin (`E >= r_i * N`), which lifts reduce-only. The keeper
//! picks the most profitable positions first (it ranks them with the same engine);
//! the program checks the breach and that each closed position is profitable.

use anchor_lang::prelude::*;
use hedge_engine::liquidation::auto_deleverage;
use hedge_engine::oracle::OracleUse;

use crate::constants::MARKET_SEED;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::AutoDeleveraged;
use crate::market_ops::{
    book_position, market_view, refresh, settle_position_funding, trade_context, update_reduce_only,
};
use crate::state::{Market, Position};

#[event_cpi]
#[derive(Accounts)]
pub struct MarketAutoDeleverage<'info> {
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket)]
    pub position: Box<Account<'info, Position>>,
    /// CHECK: checked against the market by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(mut ctx: Context<MarketAutoDeleverage>) -> Result<()> {
    require!(ctx.accounts.position.base != 0, HedgeError::PositionEmpty);
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let market = &mut a.market;
    let oracle = refresh(market, &a.oracle, now, OracleUse::Liquidate)?;
    let params = market.risk_params();
    let view = market_view(market, &params, oracle)?;
    // In breach, or flagged and not yet restored: the flag is (still) set.
    require!(update_reduce_only(market, &view)?, HedgeError::VaultNotInBreach);

    let mut pos = a.position.engine();
    let funding_paid = settle_position_funding(market, &mut pos, &view)?;
    let closed = pos.base.unsigned_abs();
    let (next, agg, collateral, realized) = auto_deleverage(&pos, &trade_context(market), &view).named()?;
    book_position(market, &pos, &next, &agg, collateral)?;
    a.position.set_engine(&next);
    let reduce_only_after = update_reduce_only(market, &view)?;
    let event = AutoDeleveraged {
        market: market.key(),
        owner: a.position.owner,
        closed,
        fill_price: oracle.price,
        realized_pnl: realized,
        reduce_only_after,
        funding_paid,
    };
    emit_cpi!(event);
    Ok(())
}
