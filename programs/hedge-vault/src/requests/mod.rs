//! The one request lifecycle (PROTOCOL section 6a), shared by every kind: opening a
//! request (its execution fee moved in from the owner, where its payments go
//! recorded), paying an execution's tokens and shares (pushed to the destination the
//! owner named, or held as a claim when it cannot take them), ending it (the fee to
//! the executor, the rent back to the owner), cancelling it (its owner, before the
//! due time), and claiming what was held. Nothing here depends on an account the
//! owner controls being usable, so no owner can block an execution (invariant 8).
//! When a request may be executed or cancelled is the engine's
//! (`hedge_engine::requests`).

use anchor_lang::prelude::*;
use anchor_lang::system_program;
use anchor_spl::token::spl_token;
use hedge_engine::market::MarketState;
use hedge_engine::oracle::{OraclePrice, OracleUse};
use hedge_engine::requests::{cancels_request, check_cancellable, check_executable, RequestKind};
use hedge_engine::EngineError;

use crate::constants::ACCOUNT_VERSION;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::{PaymentHeld, RequestCancelled, RequestCreated, CANCELLED_BY_OWNER, CANCELLED_REFUSED};
use crate::state::{Market, Request};
use crate::token_util::{mint_shares, transfer_out};

mod cancel;
mod execute;
pub use cancel::cancel;
pub use execute::{execute, priced, At, Common, Execution, Kept, Step};

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
    /// Seconds from `now` to its due time (the kind's delay).
    pub delay: u32,
    pub execution_fee: u64,
    /// Where its tokens are paid (a token account of the owner's, checked by the
    /// instruction), or the default key when it pays none.
    pub token_destination: Pubkey,
    /// Where its shares are paid, or the default key.
    pub share_destination: Pubkey,
    /// What the kind asks for.
    pub terms: Terms,
}

/// A request's kind-specific terms (`Terms::default()`: none; no bound on the skew
/// charge).
#[derive(Clone, Copy)]
pub struct Terms {
    /// Tokens (deposit, margin withdrawal) or shares (withdrawal, unstake).
    pub amount: u64,
    pub delta_base: i64,
    pub limit_price: u128,
    pub min_hedge_ratio: u32,
    pub value_at_request: u64,
    pub price_at_request: u128,
    pub max_skew_fee_ratio: i32,
    pub wait_since: u64,
}

impl Default for Terms {
    fn default() -> Self {
        Terms {
            amount: 0,
            delta_base: 0,
            limit_price: 0,
            min_hedge_ratio: 0,
            value_at_request: 0,
            price_at_request: 0,
            max_skew_fee_ratio: hedge_engine::RATIO_PRECISION as i32,
            wait_since: 0,
        }
    }
}

/// `requests::open` for an instruction's accounts struct whose fields carry the
/// standard names (`request`, `market`, `owner`, `system_program`): the rest of the
/// `Opening`'s fields as in a struct literal.
#[macro_export]
macro_rules! open_request {
    ($a:expr, $($rest:tt)*) => {
        $crate::requests::open(
            &mut $a.request,
            $crate::requests::Opening {
                market: $a.market.key(),
                owner: $a.owner.as_ref(),
                system_program: $a.system_program.as_ref(),
                $($rest)*
            },
        )
    };
}

/// Fills a request account (refused while one of its kind is pending, or while it
/// holds an unclaimed payment) and moves the execution fee into it from the owner.
/// Returns its event, which the instruction emits once what it escrows has moved.
pub fn open<'info>(request: &mut Account<'info, Request>, o: Opening<'_, 'info>) -> Result<RequestCreated> {
    require!(!request.is_pending(), HedgeError::RequestAlreadyPending);
    require!(!request.has_claim(), HedgeError::ClaimPending);
    request.market = o.market;
    request.owner = o.owner.key();
    request.kind = o.kind as u8;
    request.bump = o.bump;
    request.version = ACCOUNT_VERSION;
    request.created_at = o.now;
    request.due_time = o
        .now
        .checked_add(i64::from(o.delay))
        .ok_or(HedgeError::MathOverflow)?;
    request.execution_fee = o.execution_fee;
    let t = o.terms;
    request.amount = t.amount;
    request.delta_base = t.delta_base;
    request.limit_price = t.limit_price;
    request.min_hedge_ratio = t.min_hedge_ratio;
    request.value_at_request = t.value_at_request;
    request.price_at_request = t.price_at_request;
    request.waiting = 0;
    request.max_skew_fee_ratio = t.max_skew_fee_ratio;
    request.wait_since = t.wait_since;
    request.token_destination = o.token_destination;
    request.share_destination = o.share_destination;
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
    Ok(RequestCreated::of(request.key(), request))
}

