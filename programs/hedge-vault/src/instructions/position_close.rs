//! `position_close`: an empty position returns its margin to the owner's wallet and
//! its rent to the owner.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::{EngineResultExt, HedgeError};
use crate::events::PositionClosed;
use crate::state::{Market, Position};
use crate::token_util::transfer_out;

#[event_cpi]
#[derive(Accounts)]
pub struct PositionClose<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        close = owner,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub position: Box<Account<'info, Position>>,
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<PositionClose>) -> Result<()> {
    let a = &mut ctx.accounts;
    require!(
        a.position.pending_requests == 0,
        HedgeError::PositionHasPendingRequests
    );
    // With zero base the funding snapshot is zero: nothing is owed.
    let mut st = a.market.state()?;
    let returned = st.close_position(&a.position.engine()).named()?;
    let market = &mut a.market;
    market.set_state(&st);
    market.position_count = market
        .position_count
        .checked_sub(1)
        .ok_or(HedgeError::MathOverflow)?;
    a.position.margin = 0;
    transfer_out(
        a.token_program.as_ref(),
        a.collateral_vault.as_ref(),
        &a.owner_token.to_account_info(),
        &a.market.to_account_info(),
        crate::market_seeds!(a.market),
        returned,
    )?;
    crate::invariant::check(&a.market, Some(a.collateral_vault.as_ref()), None)?;
    let event = PositionClosed {
        market: a.market.key(),
        owner: a.owner.key(),
        returned,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}
