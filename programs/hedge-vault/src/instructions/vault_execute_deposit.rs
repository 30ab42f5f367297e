//! `vault_execute_deposit`: anyone executes a due deposit at the unique price of its
//! due time, however late (a request never expires). Shares are minted at the band
//! edge that gives the depositor fewer; a refusal at that price (the depositor's
//! minimum hedge ratio, a paused or settled market, a vault winding down, a deposit
//! too small) refunds the escrow and cancels the request with its reason. The shares
//! or the refund go where the depositor said at request, or are held for his claim if
//! that account cannot take them: nothing he does after requesting can block this
//! (PROTOCOL section 6a). Only the part within the vault's hedge capacity executes;
//! the rest waits in escrow, due again after the withdrawal delay, and a deposit that
//! has not waited waits whole while others wait (PROTOCOL section 3). The executor is
//! paid the request's execution fee once something executed.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use hedge_engine::market::DepositRequest;
use hedge_engine::oracle::OracleUse;

use crate::error::{EngineResultExt, HedgeError};
use crate::events::{DepositReleased, VaultDeposited};
use crate::requests::{self, Held, Payer, KIND_DEPOSIT};
use crate::state::{Market, Request};

#[event_cpi]
#[derive(Accounts)]
pub struct VaultExecuteDeposit<'info> {
    #[account(mut)]
    pub executor: Signer<'info>,
    /// CHECK: the request's owner (`has_one` on `request`); receives the request's rent.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        constraint = request.kind == KIND_DEPOSIT @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// CHECK: the address the depositor named at request (`request.token_destination`):
    /// a refused deposit is refunded there, or held for his claim if it cannot take it.
    #[account(mut, address = request.token_destination @ HedgeError::WrongTokenAccount)]
    pub token_destination: UncheckedAccount<'info>,
    /// CHECK: the address the depositor named at request (`request.share_destination`):
    /// the shares are minted there, or into the escrow for his claim.
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

pub fn handler(mut ctx: Context<VaultExecuteDeposit>) -> Result<()> {
    crate::cu!("start");
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let (amount, min_hedge_ratio, due) = (a.request.amount, a.request.min_hedge_ratio, a.request.due_time);
    let supply = a.share_mint.supply;
    let (mut st, price) = requests::at_due_price(&a.market, &a.oracle, &a.request, now, OracleUse::Increase)?;
    let (waited, max_fee) = (a.request.waiting, a.request.max_skew_fee_ratio);
    let wait_since = a.request.wait_since;
    let terms = DepositRequest {
        amount,
        min_hedge_ratio,
        max_skew_fee_ratio: max_fee,
        waited,
        due_age: now.saturating_sub(due),
        wait_since,
    };
    let result = price.and_then(|p| st.execute_deposit_request(supply, terms, p).map(|x| (x, p)));
    let tp = a.token_program.to_account_info();
    let market_ai = a.market.to_account_info();
    let vault_ai = a.collateral_vault.to_account_info();
    let pay = Payer::new(&a.market, &market_ai, &tp, &vault_ai);
    let mut held = Held::default();
    let r = &mut a.request;
    let (mut executed, mut cancelled, mut released) = (None, None, None);
    let mut still_pending = false;
    let mut paid_something = false;
    match result {
        Ok((x, p)) => {
            let shares = x.shares;
            if x.dead_shares > 0 {
                // Revision 6: the first shares' dead twin, owned by nobody.
                crate::cu!("engine done");
                crate::token_util::mint_shares(
                    &tp,
                    &a.share_mint.to_account_info(),
                    &a.share_escrow.to_account_info(),
                    &market_ai,
                    crate::market_seeds!(a.market.collateral_mint, a.market.creator, a.market.bump),
                    x.dead_shares,
                )?;
            }
            if shares > 0 {
                pay.new_shares(
                    &mut st,
                    r,
                    &mut held,
                    (&a.share_mint.to_account_info(), &a.share_escrow.to_account_info()),
                    &a.share_destination.to_account_info(),
                    shares,
                )?;
                paid_something = true;
            }
            if x.waiting > 0 {
                // Due again after the withdrawal delay (revision 6: the execution
                // delay, so it executes as soon as a hedge covers it): its owner may
                // cancel before each new due time (no free option after it).
                r.amount = x.waiting;
                r.wait_since = st.waiting_bid.index;
                r.waiting = true;
                r.due_time = now
                    .checked_add(i64::from(st.waiting_deposit_delay()))
                    .ok_or(HedgeError::MathOverflow)?;
                still_pending = true;
            }
            executed = Some(VaultDeposited {
                market: a.market.key(),
                owner: a.owner.key(),
                executor: a.executor.key(),
                amount: x.executed,
                shares,
                price: p.price,
                publish_time: p.publish_time,
                collateral: st.collateral,
                skew_fee: x.skew_fee,
                skew_rebate: x.skew_rebate,
                waiting: x.waiting,
                skew_ledger: st.skew.balance,
                wait_charge: x.wait_charge,
            });
        }
        Err(e) => {
            let event = requests::refused(r, e, 0, a.executor.key())?;
            // Accrued first (a no-op when the execution already did): the refund moves
            // the hedge base, and no price was accepted if the refusal is the oracle's.
            st.accrue_before_request(now).named()?;
            let back = st.refund_deposit(amount, waited, wait_since).named()?;
            released = Some(DepositReleased::of(a.market.key(), a.owner.key(), &back, 0));
            pay.tokens(
                &mut st,
                r,
                &mut held,
                &vault_ai,
                &a.token_destination.to_account_info(),
                back.refunded,
            )?;
            cancelled = Some(event);
        }
    }
    a.market.set_state(&st);
    let held_event = held.event(&a.request, a.request.key());
    requests::end_or_keep(
        &mut a.request,
        &a.executor.to_account_info(),
        &a.owner.to_account_info(),
        still_pending,
        paid_something,
    )?;
    crate::cu!("token CPIs done");
    if let Some(e) = executed {
        emit_cpi!(e);
    }
    if let Some(e) = released {
        emit_cpi!(e);
    }
    if let Some(e) = cancelled {
        emit_cpi!(e);
    }
    if let Some(e) = held_event {
        emit_cpi!(e);
    }
    crate::cu!("events done");
    Ok(())
}
