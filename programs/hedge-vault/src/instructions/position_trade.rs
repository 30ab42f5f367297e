//! `position_trade(delta_base, limit_price)`: increase, reduce, flip or close against
//! the vault. Settles funding first, fills at the oracle price moved against the
//! taker, pays fees (the insurance fund's share moved to its token account), and is
//! checked by the engine: risk-increasing trades need the fresh price and must keep
//! initial margin, the net-long rule, the over-hedge cap, the OI caps and the minimum
//! size; risk-reducing trades are never refused for those.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use hedge_engine::oracle::OracleUse;
use hedge_engine::position::{execute_trade, is_risk_reducing};

use crate::constants::MARKET_SEED;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::PositionTraded;
use crate::market_ops::{
    book_position, in_breach, market_view, refresh, settle_position_funding, trade_context,
};
use crate::state::{Market, Position};
use crate::token_util::transfer_out;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct PositionTradeArgs {
    /// Signed change of base, native units (> 0 buys).
    pub delta_base: i64,
    /// Worst acceptable fill, 1e18 USD per whole token: a buy fills at or below it, a
    /// sell at or above it. Zero: no limit.
    pub limit_price: u128,
}

#[event_cpi]
#[derive(Accounts)]
pub struct PositionTrade<'info> {
    pub owner: Signer<'info>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket, has_one = owner @ HedgeError::WrongOwner)]
    pub position: Box<Account<'info, Position>>,
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: checked against the market by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<PositionTrade>, args: PositionTradeArgs) -> Result<()> {
    require!(args.delta_base != 0, HedgeError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let base = a.position.base;
    let new_base = base
        .checked_add(args.delta_base)
        .ok_or(HedgeError::MathOverflow)?;
    let reducing = is_risk_reducing(base, new_base);
    let use_ = if reducing {
        OracleUse::Reduce
    } else {
        OracleUse::Increase
    };
    let market = &mut a.market;
    if !reducing {
        // Pause and reduce-only stop new risk, never exits (PROTOCOL 7.6).
        require!(!market.is_paused(), HedgeError::MarketPaused);
        require!(!market.is_reduce_only(), HedgeError::MarketReduceOnly);
    }
    let oracle = refresh(market, &a.oracle, now, use_)?;
    let params = market.risk_params();
    let view = market_view(market, &params, oracle)?;
    if !reducing {
        // In breach but not yet flagged by a crank: refuse new risk all the same.
        require!(!in_breach(market, &view)?, HedgeError::MarketReduceOnly);
    }

    let mut pos = a.position.engine();
    let funding_paid = settle_position_funding(market, &mut pos, &view)?;
    let out = execute_trade(&pos, &trade_context(market), args.delta_base, &view).named()?;
    if args.limit_price != 0 {
        let worse = if args.delta_base > 0 {
            out.fill_price > args.limit_price
        } else {
            out.fill_price < args.limit_price
        };
        require!(!worse, HedgeError::SlippageExceeded);
    }

    book_position(market, &pos, &out.position, &out.aggregates, out.vault_collateral)?;
    market.insurance = market
        .insurance
        .checked_add(out.insurance_fee)
        .ok_or(HedgeError::MathOverflow)?;
    a.position.set_engine(&out.position);

    let (mint, creator, bump) = (market.collateral_mint, market.creator, market.bump);
    let event = PositionTraded {
        market: market.key(),
        owner: a.owner.key(),
        delta_base: args.delta_base,
        base_after: out.position.base,
        fill_price: out.fill_price,
        realized_pnl: out.realized_pnl,
        fee: out.fee,
        insurance_fee: out.insurance_fee,
        funding_paid,
        reducing: out.reducing,
        margin_after: out.position.margin,
        net_base_after: out.aggregates.net_base,
        collateral_after: out.vault_collateral,
    };
    transfer_out(
        &a.token_program.to_account_info(),
        &a.collateral_vault.to_account_info(),
        &a.insurance_vault.to_account_info(),
        &a.market.to_account_info(),
        crate::market_seeds!(mint, creator, bump),
        out.insurance_fee,
    )?;
    emit_cpi!(event);
    Ok(())
}
