//! `position_request_withdraw(amount)`: a margin withdrawal, executed by anyone at the
//! unique price of its due time (`position_execute_withdraw`), since what may be
//! withdrawn (`min(margin, equity - IM)`) depends on the price. It is paid into the
//! token account named here (`owner_token`), or held for the owner's claim if that
//! account cannot take it. One pending request per position (PROTOCOL section 6a).

use anchor_lang::prelude::*;
use hedge_engine::requests::RequestKind;

use anchor_spl::token::TokenAccount;

use crate::constants::REQUEST_SEED;
use crate::error::HedgeError;
use crate::requests::{Terms, KIND_MARGIN_WITHDRAW};
use crate::state::{Market, Position, Request};

#[event_cpi]
#[derive(Accounts)]
pub struct PositionRequestWithdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket, has_one = owner @ HedgeError::WrongOwner)]
    pub position: Box<Account<'info, Position>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + Request::INIT_SPACE,
        seeds = [REQUEST_SEED, market.key().as_ref(), owner.key().as_ref(), &[KIND_MARGIN_WITHDRAW]],
        bump
    )]
    pub request: Box<Account<'info, Request>>,
    /// Where the margin is to be paid.
    #[account(
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(mut ctx: Context<PositionRequestWithdraw>, amount: u64) -> Result<()> {
    require!(amount > 0, HedgeError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let bump = ctx.bumps.request;
    let a = &mut ctx.accounts;
    require!(
        a.position.pending_requests == 0,
        HedgeError::PositionHasPendingRequests
    );
    let params = a.market.params;
    let event = crate::open_request!(
        a,
        kind: RequestKind::MarginWithdraw,
        bump,
        now,
        delay: params.execution_delay,
        execution_fee: params.execution_fee_lamports,
        token_destination: a.owner_token.key(),
        share_destination: Pubkey::default(),
        terms: Terms {
            amount,
            ..Terms::default()
        },
    )?;
    a.position.pending_requests = a
        .position
        .pending_requests
        .checked_add(1)
        .ok_or(HedgeError::MathOverflow)?;
    crate::events::emit_one(a.event_authority.as_ref(), &event)?;
    Ok(())
}
