//! `vault_deposit(amount, min_hedge_ratio)`: spot tokens from the depositor's wallet
//! into the vault; shares minted at the band edge least favourable to the depositor;
//! refused below the depositor's minimum hedge ratio.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use hedge_engine::oracle::OracleUse;
use hedge_engine::vault::{check_min_hedge_ratio, shares_for_deposit_floor};

use crate::constants::MARKET_SEED;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::VaultDeposited;
use crate::market_ops::{refresh, vault_view};
use crate::state::Market;
use crate::token_util::{mint_shares, transfer_in};

#[event_cpi]
#[derive(Accounts)]
pub struct VaultDeposit<'info> {
    pub owner: Signer<'info>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.share_mint @ HedgeError::WrongMint)]
    pub share_mint: Box<Account<'info, Mint>>,
    #[account(
        mut,
        constraint = owner_shares.mint == market.share_mint @ HedgeError::WrongMint,
        constraint = owner_shares.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_shares: Box<Account<'info, TokenAccount>>,
    /// CHECK: checked against the market by `oracle::read_price`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<VaultDeposit>, amount: u64, min_hedge_ratio: u32) -> Result<()> {
    require!(amount > 0, HedgeError::ZeroAmount);
    require!(
        ctx.accounts.owner_token.amount >= amount,
        HedgeError::InsufficientFunds
    );
    require!(!ctx.accounts.market.is_paused(), HedgeError::MarketPaused);
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let supply = a.share_mint.supply;
    let market = &mut a.market;
    let oracle = refresh(market, &a.oracle, now, OracleUse::Increase)?;
    let agg = market.aggregates();
    let view = vault_view(market, supply, &agg)?;
    let shares = shares_for_deposit_floor(&view, &oracle, amount).named()?;
    let collateral = market
        .collateral
        .checked_add(amount)
        .ok_or(HedgeError::MathOverflow)?;
    check_min_hedge_ratio(collateral, &agg, &market.risk_params(), min_hedge_ratio).named()?;
    market.collateral = collateral;

    let (mint, creator, bump) = (market.collateral_mint, market.creator, market.bump);
    let tp = a.token_program.to_account_info();
    transfer_in(
        &tp,
        &a.owner_token.to_account_info(),
        &a.collateral_vault.to_account_info(),
        &a.owner.to_account_info(),
        amount,
    )?;
    mint_shares(
        &tp,
        &a.share_mint.to_account_info(),
        &a.owner_shares.to_account_info(),
        &a.market.to_account_info(),
        crate::market_seeds!(mint, creator, bump),
        shares,
    )?;
    let event = VaultDeposited {
        market: a.market.key(),
        owner: a.owner.key(),
        amount,
        shares,
        price: oracle.price,
        collateral,
    };
    emit_cpi!(event);
    Ok(())
}
