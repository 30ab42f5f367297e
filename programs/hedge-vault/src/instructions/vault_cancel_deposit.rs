//! `vault_cancel_deposit`: the depositor cancels his deposit request before its due
//! time (after it the request can only be executed: PROTOCOL section 6a): the
//! escrowed tokens go to a token account of his, the execution fee and the rent back
//! to him.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::{EngineResultExt, HedgeError};
use crate::events::DepositReleased;
use crate::requests::{self, KIND_DEPOSIT};
use crate::state::{Market, Request};
use crate::token_util::transfer_out;

#[event_cpi]
#[derive(Accounts)]
pub struct VaultCancelDeposit<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        constraint = request.kind == KIND_DEPOSIT @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<VaultCancelDeposit>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    requests::authorize_cancel(&a.request, &a.owner.key(), now)?;
    let mut st = a.market.state()?;
    st.accrue_before_request(now).named()?;
    let amount = a.request.amount;
    let back = st
        .cancel_deposit(amount, a.request.waiting, a.request.wait_since)
        .named()?;
    a.market.set_state(&st);
    let (mint, creator, bump) = (a.market.collateral_mint, a.market.creator, a.market.bump);
    if back.refunded > 0 {
        transfer_out(
            &a.token_program.to_account_info(),
            &a.collateral_vault.to_account_info(),
            &a.owner_token.to_account_info(),
            &a.market.to_account_info(),
            crate::market_seeds!(mint, creator, bump),
            back.refunded,
        )?;
    }
    let (market, owner) = (a.market.key(), a.owner.key());
    let (due_time, ended) = if back.kept > 0 {
        // Revision 6: the part the longs cover stays and executes at the due time it
        // had (never a later one: cancelling again cannot put its execution off while
        // the longs it called for wait on it).
        let r = &mut a.request;
        r.amount = back.kept;
        r.wait_since = st.waiting_bid.index;
        (r.due_time, None)
    } else {
        (
            0,
            Some(requests::end_cancelled(
                &mut a.request,
                &a.owner.to_account_info(),
            )?),
        )
    };
    emit_cpi!(DepositReleased::of(market, owner, &back, due_time));
    if let Some(event) = ended {
        emit_cpi!(event);
    }
    Ok(())
}
