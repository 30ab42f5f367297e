//! `position_deposit(amount)`: margin from the owner's wallet into the position,
//! refused while an order or margin withdrawal of the position is pending: margin
//! added after seeing the due time's price would turn a refusal for margin into a
//! fill (PROTOCOL section 6a).

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::{EngineResultExt, HedgeError};
use crate::events::MarginDeposited;
use crate::state::{Market, Position};
use crate::token_util::transfer_in;

#[event_cpi]
#[derive(Accounts)]
pub struct PositionDeposit<'info> {
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket, has_one = owner @ HedgeError::WrongOwner)]
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

pub fn handler(mut ctx: Context<PositionDeposit>, amount: u64) -> Result<()> {
    require!(amount > 0, HedgeError::ZeroAmount);
    require!(
        ctx.accounts.owner_token.amount >= amount,
        HedgeError::InsufficientFunds
    );
    let a = &mut ctx.accounts;
    require!(
        a.position.pending_requests == 0,
        HedgeError::PositionHasPendingRequests
    );
    let mut st = a.market.state()?;
    let mut pos = a.position.engine();
    st.deposit_margin(&mut pos, amount).named()?;
    a.market.set_state(&st);
    a.position.set_engine(&pos);
    transfer_in(
        a.token_program.as_ref(),
        &a.owner_token.to_account_info(),
        a.collateral_vault.as_ref(),
        a.owner.as_ref(),
        amount,
    )?;
    crate::invariant::check(&a.market, Some(a.collateral_vault.as_ref()), None)?;
    let event = MarginDeposited {
        market: a.market.key(),
        owner: a.owner.key(),
        amount,
        margin: a.position.margin,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}
