//! `position_execute_trade`: anyone executes a due order at the unique price of its
//! due time. It settles funding, fills at that price moved against the taker, pays
//! the taker and impact fees (the insurance fund's part moved to its token account),
//! and checks the limit price, margin, caps and the market's state. A refusal cancels
//! the order with its reason; the executor is paid either way. An order never expires:
//! it executes at its due time's price however late (PROTOCOL section 6a).

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use hedge_engine::oracle::OracleUse;
use hedge_engine::position::is_risk_reducing;

use crate::error::HedgeError;
use crate::events::PositionTraded;
use crate::requests::{self, KIND_TRADE};
use crate::state::{Market, Position, Request};
use crate::token_util::transfer_out;

#[event_cpi]
#[derive(Accounts)]
pub struct PositionExecuteTrade<'info> {
    #[account(mut)]
    pub executor: Signer<'info>,
    /// CHECK: the request's owner (`has_one` on `request`); receives the request's rent.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket, has_one = owner @ HedgeError::WrongOwner)]
    pub position: Box<Account<'info, Position>>,
    #[account(
        mut,
        constraint = request.kind == KIND_TRADE @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: checked against the market by `oracle::read_at_due`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<PositionExecuteTrade>) -> Result<()> {
    crate::cu!("start");
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let (delta, limit, _due) = (a.request.delta_base, a.request.limit_price, a.request.due_time);
    let base = a.position.base;
    let new_base = base.checked_add(delta).ok_or(HedgeError::MathOverflow)?;
    let use_ = if is_risk_reducing(base, new_base) {
        OracleUse::Reduce
    } else {
        OracleUse::Increase
    };
    let (mut st, price) = requests::at_due_price(&a.market, &a.oracle, &a.request, now, use_)?;
    let mut pos = a.position.engine();
    let result = price.and_then(|p| st.execute_trade(&mut pos, delta, limit, p));
    let (mut executed, mut cancelled) = (None, None);
    match result {
        Ok(x) => {
            a.market.set_state(&st);
            a.position.set_engine(&pos);
            let (mint, creator, bump) = (a.market.collateral_mint, a.market.creator, a.market.bump);
            crate::cu!("engine done");
            transfer_out(
                &a.token_program.to_account_info(),
                &a.collateral_vault.to_account_info(),
                &a.insurance_vault.to_account_info(),
                &a.market.to_account_info(),
                crate::market_seeds!(mint, creator, bump),
                x.outcome.insurance_fee,
            )?;
            let event = PositionTraded::new(a.market.key(), a.owner.key(), a.executor.key(), delta, &x);
            executed = Some(event);
        }
        Err(e) => {
            let event = requests::refused(&a.request, e, 0, a.executor.key())?;
            // The accrual (a market-wide step) stands; the position is untouched.
            a.market.set_state(&st);
            cancelled = Some(event);
        }
    }
    a.position.pending_requests = a.position.pending_requests.saturating_sub(1);
    requests::end_executed(
        &mut a.request,
        &a.executor.to_account_info(),
        &a.owner.to_account_info(),
    )?;
    crate::cu!("token CPIs done");
    if let Some(e) = executed {
        emit_cpi!(e);
    }
    if let Some(e) = cancelled {
        emit_cpi!(e);
    }
    crate::cu!("events done");
    Ok(())
}
