//! `vault_withdraw`: second step, after the delay. Burns the escrowed shares and pays
//! `min(value at request, value now)`, provided `C' >= reserve` and
//! `N <= (1 + k) * h * C'`; otherwise refuses and logs the largest amount that can
//! leave now.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use hedge_engine::oracle::OracleUse;
use hedge_engine::vault::{check_withdrawal, value_of_shares_floor};

use crate::constants::{MARKET_SEED, WITHDRAW_SEED};
use crate::error::{EngineResultExt, HedgeError};
use crate::events::VaultWithdrawn;
use crate::market_ops::{refresh, vault_view};
use crate::state::{Market, WithdrawRequest};
use crate::token_util::{burn_shares, transfer_out};

#[event_cpi]
#[derive(Accounts)]
pub struct VaultWithdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        close = owner,
        seeds = [WITHDRAW_SEED, market.key().as_ref(), owner.key().as_ref()],
        bump = withdraw_request.bump
    )]
    pub withdraw_request: Box<Account<'info, WithdrawRequest>>,
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.share_escrow @ HedgeError::WrongTokenAccount)]
    pub share_escrow: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.share_mint @ HedgeError::WrongMint)]
    pub share_mint: Box<Account<'info, Mint>>,
    /// CHECK: checked against the market by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<VaultWithdraw>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let (shares, value_at_request, requested_at) = (
        a.withdraw_request.shares,
        a.withdraw_request.value_at_request,
        a.withdraw_request.requested_at,
    );
    require!(shares > 0, HedgeError::NoWithdrawalPending);
    let ready_at = requested_at
        .checked_add(i64::from(a.market.params.withdraw_delay))
        .ok_or(HedgeError::MathOverflow)?;
    require!(now >= ready_at, HedgeError::WithdrawalNotReady);
    let supply = a.share_mint.supply;
    let market = &mut a.market;
    let oracle = refresh(market, &a.oracle, now, OracleUse::Reduce)?;
    let agg = market.aggregates();
    let view = vault_view(market, supply, &agg)?;
    let value_now = value_of_shares_floor(&view, &oracle, shares).named()?;
    let paid = value_now.min(value_at_request);
    if let Err(max) = check_withdrawal(&view, &oracle, &market.risk_params(), paid) {
        msg!(
            "withdrawal of {} exceeds the limit; the largest amount that can leave now is {}",
            paid,
            max
        );
        crate::util::set_return_u64(max);
        return err!(HedgeError::WithdrawalExceedsLimit);
    }
    market.collateral = market
        .collateral
        .checked_sub(paid)
        .ok_or(HedgeError::MathOverflow)?;
    market.pending_withdraw_shares = market
        .pending_withdraw_shares
        .checked_sub(shares)
        .ok_or(HedgeError::MathOverflow)?;
    let collateral = market.collateral;
    let (mint, creator, bump) = (market.collateral_mint, market.creator, market.bump);
    let tp = a.token_program.to_account_info();
    let market_ai = a.market.to_account_info();
    burn_shares(
        &tp,
        &a.share_mint.to_account_info(),
        &a.share_escrow.to_account_info(),
        &market_ai,
        crate::market_seeds!(mint, creator, bump),
        shares,
    )?;
    transfer_out(
        &tp,
        &a.collateral_vault.to_account_info(),
        &a.owner_token.to_account_info(),
        &market_ai,
        crate::market_seeds!(mint, creator, bump),
        paid,
    )?;
    a.withdraw_request.shares = 0;
    let event = VaultWithdrawn {
        market: a.market.key(),
        owner: a.owner.key(),
        shares,
        value_at_request,
        value_now,
        paid,
        collateral,
    };
    emit_cpi!(event);
    Ok(())
}
