//! The mechanics every request shares: opening one (its execution fee moved in from
//! the owner), and closing it (the fee to whoever executed it, the rest to the owner).
//! When a request may be executed or cancelled is the engine's
//! (`hedge_engine::requests`).

use anchor_lang::prelude::*;
use anchor_lang::system_program;
use hedge_engine::requests::{cancels_request, check_cancellable, RequestKind};
use hedge_engine::EngineError;

use crate::constants::ACCOUNT_VERSION;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::{RequestCancelled, CANCELLED_AFTER_WINDOW, CANCELLED_BY_OWNER, CANCELLED_REFUSED};
use crate::state::Request;

/// Seed byte of each kind's request address.
pub const KIND_DEPOSIT: u8 = RequestKind::Deposit as u8;
pub const KIND_WITHDRAW: u8 = RequestKind::Withdraw as u8;
pub const KIND_TRADE: u8 = RequestKind::Trade as u8;
pub const KIND_MARGIN_WITHDRAW: u8 = RequestKind::MarginWithdraw as u8;
pub const KIND_UNSTAKE: u8 = RequestKind::Unstake as u8;

/// What a new request needs besides its kind-specific fields.
pub struct Opening<'a, 'info> {
    pub market: Pubkey,
    pub owner: &'a AccountInfo<'info>,
    pub system_program: &'a AccountInfo<'info>,
    pub kind: RequestKind,
    pub bump: u8,
    pub now: i64,
    pub due: i64,
    pub execution_fee: u64,
}

/// Fills a fresh request account (refused when one of its kind is pending) and moves
/// the execution fee into it from the owner.
pub fn open<'info>(request: &mut Account<'info, Request>, o: Opening<'_, 'info>) -> Result<()> {
    require!(!request.is_pending(), HedgeError::RequestAlreadyPending);
    request.market = o.market;
    request.owner = o.owner.key();
    request.kind = o.kind as u8;
    request.bump = o.bump;
    request.version = ACCOUNT_VERSION;
    request.created_at = o.now;
    request.due_time = o.due;
    request.execution_fee = o.execution_fee;
    if o.execution_fee > 0 {
        system_program::transfer(
            CpiContext::new(
                o.system_program.key(),
                system_program::Transfer {
                    from: o.owner.clone(),
                    to: request.to_account_info(),
                },
            ),
            o.execution_fee,
        )?;
    }
    Ok(())
}

/// Pays the request's execution fee (lamports it holds beyond rent) to `executor`.
pub fn pay_executor<'info>(
    request: &mut Account<'info, Request>,
    executor: &AccountInfo<'info>,
) -> Result<()> {
    let fee = request.execution_fee;
    if fee > 0 {
        let from = request.to_account_info();
        let left = from.lamports().checked_sub(fee).ok_or(HedgeError::MathOverflow)?;
        **from.try_borrow_mut_lamports()? = left;
        let to = executor
            .lamports()
            .checked_add(fee)
            .ok_or(HedgeError::MathOverflow)?;
        **executor.try_borrow_mut_lamports()? = to;
        request.execution_fee = 0;
    }
    Ok(())
}

/// Closes the request: every lamport it still holds (its rent, and the fee if
/// unpaid) goes to its owner.
pub fn close<'info>(request: &mut Account<'info, Request>, owner: &AccountInfo<'info>) -> Result<()> {
    request.created_at = 0;
    request.close(owner.clone())
}

/// The event of a request ending without execution.
pub fn cancelled(
    request: &Request,
    cause: u8,
    error: u32,
    largest_allowed: u64,
    by: Pubkey,
) -> RequestCancelled {
    RequestCancelled {
        market: request.market,
        owner: request.owner,
        kind: request.kind,
        cause,
        error,
        largest_allowed,
        by,
    }
}

/// A refusal at execution: the cancellation event when the refusal is final for the
/// request (`cancels_request`: it is cancelled with its reason, the executor paid),
/// else the error that fails the transaction and leaves the request pending.
pub fn refused(
    request: &Request,
    e: EngineError,
    largest_allowed: u64,
    by: Pubkey,
) -> Result<RequestCancelled> {
    if !cancels_request(e) {
        return Err(HedgeError::from(e).into());
    }
    Ok(cancelled(
        request,
        CANCELLED_REFUSED,
        HedgeError::from(e).code(),
        largest_allowed,
        by,
    ))
}

/// Ends an executed (or refused) request: the execution fee to `executor`, the rent
/// to the owner.
pub fn end_executed<'info>(
    request: &mut Account<'info, Request>,
    executor: &AccountInfo<'info>,
    owner: &AccountInfo<'info>,
) -> Result<()> {
    pay_executor(request, executor)?;
    close(request, owner)
}

/// Checks that `signer` may cancel `request` of `kind` at `now` (the engine's rule)
/// and returns the cause its event records.
pub fn authorize_cancel(
    request: &Request,
    kind: RequestKind,
    signer: &Pubkey,
    window: u32,
    now: i64,
) -> Result<u8> {
    let by_owner = *signer == request.owner;
    check_cancellable(kind, by_owner, request.due_time, window, now).named()?;
    Ok(cancel_cause(by_owner, request.due_time, window, now))
}

/// Ends a cancelled request: every lamport it holds (rent and the unpaid execution
/// fee) back to the owner. Returns its event.
pub fn end_cancelled<'info>(
    request: &mut Account<'info, Request>,
    cause: u8,
    by: Pubkey,
    owner: &AccountInfo<'info>,
) -> Result<RequestCancelled> {
    let event = cancelled(request, cause, 0, 0, by);
    close(request, owner)?;
    Ok(event)
}

/// Whether a cancellation is the owner's own or one after the execution window.
pub fn cancel_cause(by_owner: bool, due: i64, window: u32, now: i64) -> u8 {
    let expired = now > due.saturating_add(i64::from(window));
    if by_owner && !expired {
        CANCELLED_BY_OWNER
    } else {
        CANCELLED_AFTER_WINDOW
    }
}