/// How every priced execution starts (deposit, vault withdrawal, trade, margin
/// withdrawal): the request is due (`RequestNotDue` fails the transaction), the
/// market's state, and the price of its due time accepted with funding accrued to
/// now. The inner error is a refusal at the due time: the request is cancelled with
/// it, the accrual (a market-wide step) standing.
pub fn at_due_price(
    market: &Market,
    oracle: &AccountInfo,
    request: &Request,
    now: i64,
    use_: OracleUse,
) -> Result<(MarketState, core::result::Result<OraclePrice, EngineError>)> {
    due_now(request, now)?;
    let mut st = market.state()?;
    let price = crate::oracle::read_at_due(&mut st, market, oracle, request.due_time, now, use_)?;
    let price = price.and_then(|p| st.accrue_for_execution(&p, now).map(|_| p));
    Ok((st, price))
}

/// Whether `dest` can take `amount` of `mint` for `owner` now: an initialized SPL
/// token account of that mint, owned by `owner`, not frozen, whose balance does not
/// overflow. Anything else (a closed or never-created account, a frozen one, one given
/// to someone else) makes the payment a claim instead.
pub fn can_take(dest: &AccountInfo, mint: &Pubkey, owner: &Pubkey, amount: u64) -> bool {
    if *dest.owner != spl_token::ID || dest.executable || !dest.is_writable {
        return false;
    }
    let Ok(data) = dest.try_borrow_data() else {
        return false;
    };
    crate::token_util::account_takes(&data, mint, owner, amount)
}

/// The accounts every payment of an execution moves through: the token program and
/// the market PDA that signs for the market's token accounts.
pub struct Payer<'a, 'info> {
    pub token_program: &'a AccountInfo<'info>,
    pub market: &'a AccountInfo<'info>,
    pub collateral_mint: Pubkey,
    pub share_mint: Pubkey,
    pub creator: Pubkey,
    pub bump: u8,
    /// The market's collateral token account, where held tokens wait.
    pub collateral_vault: &'a AccountInfo<'info>,
}

impl<'a, 'info> Payer<'a, 'info> {
    pub fn new(
        market: &Market,
        market_ai: &'a AccountInfo<'info>,
        token_program: &'a AccountInfo<'info>,
        collateral_vault: &'a AccountInfo<'info>,
    ) -> Self {
        Payer {
            token_program,
            market: market_ai,
            collateral_mint: market.collateral_mint,
            share_mint: market.share_mint,
            creator: market.creator,
            bump: market.bump,
            collateral_vault,
        }
    }

    /// Moves `amount` out of a market token account, signed by the market PDA (no
    /// check of the destination: a pool-to-pool move, or a payment `tokens` checked).
    pub fn out(&self, from: &AccountInfo<'info>, to: &AccountInfo<'info>, amount: u64) -> Result<()> {
        transfer_out(
            self.token_program,
            from,
            to,
            self.market,
            crate::market_seeds!(self.collateral_mint, self.creator, self.bump),
            amount,
        )
    }

    /// Mints `amount` shares of `share_mint` into `to`, signed by the market PDA.
    pub fn mint(&self, share_mint: &AccountInfo<'info>, to: &AccountInfo<'info>, amount: u64) -> Result<()> {
        mint_shares(
            self.token_program,
            share_mint,
            to,
            self.market,
            crate::market_seeds!(self.collateral_mint, self.creator, self.bump),
            amount,
        )
    }

    /// Burns `amount` shares of `share_mint` from `from` (the share escrow), signed by
    /// the market PDA.
    pub fn burn(
        &self,
        share_mint: &AccountInfo<'info>,
        from: &AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        crate::token_util::burn_shares(
            self.token_program,
            share_mint,
            from,
            self.market,
            crate::market_seeds!(self.collateral_mint, self.creator, self.bump),
            amount,
        )
    }

    /// Pays `amount` tokens from `source` (a market token account) to the request's
    /// token destination, or holds them for its owner's claim in the collateral
    /// account.
    pub fn tokens(
        &self,
        st: &mut MarketState,
        r: &mut Request,
        held: &mut Held,
        source: &AccountInfo<'info>,
        dest: &AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        if can_take(dest, &self.collateral_mint, &r.owner, amount) {
            return self.out(source, dest, amount);
        }
        if source.key() != self.collateral_vault.key() {
            self.out(source, self.collateral_vault, amount)?;
        }
        hold(st, r, held, amount, 0)
    }

    /// Mints `amount` new shares (`shares`: the share mint and the share escrow) to
    /// the request's share destination, or into the escrow held for its owner's claim.
    pub fn new_shares(
        &self,
        st: &mut MarketState,
        r: &mut Request,
        held: &mut Held,
        shares: (&AccountInfo<'info>, &AccountInfo<'info>),
        dest: &AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        let (share_mint, share_escrow) = shares;
        let to = if can_take(dest, &self.share_mint, &r.owner, amount) {
            dest
        } else {
            hold(st, r, held, 0, amount)?;
            share_escrow
        };
        self.mint(share_mint, to, amount)
    }

