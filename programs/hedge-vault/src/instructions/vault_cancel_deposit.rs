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
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<VaultCancelDeposit>) -> Result<()> {
    let a = ctx.accounts;
    let (owner, authority): (&AccountInfo, &AccountInfo) = (a.owner.as_ref(), a.event_authority.as_ref());
    requests::cancel(&mut a.request, owner, authority, |r, events, now| {
        let mut st = a.market.state()?;
        st.accrue_before_request(now).named()?;
        let back = st
            .cancel_deposit(r.amount, r.is_waiting(), r.wait_since)
            .named()?;
        a.market.set_state(&st);
        if back.refunded > 0 {
            transfer_out(
                a.token_program.as_ref(),
                a.collateral_vault.as_ref(),
                &a.owner_token.to_account_info(),
                &a.market.to_account_info(),
                crate::market_seeds!(a.market),
                back.refunded,
            )?;
        }
        // Revision 6: the part the longs cover stays and executes at the due time it
        // had (never a later one: cancelling again cannot put its execution off while
        // the longs it called for wait on it).
        let kept = back.kept > 0;
        if kept {
            r.amount = back.kept;
            r.wait_since = st.waiting_bid.index;
        }
        let due_time = if kept { r.due_time } else { 0 };
        events.push(&DepositReleased::of(
            a.market.key(),
            a.owner.key(),
            &back,
            due_time,
        ));
        Ok(!kept)
    })?;
    crate::invariant::check(&a.market, Some(a.collateral_vault.as_ref()), None)
}
