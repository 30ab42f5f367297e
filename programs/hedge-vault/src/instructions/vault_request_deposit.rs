//! `vault_request_deposit(amount, min_hedge_ratio)`: first step of a deposit. The
//! tokens move from the depositor's wallet into the market's escrow (booked apart from
//! `C`); anyone executes the request at the price of its due time
//! (`vault_execute_deposit`). The request records where its shares go (`owner_shares`)
//! and where a refused deposit is refunded (`owner_token`, the account it came from);
//! if either cannot take the payment at execution, it is held for the depositor's
//! claim (PROTOCOL section 6a).

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use hedge_engine::requests::RequestKind;

use crate::constants::REQUEST_SEED;
use crate::error::{EngineResultExt, HedgeError};
use crate::requests::{Terms, KIND_DEPOSIT};
use crate::state::{Market, Request};
use crate::token_util::transfer_in;

#[event_cpi]
#[derive(Accounts)]
pub struct VaultRequestDeposit<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + Request::INIT_SPACE,
        seeds = [REQUEST_SEED, market.key().as_ref(), owner.key().as_ref(), &[KIND_DEPOSIT]],
        bump
    )]
    pub request: Box<Account<'info, Request>>,
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    /// Where the shares are to be paid.
    #[account(
        constraint = owner_shares.mint == market.share_mint @ HedgeError::WrongMint,
        constraint = owner_shares.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_shares: Box<Account<'info, TokenAccount>>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(
    mut ctx: Context<VaultRequestDeposit>,
    amount: u64,
    min_hedge_ratio: u32,
    max_skew_fee_ratio: i32,
) -> Result<()> {
    crate::cu!("start");
    require!(amount > 0, HedgeError::ZeroAmount);
    require!(
        ctx.accounts.owner_token.amount >= amount,
        HedgeError::InsufficientFunds
    );
    let now = Clock::get()?.unix_timestamp;
    let bump = ctx.bumps.request;
    let a = &mut ctx.accounts;
    let mut st = a.market.state()?;
    st.check_deposit_bounds(min_hedge_ratio, max_skew_fee_ratio)
        .named()?;
    st.accrue_before_request(now).named()?;
    st.request_deposit(amount).named()?;
    let event = crate::open_request!(
        a,
        kind: RequestKind::Deposit,
        bump,
        now,
        delay: st.params.execution_delay,
        execution_fee: st.params.execution_fee_lamports,
        token_destination: a.owner_token.key(),
        share_destination: a.owner_shares.key(),
        terms: Terms {
            amount,
            min_hedge_ratio,
            max_skew_fee_ratio,
            wait_since: st.waiting_bid.index,
            ..Terms::default()
        },
    )?;
    a.market.set_state(&st);
    crate::cu!("engine done");
    transfer_in(
        a.token_program.as_ref(),
        &a.owner_token.to_account_info(),
        a.collateral_vault.as_ref(),
        a.owner.as_ref(),
        amount,
    )?;
    crate::invariant::check(&a.market, Some(a.collateral_vault.as_ref()), None)?;
    crate::cu!("token CPIs done");
    crate::events::emit_one(a.event_authority.as_ref(), &event)?;
    crate::cu!("events done");
    Ok(())
}
