//! `vault_cancel_withdraw`: the owner cancels his withdrawal before its due time (or a
//! queued rest before its new due time): the locked shares, the execution fee and the
//! rent go back to him. After the due time a withdrawal can only be executed, by
//! anyone (PROTOCOL section 6a), so shares are never locked for good.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::{EngineResultExt, HedgeError};
use crate::requests::{self, KIND_WITHDRAW};
use crate::state::{Market, Request};
use crate::token_util::transfer_out;

#[event_cpi]
#[derive(Accounts)]
pub struct VaultCancelWithdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        constraint = request.kind == KIND_WITHDRAW @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    #[account(
        mut,
        constraint = owner_shares.mint == market.share_mint @ HedgeError::WrongMint,
        constraint = owner_shares.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_shares: Box<Account<'info, TokenAccount>>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.share_escrow @ HedgeError::WrongTokenAccount)]
    pub share_escrow: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<VaultCancelWithdraw>) -> Result<()> {
    let a = ctx.accounts;
    let (owner, authority): (&AccountInfo, &AccountInfo) = (a.owner.as_ref(), a.event_authority.as_ref());
    requests::cancel(&mut a.request, owner, authority, |r, _, now| {
        let mut st = a.market.state()?;
        st.accrue_before_request(now).named()?;
        st.release_withdraw(r.amount, r.value_at_request).named()?;
        a.market.set_state(&st);
        transfer_out(
            a.token_program.as_ref(),
            a.share_escrow.as_ref(),
            &a.owner_shares.to_account_info(),
            &a.market.to_account_info(),
            crate::market_seeds!(a.market),
            r.amount,
        )?;
        Ok(true)
    })
}
