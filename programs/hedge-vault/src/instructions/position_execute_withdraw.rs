//! `position_execute_withdraw`: anyone executes a due margin withdrawal at the unique
//! price of its due time, paying at most `min(margin, equity - initial margin)` (gains
//! are not withdrawn before they are realized). Asking for more cancels the request;
//! the event and the return data name the largest amount. The margin goes where the
//! owner said at request, or is held for his claim if that account cannot take it
//! (PROTOCOL section 6a).

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use hedge_engine::oracle::OracleUse;
use hedge_engine::EngineError;

use crate::error::HedgeError;
use crate::events::MarginWithdrawn;
use crate::requests::{self, Held, Payer, KIND_MARGIN_WITHDRAW};
use crate::state::{Market, Position, Request};

#[event_cpi]
#[derive(Accounts)]
pub struct PositionExecuteWithdraw<'info> {
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
        constraint = request.kind == KIND_MARGIN_WITHDRAW @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// CHECK: the address the owner named at request (`request.token_destination`):
    /// the margin goes there, or is held for his claim if it cannot take it.
    #[account(mut, address = request.token_destination @ HedgeError::WrongTokenAccount)]
    pub token_destination: UncheckedAccount<'info>,
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: checked against the market by `oracle::read_at_due`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<PositionExecuteWithdraw>) -> Result<()> {
    crate::cu!("start");
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let (amount, _due) = (a.request.amount, a.request.due_time);
    let (mut st, price) = requests::at_due_price(&a.market, &a.oracle, &a.request, now, OracleUse::Reduce)?;
    let mut pos = a.position.engine();
    let mut largest = 0;
    let result = match price {
        Ok(p) => {
            let r = st.withdraw_margin(&mut pos, amount, p);
            if r == Err(EngineError::WithdrawExceedsFreeMargin) {
                largest = st.withdrawable_margin(&pos, p).unwrap_or(0);
            }
            r
        }
        Err(e) => Err(e),
    };
    let tp = a.token_program.to_account_info();
    let market_ai = a.market.to_account_info();
    let vault_ai = a.collateral_vault.to_account_info();
    let pay = Payer::new(&a.market, &market_ai, &tp, &vault_ai);
    let mut held = Held::default();
    let (mut executed, mut cancelled) = (None, None);
    match result {
        Ok(settled) => {
            a.position.set_engine(&pos);
            crate::cu!("engine done");
            pay.tokens(
                &mut st,
                &mut a.request,
                &mut held,
                &vault_ai,
                &a.token_destination.to_account_info(),
                amount,
            )?;
            executed = Some(MarginWithdrawn {
                market: a.market.key(),
                owner: a.owner.key(),
                executor: a.executor.key(),
                amount,
                funding_paid: settled.paid,
                wait_bonus: settled.bonus,
                margin: pos.margin,
            });
        }
        Err(e) => {
            cancelled = Some(requests::refused(&a.request, e, largest, a.executor.key())?);
        }
    }
    a.market.set_state(&st);
    a.position.pending_requests = a.position.pending_requests.saturating_sub(1);
    let held_event = held.event(&a.request, a.request.key());
    requests::end_executed(
        &mut a.request,
        &a.executor.to_account_info(),
        &a.owner.to_account_info(),
    )?;
    crate::cu!("token CPIs done");
    if let Some(e) = executed {
        emit_cpi!(e);
    }
    if let Some(e) = held_event {
        emit_cpi!(e);
    }
    if let Some(e) = cancelled {
        emit_cpi!(e);
        // Last: an event's self-CPI would clear it.
        crate::util::set_return_u64(largest);
    }
    crate::cu!("events done");
    Ok(())
}
