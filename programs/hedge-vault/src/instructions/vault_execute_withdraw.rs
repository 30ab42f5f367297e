//! `vault_execute_withdraw`: anyone executes a due withdrawal at the unique price of
//! its due time. It pays `min(value at request, value now)` if that keeps
//! `C' >= reserve` and `N <= (1 + k) * h * C'`; otherwise it pays the largest amount
//! that can leave now (burning the shares that pays for) and the rest stays queued
//! with a new due time. The largest amount is in the event and the return data. Shares
//! owed nothing go back to their owner and the request is cancelled. Tokens and shares
//! go where the owner said at request, or are held for his claim if that account
//! cannot take them (PROTOCOL section 6a); a request never expires.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use hedge_engine::market::WithdrawRequest;
use hedge_engine::oracle::OracleUse;

use crate::error::{EngineResultExt, HedgeError};
use crate::events::VaultWithdrawn;
use crate::requests::{self, Held, Payer, KIND_WITHDRAW};
use crate::state::{Market, Request};
use crate::token_util::burn_shares;

#[event_cpi]
#[derive(Accounts)]
pub struct VaultExecuteWithdraw<'info> {
    #[account(mut)]
    pub executor: Signer<'info>,
    /// CHECK: the request's owner (`has_one` on `request`); receives the request's rent.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        constraint = request.kind == KIND_WITHDRAW @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// CHECK: the address the owner named at request (`request.token_destination`):
    /// the payout goes there, or is held for his claim if it cannot take it.
    #[account(mut, address = request.token_destination @ HedgeError::WrongTokenAccount)]
    pub token_destination: UncheckedAccount<'info>,
    /// CHECK: the address the owner named at request (`request.share_destination`):
    /// shares of a refused withdrawal go back there, or are held for his claim.
    #[account(mut, address = request.share_destination @ HedgeError::WrongTokenAccount)]
    pub share_destination: UncheckedAccount<'info>,
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.share_escrow @ HedgeError::WrongTokenAccount)]
    pub share_escrow: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.share_mint @ HedgeError::WrongMint)]
    pub share_mint: Box<Account<'info, Mint>>,
    /// CHECK: checked against the market by `oracle::read_at_due`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<VaultExecuteWithdraw>) -> Result<()> {
    crate::cu!("start");
    crate::cu!("start again");
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let (shares, value_at_request, _due) = (a.request.amount, a.request.value_at_request, a.request.due_time);
    let terms = WithdrawRequest {
        shares,
        value_at_request,
        price_at_request: a.request.price_at_request,
        max_skew_fee_ratio: a.request.max_skew_fee_ratio,
    };
    let supply = a.share_mint.supply;
    let (mut st, price) = requests::at_due_price(&a.market, &a.oracle, &a.request, now, OracleUse::Reduce)?;
    let result = price.and_then(|p| {
        st.execute_withdraw_limited(supply, terms, p)
            .map(|payout| (payout, p))
    });
    let tp = a.token_program.to_account_info();
    let market_ai = a.market.to_account_info();
    let vault_ai = a.collateral_vault.to_account_info();
    let escrow_ai = a.share_escrow.to_account_info();
    let pay = Payer::new(&a.market, &market_ai, &tp, &vault_ai);
    let mut held = Held::default();
    let (mint, creator, bump) = (a.market.collateral_mint, a.market.creator, a.market.bump);
    let r = &mut a.request;
    let (mut executed, mut cancelled) = (None, None);
    let mut largest_now = None;
    let mut still_pending = false;
    match result {
        Ok((payout, p)) => {
            crate::cu!("engine done");
            burn_shares(
                &tp,
                &a.share_mint.to_account_info(),
                &escrow_ai,
                &market_ai,
                crate::market_seeds!(mint, creator, bump),
                payout.shares_burned,
            )?;
            pay.tokens(
                &mut st,
                r,
                &mut held,
                &vault_ai,
                &a.token_destination.to_account_info(),
                payout.paid,
            )?;
            let remaining = shares
                .checked_sub(payout.shares_burned)
                .ok_or(HedgeError::MathOverflow)?;
            largest_now = Some(payout.largest_now);
            executed = Some(VaultWithdrawn {
                market: a.market.key(),
                owner: a.owner.key(),
                executor: a.executor.key(),
                shares: payout.shares_burned,
                shares_remaining: remaining,
                value_at_request,
                value_now: payout.value_now,
                paid: payout.paid,
                largest_now: payout.largest_now,
                price: p.price,
                collateral: st.collateral,
                skew_fee: payout.skew_fee,
                skew_rebate: payout.skew_rebate,
                skew_unfunded: payout.skew_unfunded,
                skew_ledger: st.skew.balance,
            });
            if remaining > 0 {
                // The rest stays queued, due again after the execution delay.
                r.amount = remaining;
                r.value_at_request = payout.remaining_value_at_request;
                r.due_time = now
                    .checked_add(i64::from(st.params.execution_delay))
                    .ok_or(HedgeError::MathOverflow)?;
                still_pending = true;
            }
        }
        Err(e) => {
            let event = requests::refused(r, e, 0, a.executor.key())?;
            st.release_withdraw(shares, value_at_request).named()?;
            pay.escrowed_shares(
                &mut st,
                r,
                &mut held,
                &escrow_ai,
                &a.share_destination.to_account_info(),
                shares,
            )?;
            cancelled = Some(event);
        }
    }
    a.market.set_state(&st);
    let held_event = held.event(&a.request, a.request.key());
    let paid = executed.as_ref().is_some_and(|e| e.paid > 0);
    requests::end_or_keep(
        &mut a.request,
        &a.executor.to_account_info(),
        &a.owner.to_account_info(),
        still_pending,
        paid,
    )?;
    crate::cu!("token CPIs done");
    if let Some(e) = executed {
        emit_cpi!(e);
    }
    if let Some(e) = cancelled {
        emit_cpi!(e);
    }
    if let Some(e) = held_event {
        emit_cpi!(e);
    }
    // Last: an event's self-CPI would clear it.
    if let Some(l) = largest_now {
        crate::util::set_return_u64(l);
    }
    crate::cu!("events done");
    Ok(())
}
