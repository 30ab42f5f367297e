//! `market_auto_deleverage`: permissionless. When traders' gains push vault equity
//! below maintenance on its short (`E < r_m * N`), the market becomes reduce-only and
//! profitable positions are closed at the oracle price, no fee, until the vault is
//! back above initial margin (`E >= r_i * N`), which lifts reduce-only. The keeper
//! picks the most profitable positions first (it ranks them with the same engine);
//! the program checks the breach and that each closed position is profitable.

use anchor_lang::prelude::*;
use hedge_engine::liquidation::{auto_deleverage, vault_in_breach, vault_restored};
use hedge_engine::oracle::OracleUse;
use hedge_engine::position::{settle_funding, TradeContext};

use super::position_withdraw::apply_signed;
use crate::constants::MARKET_SEED;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::AutoDeleveraged;
use crate::market_ops::{market_view, refresh, vault_view};
use crate::state::{Market, Position, FLAG_REDUCE_ONLY};

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
    let agg0 = market.aggregates();
    let in_breach = vault_in_breach(&vault_view(market, 0, &agg0)?, &view).named()?;
    let restored0 = vault_restored(&vault_view(market, 0, &agg0)?, &view).named()?;
    require!(
        in_breach || (market.is_reduce_only() && !restored0),
        HedgeError::VaultNotInBreach
    );
    market.set_flag(FLAG_REDUCE_ONLY, true);

    let original_margin = a.position.margin;
    let mut pos = a.position.engine();
    let mut agg = agg0;
    let funding_paid = settle_funding(&mut pos, &mut agg, &view).named()?;
    let collateral = apply_signed(market.collateral, funding_paid)?;
    let closed = pos.base.unsigned_abs();
    let (next, agg, collateral, realized) = auto_deleverage(
        &pos,
        &TradeContext {
            vault_collateral: collateral,
            aggregates: agg,
        },
        &view,
    )
    .named()?;
    market.collateral = collateral;
    market.set_aggregates(&agg);
    market.add_margin(
        i128::from(next.margin)
            .checked_sub(i128::from(original_margin))
            .ok_or(HedgeError::MathOverflow)?,
    )?;
    a.position.set_engine(&next);
    let restored = vault_restored(&vault_view(market, 0, &agg)?, &view).named()?;
    if restored {
        market.set_flag(FLAG_REDUCE_ONLY, false);
    }
    let event = AutoDeleveraged {
        market: market.key(),
        owner: a.position.owner,
        closed,
        fill_price: oracle.price,
        realized_pnl: realized,
        reduce_only_after: !restored,
        funding_paid,
    };
    emit_cpi!(event);
    Ok(())
}
