//! The insurance fund: donations (`insurance_deposit`) and staking. Stakers hold
//! insurance shares priced with virtual shares against inflation attacks; leaving is
//! `insurance_request_unstake`, the cooldown, then `insurance_unstake`, paid
//! `min(value at request, value at withdrawal)` so a staker cannot leave ahead of a
//! loss. Four small instructions sharing their accounts live in one file.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use hedge_engine::vault::{amount_for_shares_floor, shares_for_amount_floor};

use crate::constants::{MARKET_SEED, STAKE_SEED};
use crate::error::{EngineResultExt, HedgeError};
use crate::events::*;
use crate::state::{InsuranceStake, Market};
use crate::token_util::{transfer_in, transfer_out};

#[event_cpi]
#[derive(Accounts)]
pub struct InsuranceDeposit<'info> {
    pub depositor: Signer<'info>,
    #[account(
        mut,
        constraint = depositor_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = depositor_token.owner == depositor.key() @ HedgeError::WrongOwner
    )]
    pub depositor_token: Box<Account<'info, TokenAccount>>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

/// A donation to the insurance fund: no shares.
pub fn deposit_handler(mut ctx: Context<InsuranceDeposit>, amount: u64) -> Result<()> {
    require!(amount > 0, HedgeError::ZeroAmount);
    require!(
        ctx.accounts.depositor_token.amount >= amount,
        HedgeError::InsufficientFunds
    );
    let a = &mut ctx.accounts;
    a.market.insurance = a
        .market
        .insurance
        .checked_add(amount)
        .ok_or(HedgeError::MathOverflow)?;
    transfer_in(
        &a.token_program.to_account_info(),
        &a.depositor_token.to_account_info(),
        &a.insurance_vault.to_account_info(),
        &a.depositor.to_account_info(),
        amount,
    )?;
    let event = InsuranceDeposited {
        market: a.market.key(),
        depositor: a.depositor.key(),
        amount,
        insurance_after: a.market.insurance,
    };
    emit_cpi!(event);
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct InsuranceStakeAccounts<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + InsuranceStake::INIT_SPACE,
        seeds = [STAKE_SEED, market.key().as_ref(), owner.key().as_ref()],
        bump
    )]
    pub stake: Box<Account<'info, InsuranceStake>>,
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

/// Stakes `amount` for insurance shares.
pub fn stake_handler(mut ctx: Context<InsuranceStakeAccounts>, amount: u64) -> Result<()> {
    require!(amount > 0, HedgeError::ZeroAmount);
    require!(
        ctx.accounts.owner_token.amount >= amount,
        HedgeError::InsufficientFunds
    );
    let bump = ctx.bumps.stake;
    let a = &mut ctx.accounts;
    let market = &mut a.market;
    let shares =
        shares_for_amount_floor(amount, market.insurance_shares, u128::from(market.insurance)).named()?;
    require!(shares > 0, HedgeError::DepositTooSmall);
    market.insurance = market
        .insurance
        .checked_add(amount)
        .ok_or(HedgeError::MathOverflow)?;
    market.insurance_shares = market
        .insurance_shares
        .checked_add(shares)
        .ok_or(HedgeError::MathOverflow)?;
    let (market_key, insurance_after) = (market.key(), market.insurance);
    let st = &mut a.stake;
    st.market = market_key;
    st.owner = a.owner.key();
    st.bump = bump;
    st.shares = st.shares.checked_add(shares).ok_or(HedgeError::MathOverflow)?;
    transfer_in(
        &a.token_program.to_account_info(),
        &a.owner_token.to_account_info(),
        &a.insurance_vault.to_account_info(),
        &a.owner.to_account_info(),
        amount,
    )?;
    let event = InsuranceStaked {
        market: market_key,
        owner: a.owner.key(),
        amount,
        shares,
        insurance_after,
    };
    emit_cpi!(event);
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct InsuranceRequestUnstake<'info> {
    pub owner: Signer<'info>,
    #[account(seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub stake: Box<Account<'info, InsuranceStake>>,
}

/// Locks `shares` and records their value now.
pub fn request_unstake_handler(mut ctx: Context<InsuranceRequestUnstake>, shares: u64) -> Result<()> {
    require!(shares > 0, HedgeError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    require!(a.stake.pending_shares == 0, HedgeError::UnstakeAlreadyPending);
    require!(a.stake.shares >= shares, HedgeError::InsufficientInsuranceShares);
    let value =
        amount_for_shares_floor(shares, a.market.insurance_shares, u128::from(a.market.insurance)).named()?;
    let st = &mut a.stake;
    st.shares = st.shares.checked_sub(shares).ok_or(HedgeError::MathOverflow)?;
    st.pending_shares = shares;
    st.pending_value = value;
    st.requested_at = now;
    let event = InsuranceUnstakeRequested {
        market: a.market.key(),
        owner: a.owner.key(),
        shares,
        value_at_request: value,
    };
    emit_cpi!(event);
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct InsuranceUnstake<'info> {
    pub owner: Signer<'info>,
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub stake: Box<Account<'info, InsuranceStake>>,
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

/// After the cooldown, pays `min(value at request, value now)` for the locked shares.
pub fn unstake_handler(mut ctx: Context<InsuranceUnstake>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let shares = a.stake.pending_shares;
    require!(shares > 0, HedgeError::NoUnstakePending);
    let ready = a
        .stake
        .requested_at
        .checked_add(i64::from(a.market.params.insurance_cooldown))
        .ok_or(HedgeError::MathOverflow)?;
    require!(now >= ready, HedgeError::UnstakeNotReady);
    let market = &mut a.market;
    let value_now =
        amount_for_shares_floor(shares, market.insurance_shares, u128::from(market.insurance)).named()?;
    let value_at_request = a.stake.pending_value;
    let paid = value_now.min(value_at_request).min(market.insurance);
    market.insurance = market
        .insurance
        .checked_sub(paid)
        .ok_or(HedgeError::MathOverflow)?;
    market.insurance_shares = market
        .insurance_shares
        .checked_sub(shares)
        .ok_or(HedgeError::MathOverflow)?;
    a.stake.pending_shares = 0;
    a.stake.pending_value = 0;
    let (mint, creator, bump) = (market.collateral_mint, market.creator, market.bump);
    transfer_out(
        &a.token_program.to_account_info(),
        &a.insurance_vault.to_account_info(),
        &a.owner_token.to_account_info(),
        &a.market.to_account_info(),
        crate::market_seeds!(mint, creator, bump),
        paid,
    )?;
    let event = InsuranceUnstaked {
        market: a.market.key(),
        owner: a.owner.key(),
        shares,
        value_at_request,
        value_now,
        paid,
    };
    emit_cpi!(event);
    Ok(())
}
