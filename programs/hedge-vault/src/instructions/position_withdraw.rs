//! `position_withdraw(amount)`: margin back to the owner's wallet, at most
//! `min(margin, equity - initial margin)`: gains are not withdrawn before they are
//! realized.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use hedge_engine::oracle::OracleUse;
use hedge_engine::position::withdrawable_margin_floor;

use crate::constants::MARKET_SEED;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::MarginWithdrawn;
use crate::market_ops::{market_view, refresh, settle_position_funding};
use crate::state::{Market, Position};
use crate::token_util::transfer_out;

#[event_cpi]
#[derive(Accounts)]
pub struct PositionWithdraw<'info> {
    pub owner: Signer<'info>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket, has_one = owner @ HedgeError::WrongOwner)]
    pub position: Box<Account<'info, Position>>,
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: checked against the market by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<PositionWithdraw>, amount: u64) -> Result<()> {
    require!(amount > 0, HedgeError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let market = &mut a.market;
    let oracle = refresh(market, &a.oracle, now, OracleUse::Reduce)?;
    let params = market.risk_params();
    let view = market_view(market, &params, oracle)?;
    let mut pos = a.position.engine();
    settle_position_funding(market, &mut pos, &view)?;
    let max = withdrawable_margin_floor(&pos, &view).named()?;
    if amount > max {
        msg!(
            "withdrawal of {} exceeds the free margin; the largest is {}",
            amount,
            max
        );
        crate::util::set_return_u64(max);
        return err!(HedgeError::WithdrawExceedsFreeMargin);
    }
    let sub = i64::try_from(amount).map_err(|_| HedgeError::MathOverflow)?;
    pos.margin = pos.margin.checked_sub(sub).ok_or(HedgeError::MathOverflow)?;
    market.add_margin(-i128::from(amount))?;
    a.position.set_engine(&pos);
    let (mint, creator, bump) = (market.collateral_mint, market.creator, market.bump);
    transfer_out(
        &a.token_program.to_account_info(),
        &a.collateral_vault.to_account_info(),
        &a.owner_token.to_account_info(),
        &a.market.to_account_info(),
        crate::market_seeds!(mint, creator, bump),
        amount,
    )?;
    let event = MarginWithdrawn {
        market: a.market.key(),
        owner: a.owner.key(),
        amount,
        margin: pos.margin,
    };
    emit_cpi!(event);
    Ok(())
}
