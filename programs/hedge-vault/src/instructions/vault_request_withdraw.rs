//! `vault_request_withdraw(shares)`: first step of a withdrawal. Locks the shares in
//! the market's escrow and records their value now (at the band edge least favourable
//! to the withdrawer); `vault_withdraw` pays the lower of that and the value then.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use hedge_engine::oracle::OracleUse;
use hedge_engine::vault::value_of_shares_floor;

use crate::constants::{MARKET_SEED, WITHDRAW_SEED};
use crate::error::{EngineResultExt, HedgeError};
use crate::events::VaultWithdrawRequested;
use crate::market_ops::{refresh, vault_view};
use crate::state::{Market, WithdrawRequest};
use crate::token_util::transfer_in;

#[event_cpi]
#[derive(Accounts)]
pub struct VaultRequestWithdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + WithdrawRequest::INIT_SPACE,
        seeds = [WITHDRAW_SEED, market.key().as_ref(), owner.key().as_ref()],
        bump
    )]
    pub withdraw_request: Box<Account<'info, WithdrawRequest>>,
    #[account(
        mut,
        constraint = owner_shares.mint == market.share_mint @ HedgeError::WrongMint,
        constraint = owner_shares.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_shares: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.share_escrow @ HedgeError::WrongTokenAccount)]
    pub share_escrow: Box<Account<'info, TokenAccount>>,
    #[account(address = market.share_mint @ HedgeError::WrongMint)]
    pub share_mint: Box<Account<'info, Mint>>,
    /// CHECK: checked against the market by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(mut ctx: Context<VaultRequestWithdraw>, shares: u64) -> Result<()> {
    require!(shares > 0, HedgeError::ZeroAmount);
    require!(
        ctx.accounts.owner_shares.amount >= shares,
        HedgeError::InsufficientShares
    );
    require!(
        ctx.accounts.withdraw_request.shares == 0,
        HedgeError::WithdrawalAlreadyPending
    );
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let supply = a.share_mint.supply;
    let market = &mut a.market;
    let oracle = refresh(market, &a.oracle, now, OracleUse::Reduce)?;
    let agg = market.aggregates();
    let view = vault_view(market, supply, &agg)?;
    let value = value_of_shares_floor(&view, &oracle, shares).named()?;
    market.pending_withdraw_shares = market
        .pending_withdraw_shares
        .checked_add(shares)
        .ok_or(HedgeError::MathOverflow)?;
    let market_key = market.key();
    let req = &mut a.withdraw_request;
    req.market = market_key;
    req.owner = a.owner.key();
    req.shares = shares;
    req.value_at_request = value;
    req.requested_at = now;
    req.bump = ctx.bumps.withdraw_request;
    transfer_in(
        &a.token_program.to_account_info(),
        &a.owner_shares.to_account_info(),
        &a.share_escrow.to_account_info(),
        &a.owner.to_account_info(),
        shares,
    )?;
    let event = VaultWithdrawRequested {
        market: market_key,
        owner: a.owner.key(),
        shares,
        value_at_request: value,
        requested_at: now,
    };
    emit_cpi!(event);
    Ok(())
}