    /// Returns `amount` escrowed shares to the request's share destination, or keeps
    /// them in the escrow held for its owner's claim.
    pub fn escrowed_shares(
        &self,
        st: &mut MarketState,
        r: &mut Request,
        held: &mut Held,
        share_escrow: &AccountInfo<'info>,
        dest: &AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        if can_take(dest, &self.share_mint, &r.owner, amount) {
            return self.out(share_escrow, dest, amount);
        }
        hold(st, r, held, 0, amount)
    }
}

/// What an execution held for its owner's claim (its event, when not nothing).
#[derive(Default, Clone, Copy)]
pub struct Held {
    pub tokens: u64,
    pub shares: u64,
}

impl Held {
    /// The event of what was held, if anything was.
    pub fn event(&self, r: &Request, request: Pubkey) -> Option<PaymentHeld> {
        (self.tokens != 0 || self.shares != 0).then_some(PaymentHeld {
            market: r.market,
            owner: r.owner,
            request,
            kind: r.kind,
            tokens: self.tokens,
            shares: self.shares,
            claim_tokens: r.claim_tokens,
            claim_shares: r.claim_shares,
        })
    }
}

fn hold(st: &mut MarketState, r: &mut Request, held: &mut Held, tokens: u64, shares: u64) -> Result<()> {
    st.hold_for_claim(tokens, shares).named()?;
    r.claim_tokens = r
        .claim_tokens
        .checked_add(tokens)
        .ok_or(HedgeError::MathOverflow)?;
    r.claim_shares = r
        .claim_shares
        .checked_add(shares)
        .ok_or(HedgeError::MathOverflow)?;
    held.tokens = held.tokens.checked_add(tokens).ok_or(HedgeError::MathOverflow)?;
    held.shares = held.shares.checked_add(shares).ok_or(HedgeError::MathOverflow)?;
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

/// Ends a request: it is no longer pending. Closed, every lamport to its owner, when
/// it holds no claim and the owner's account can take lamports; otherwise kept, its
/// rent in it, until the owner claims (an executable account refuses a lamport credit:
/// an owner who made his own wallet one cannot block anything by it).
pub fn end<'info>(request: &mut Account<'info, Request>, owner: &AccountInfo<'info>) -> Result<()> {
    request.created_at = 0;
    if request.has_claim() || owner.executable {
        return Ok(());
    }
    request.close(owner.clone())
}

/// Ends an executed (or refused) request: the execution fee to `executor`, then
/// [`end`]. A request still pending (a withdrawal's queued rest) only pays the fee.
pub fn end_executed<'info>(
    request: &mut Account<'info, Request>,
    executor: &AccountInfo<'info>,
    owner: &AccountInfo<'info>,
) -> Result<()> {
    pay_executor(request, executor)?;
    end(request, owner)
}

/// After an execution: a request with a rest still queued (a withdrawal's, or a
/// deposit's waiting for hedge capacity) stays, its executor paid once something was
/// paid or executed; otherwise it ends ([`end_executed`]).
pub fn end_or_keep<'info>(
    request: &mut Account<'info, Request>,
    executor: &AccountInfo<'info>,
    owner: &AccountInfo<'info>,
    still_pending: bool,
    something_done: bool,
) -> Result<()> {
    if !still_pending {
        return end_executed(request, executor, owner);
    }
    if something_done {
        pay_executor(request, executor)?;
    }
    Ok(())
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

/// Checks that `signer` may cancel `request` at `now` (its owner, before the due
/// time: the engine's rule).
pub fn authorize_cancel(request: &Request, signer: &Pubkey, now: i64) -> Result<()> {
    check_pending(request)?;
    check_cancellable(*signer == request.owner, request.due_time, now).named()
}

/// Whether `request` may execute now: pending (`RequestNotPending`) and due
/// (`RequestNotDue`). Every execution starts here, priced or not.
pub fn due_now(request: &Request, now: i64) -> Result<()> {
    check_pending(request)?;
    check_executable(request.due_time, now).named()
}

/// A request executes or is cancelled only while pending. An ended request's account
/// can outlive it (it holds a payment for its owner's claim, or its owner's wallet
/// cannot take lamports) with its amount and due time as they were: executed again,
/// it would pay again (found by the issue-31 review, `attack_rev31`).
pub fn check_pending(request: &Request) -> Result<()> {
    require!(request.is_pending(), HedgeError::RequestNotPending);
    Ok(())
}

/// Ends a request its owner cancelled: every lamport back to him (the rent and the
/// unpaid execution fee). Returns its event.
pub fn end_cancelled<'info>(
    request: &mut Account<'info, Request>,
    owner: &AccountInfo<'info>,
) -> Result<RequestCancelled> {
    let event = cancelled(request, CANCELLED_BY_OWNER, 0, 0, owner.key());
    end(request, owner)?;
    Ok(event)
}
