//! `vault_request_withdraw(shares)`: first step of a withdrawal. Locks the shares in
//! the market's escrow and records their value now (at the band edge least favourable
//! to the withdrawer); after `withdraw_delay` anyone executes it at the price of its
//! due time (`vault_execute_withdraw`), paying the lower of the two values into the
//! token account named here (`owner_token`), or holding it for the owner's claim if
//! that account cannot take it. The owner can cancel before the due time
//! (`vault_cancel_withdraw`).

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use hedge_engine::oracle::OracleUse;
use hedge_engine::requests::RequestKind;

use crate::constants::REQUEST_SEED;
use crate::error::{EngineResultExt, HedgeError};
use crate::market_ops::refresh;
use crate::requests::{Terms, KIND_WITHDRAW};
use crate::state::{Market, Request};
use crate::token_util::transfer_in;

#[event_cpi]
#[derive(Accounts)]
pub struct VaultRequestWithdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + Request::INIT_SPACE,
        seeds = [REQUEST_SEED, market.key().as_ref(), owner.key().as_ref(), &[KIND_WITHDRAW]],
        bump
    )]
    pub request: Box<Account<'info, Request>>,
    #[account(
        mut,
        constraint = owner_shares.mint == market.share_mint @ HedgeError::WrongMint,
        constraint = owner_shares.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_shares: Box<Account<'info, TokenAccount>>,
    /// Where the withdrawal is to be paid.
    #[account(
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.share_escrow @ HedgeError::WrongTokenAccount)]
    pub share_escrow: UncheckedAccount<'info>,
    /// CHECK: the market's share mint: its address, recorded at the market's creation
    /// (its supply read by `token_util::mint_supply`).
    #[account(address = market.share_mint @ HedgeError::WrongMint)]
    pub share_mint: UncheckedAccount<'info>,
    /// CHECK: checked against the market by `oracle::read_now`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(mut ctx: Context<VaultRequestWithdraw>, shares: u64, max_skew_fee_ratio: i32) -> Result<()> {
    crate::cu!("start");
    require!(shares > 0, HedgeError::ZeroAmount);
    require!(
        ctx.accounts.owner_shares.amount >= shares,
        HedgeError::InsufficientShares
    );
    let now = Clock::get()?.unix_timestamp;
    let bump = ctx.bumps.request;
    let a = &mut ctx.accounts;
    let supply = crate::token_util::mint_supply(&a.share_mint)?;
    let mut st = a.market.state()?;
    let price = refresh(&mut st, &a.market, &a.oracle, now, OracleUse::Reduce)?;
    st.accrue_before_request(now).named()?;
    let value = st.request_withdraw(supply, shares, price).named()?;
    let event = crate::open_request!(
        a,
        kind: RequestKind::Withdraw,
        bump,
        now,
        delay: st.params.withdraw_delay,
        execution_fee: st.params.execution_fee_lamports,
        token_destination: a.owner_token.key(),
        share_destination: a.owner_shares.key(),
        terms: Terms {
            amount: shares,
            value_at_request: value,
            price_at_request: price.price,
            max_skew_fee_ratio,
            ..Terms::default()
        },
    )?;
    a.market.set_state(&st);
    crate::cu!("engine done");
    transfer_in(
        a.token_program.as_ref(),
        &a.owner_shares.to_account_info(),
        a.share_escrow.as_ref(),
        a.owner.as_ref(),
        shares,
    )?;
    crate::cu!("token CPIs done");
    crate::events::emit_one(a.event_authority.as_ref(), &event)?;
    crate::cu!("events done");
    Ok(())
}
