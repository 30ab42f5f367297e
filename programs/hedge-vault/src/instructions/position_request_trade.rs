//! `position_request_trade(delta_base, limit_price)`: an order. Anyone executes it at
//! the unique price of its due time (`position_execute_trade`); the trader may cancel
//! it before the due time (`position_cancel_request`). A risk-increasing order is
//! refused at once while the market is paused, reduce-only or settled (it would be
//! cancelled at execution anyway); a risk-reducing one never is. A position has at
//! most one pending request, so nobody can order the execution of two of his own
//! requests after seeing their prices (PROTOCOL section 6a).

use anchor_lang::prelude::*;
use hedge_engine::position::is_risk_reducing;
use hedge_engine::requests::RequestKind;

use crate::constants::REQUEST_SEED;
use crate::error::HedgeError;
use crate::requests::{Terms, KIND_TRADE};
use crate::state::{Market, Position, Request};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct PositionTradeArgs {
    /// Signed change of base, native units (> 0 buys).
    pub delta_base: i64,
    /// Worst acceptable fill, 1e18 USD per whole token: a buy fills at or below it, a
    /// sell at or above it. Zero: no limit.
    pub limit_price: u128,
}

#[event_cpi]
#[derive(Accounts)]
pub struct PositionRequestTrade<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket, has_one = owner @ HedgeError::WrongOwner)]
    pub position: Box<Account<'info, Position>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + Request::INIT_SPACE,
        seeds = [REQUEST_SEED, market.key().as_ref(), owner.key().as_ref(), &[KIND_TRADE]],
        bump
    )]
    pub request: Box<Account<'info, Request>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(mut ctx: Context<PositionRequestTrade>, args: PositionTradeArgs) -> Result<()> {
    require!(args.delta_base != 0, HedgeError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let bump = ctx.bumps.request;
    let a = &mut ctx.accounts;
    require!(
        a.position.pending_requests == 0,
        HedgeError::PositionHasPendingRequests
    );
    let base = a.position.base;
    let new_base = base
        .checked_add(args.delta_base)
        .ok_or(HedgeError::MathOverflow)?;
    if !is_risk_reducing(base, new_base) {
        require!(!a.market.is_settled(), HedgeError::MarketSettled);
        require!(!a.market.is_paused(), HedgeError::MarketPaused);
        require!(!a.market.is_reduce_only(), HedgeError::MarketReduceOnly);
    }
    let params = a.market.params;
    let event = crate::open_request!(
        a,
        kind: RequestKind::Trade,
        bump,
        now,
        delay: params.execution_delay,
        execution_fee: params.execution_fee_lamports,
        token_destination: Pubkey::default(),
        share_destination: Pubkey::default(),
        terms: Terms {
            delta_base: args.delta_base,
            limit_price: args.limit_price,
            ..Terms::default()
        },
    )?;
    a.position.pending_requests = a
        .position
        .pending_requests
        .checked_add(1)
        .ok_or(HedgeError::MathOverflow)?;
    crate::events::emit_one(a.event_authority.as_ref(), &event)?;
    Ok(())
}
