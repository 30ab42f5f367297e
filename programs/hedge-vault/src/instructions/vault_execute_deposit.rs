//! `vault_execute_deposit`: anyone executes a due deposit at the unique price of its
//! due time. Shares are minted at the band edge that gives the depositor fewer; a
//! refusal at that price (the depositor's minimum hedge ratio, a paused or settled
//! market, a vault winding down, a deposit too small) refunds the escrow and cancels
//! the request with its reason. The executor is paid the request's execution fee.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use hedge_engine::oracle::OracleUse;
use hedge_engine::requests::check_executable;

use crate::constants::{MARKET_SEED, REQUEST_SEED};
use crate::error::{EngineResultExt, HedgeError};
use crate::events::VaultDeposited;
use crate::oracle::read_at_due;
use crate::requests::{self, KIND_DEPOSIT};
use crate::state::{Market, Request};
use crate::token_util::{mint_shares, transfer_out};

#[event_cpi]
#[derive(Accounts)]
pub struct VaultExecuteDeposit<'info> {
    #[account(mut)]
    pub executor: Signer<'info>,
    /// CHECK: the request's owner (`has_one` on `request`); receives the request's rent.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        seeds = [REQUEST_SEED, market.key().as_ref(), owner.key().as_ref(), &[KIND_DEPOSIT]],
        bump = request.bump,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// Where a refused deposit is refunded.
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    #[account(
        mut,
        constraint = owner_shares.mint == market.share_mint @ HedgeError::WrongMint,
        constraint = owner_shares.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_shares: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.share_mint @ HedgeError::WrongMint)]
    pub share_mint: Box<Account<'info, Mint>>,
    /// CHECK: checked against the market by `oracle::read_at_due`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<VaultExecuteDeposit>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let (amount, min_hedge_ratio, due) = (a.request.amount, a.request.min_hedge_ratio, a.request.due_time);
    let mut st = a.market.state()?;
    check_executable(due, st.params.execution_window, now).named()?;
    let supply = a.share_mint.supply;
    let price = read_at_due(&mut st, &a.market, &a.oracle, due, now, OracleUse::Increase)?;
    let result = match price {
        Ok(p) => st
            .accrue(p.price, now)
            .and_then(|_| st.execute_deposit(supply, amount, min_hedge_ratio, p))
            .map(|shares| (shares, p)),
        Err(e) => Err(e),
    };
    let (mint, creator, bump) = (a.market.collateral_mint, a.market.creator, a.market.bump);
    let tp = a.token_program.to_account_info();
    let market_ai = a.market.to_account_info();
    let (mut executed, mut cancelled) = (None, None);
    match result {
        Ok((shares, p)) => {
            a.market.set_state(&st);
            mint_shares(
                &tp,
                &a.share_mint.to_account_info(),
                &a.owner_shares.to_account_info(),
                &market_ai,
                crate::market_seeds!(mint, creator, bump),
                shares,
            )?;
            let event = VaultDeposited {
                market: a.market.key(),
                owner: a.owner.key(),
                executor: a.executor.key(),
                amount,
                shares,
                price: p.price,
                publish_time: p.publish_time,
                collateral: st.collateral,
            };
            executed = Some(event);
        }
        Err(e) => {
            let event = requests::refused(&a.request, e, 0, a.executor.key())?;
            st.release_deposit(amount).named()?;
            a.market.set_state(&st);
            transfer_out(
                &tp,
                &a.collateral_vault.to_account_info(),
                &a.owner_token.to_account_info(),
                &market_ai,
                crate::market_seeds!(mint, creator, bump),
                amount,
            )?;
            cancelled = Some(event);
        }
    }
    requests::end_executed(
        &mut a.request,
        &a.executor.to_account_info(),
        &a.owner.to_account_info(),
    )?;
    if let Some(e) = executed {
        emit_cpi!(e);
    }
    if let Some(e) = cancelled {
        emit_cpi!(e);
    }
    Ok(())
}
