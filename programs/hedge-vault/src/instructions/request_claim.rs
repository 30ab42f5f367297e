//! `request_claim`: the owner takes what one of his request accounts holds for him:
//! payments an execution could not push to the destination he had named (PROTOCOL
//! section 6a), into token accounts of his that he names now (any of the right mint
//! and owner, not necessarily the ones he named at request). A request no longer pending is then closed, its rent back to him. Nothing
//! else can take a claim, and nothing expires it.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::{EngineResultExt, HedgeError};
use crate::events::PaymentClaimed;
use crate::requests;
use crate::state::{Market, Request};
use crate::token_util::transfer_out;

#[event_cpi]
#[derive(Accounts)]
pub struct RequestClaim<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// Receives the held tokens (needed when the request holds any).
    #[account(
        mut,
        constraint = token_account.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = token_account.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub token_account: Option<Box<Account<'info, TokenAccount>>>,
    /// Receives the held shares (needed when the request holds any).
    #[account(
        mut,
        constraint = share_account.mint == market.share_mint @ HedgeError::WrongMint,
        constraint = share_account.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub share_account: Option<Box<Account<'info, TokenAccount>>>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: UncheckedAccount<'info>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.share_escrow @ HedgeError::WrongTokenAccount)]
    pub share_escrow: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<RequestClaim>) -> Result<()> {
    let a = &mut ctx.accounts;
    let (tokens, shares) = (a.request.claim_tokens, a.request.claim_shares);
    let pending = a.request.is_pending();
    // An ended request with nothing held (its owner's account could not take the
    // rent) may be closed this way too.
    require!(tokens != 0 || shares != 0 || !pending, HedgeError::NothingToClaim);
    let mut st = a.market.state()?;
    st.pay_claim(tokens, shares).named()?;
    a.market.set_state(&st);
    let tp: &AccountInfo = a.token_program.as_ref();
    let market_ai = a.market.to_account_info();
    if tokens > 0 {
        let to = a.token_account.as_ref().ok_or(HedgeError::ClaimAccountMissing)?;
        transfer_out(
            tp,
            a.collateral_vault.as_ref(),
            &to.to_account_info(),
            &market_ai,
            crate::market_seeds!(a.market),
            tokens,
        )?;
    }
    if shares > 0 {
        let to = a.share_account.as_ref().ok_or(HedgeError::ClaimAccountMissing)?;
        transfer_out(
            tp,
            a.share_escrow.as_ref(),
            &to.to_account_info(),
            &market_ai,
            crate::market_seeds!(a.market),
            shares,
        )?;
    }
    a.request.claim_tokens = 0;
    a.request.claim_shares = 0;
    let closed = !pending && !a.owner.executable;
    if !pending {
        requests::end(&mut a.request, a.owner.as_ref())?;
    }
    crate::invariant::check(&a.market, Some(a.collateral_vault.as_ref()), None)?;
    let event = PaymentClaimed {
        market: a.market.key(),
        owner: a.owner.key(),
        request: a.request.key(),
        tokens,
        shares,
        closed,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}
