//! `position_cancel_request`: the trader cancels his pending order or margin
//! withdrawal before its due time (after it, it can only be executed: PROTOCOL
//! section 6a); the execution fee and the rent go back to him.

use anchor_lang::prelude::*;
use hedge_engine::requests::RequestKind;

use crate::error::HedgeError;
use crate::requests;
use crate::state::{Market, Position, Request};

#[event_cpi]
#[derive(Accounts)]
pub struct PositionCancelRequest<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket, has_one = owner @ HedgeError::WrongOwner)]
    pub position: Box<Account<'info, Position>>,
    #[account(
        mut,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
}

pub fn handler(ctx: Context<PositionCancelRequest>) -> Result<()> {
    let a = ctx.accounts;
    let kind = a.request.kind()?;
    require!(
        matches!(kind, RequestKind::Trade | RequestKind::MarginWithdraw),
        HedgeError::WrongRequestKind
    );
    let (owner, authority): (&AccountInfo, &AccountInfo) = (a.owner.as_ref(), a.event_authority.as_ref());
    requests::cancel(&mut a.request, owner, authority, |_, _, _| {
        a.position.request_ended();
        Ok(true)
    })
}
