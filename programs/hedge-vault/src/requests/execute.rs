//! The one execution of a request (PROTOCOL section 6a), whatever its kind: due now,
//! the market's state, the price of its due time accepted and funding accrued, the
//! kind's engine step at that price, then either its payments or, when a check refuses
//! it at that price, its cancellation with the reason and what it holds given back;
//! the market's state written, what could not be paid held for a claim, the executor
//! paid, the request ended or kept with its queued rest, the events, the return data,
//! and the ledger's invariant checked (`crate::invariant`). Each kind (deposit, vault
//! withdrawal, trade, margin withdrawal, unstake) supplies only what differs: an
//! [`Execution`].

use anchor_lang::prelude::*;
use hedge_engine::market::MarketState;
use hedge_engine::oracle::{OraclePrice, OracleUse};
use hedge_engine::EngineError;

use super::{at_due_price, due_now, end_or_keep, refused, Held, Payer};
use crate::error::HedgeError;
use crate::events::Queue;
use crate::state::{Market, Request};

/// What an execution leaves behind.
#[derive(Clone, Copy, Default)]
pub struct Kept {
    /// A rest stays queued (a withdrawal's or unstake's, a deposit waiting for a
    /// hedge): the request stays open.
    pub still_pending: bool,
    /// Something was paid or executed: the executor is paid even if a rest stays.
    pub something_done: bool,
}

/// The accounts every execution has (borrowed from the instruction's accounts: a
/// copy of an `AccountInfo` costs its two reference counts, twice).
pub struct Common<'a, 'info> {
    pub market: &'a mut Account<'info, Market>,
    pub request: &'a mut Account<'info, Request>,
    pub executor: &'a AccountInfo<'info>,
    /// The request's owner: receives its rent when it ends.
    pub owner: &'a AccountInfo<'info>,
    /// The price account; `None` for a kind that executes without a price.
    pub oracle: Option<&'a AccountInfo<'info>>,
    pub token_program: &'a AccountInfo<'info>,
    /// Where payments that cannot be made wait for their claim.
    pub collateral_vault: &'a AccountInfo<'info>,
    /// The insurance fund's token account, when the instruction has it (its balance
    /// is checked against the fund's ledger at the end).
    pub insurance_vault: Option<&'a AccountInfo<'info>>,
    pub event_authority: &'a AccountInfo<'info>,
}

/// The [`Common`] accounts of an execution's accounts struct, whose fields carry the
/// standard names (`market`, `request`, `executor`, `owner`, `token_program`,
/// `collateral_vault`, `event_authority`); the price account and the insurance
/// vault as the kind has them.
#[macro_export]
macro_rules! common_accounts {
    ($a:expr, oracle: $oracle:expr, insurance_vault: $iv:expr) => {
        $crate::requests::Common {
            market: &mut $a.market,
            request: &mut $a.request,
            executor: $a.executor.as_ref(),
            owner: $a.owner.as_ref(),
            oracle: $oracle,
            token_program: $a.token_program.as_ref(),
            collateral_vault: $a.collateral_vault.as_ref(),
            insurance_vault: $iv,
            event_authority: $a.event_authority.as_ref(),
        }
    };
}

/// What a kind's payments work on: the market's state, the request, what is held for
/// its owner's claim, the payer and the events queued.
pub struct Step<'a, 'info> {
    pub st: MarketState,
    pub request: &'a mut Request,
    pub held: Held,
    pub pay: Payer<'a, 'info>,
    pub events: Queue,
    pub now: i64,
    pub market: Pubkey,
    pub owner: Pubkey,
    pub executor: Pubkey,
}

impl<'info> Step<'_, 'info> {
    /// Pays `amount` tokens from `source` to `dest`, or holds them for a claim.
    pub fn tokens(
        &mut self,
        source: &AccountInfo<'info>,
        dest: &AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        self.pay
            .tokens(&mut self.st, self.request, &mut self.held, source, dest, amount)
    }

    /// Mints `amount` new shares to `dest`, or into the escrow for a claim.
    pub fn new_shares(
        &mut self,
        shares: (&AccountInfo<'info>, &AccountInfo<'info>),
        dest: &AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        self.pay
            .new_shares(&mut self.st, self.request, &mut self.held, shares, dest, amount)
    }

    /// Returns `amount` escrowed shares to `dest`, or keeps them for a claim.
    pub fn escrowed_shares(
        &mut self,
        share_escrow: &AccountInfo<'info>,
        dest: &AccountInfo<'info>,
        amount: u64,
    ) -> Result<()> {
        self.pay.escrowed_shares(
            &mut self.st,
            self.request,
            &mut self.held,
            share_escrow,
            dest,
            amount,
        )
    }

    /// Queues the request's rest again, due `delay` seconds from now.
    pub fn queue_rest(&mut self, delay: u32) -> Result<()> {
        self.request.due_time = self
            .now
            .checked_add(i64::from(delay))
            .ok_or(HedgeError::MathOverflow)?;
        Ok(())
    }
}

/// The price of a priced kind's execution: always there (`execute` accepts it before
/// the engine step); its absence would fail the transaction.
pub fn priced(price: Option<&OraclePrice>) -> core::result::Result<OraclePrice, EngineError> {
    price.copied().ok_or(EngineError::InvalidParameter)
}

/// What the engine step of an execution is given besides the market's state.
#[derive(Clone, Copy)]
pub struct At<'a> {
    pub request: &'a Request,
    /// The due time's price (`None` for a kind without one).
    pub price: Option<&'a OraclePrice>,
    pub now: i64,
}

impl At<'_> {
    /// The price of a priced kind ([`priced`]).
    pub fn price(&self) -> core::result::Result<OraclePrice, EngineError> {
        priced(self.price)
    }
}

/// What one request kind supplies to [`execute`].
pub trait Execution<'info> {
    /// The engine's result of an execution.
    type Done;

    /// How the due time's price is accepted (risk-increasing or not; reducing unless
    /// the kind says otherwise); `None`: the kind executes without a price and any
    /// engine error fails the transaction.
    fn oracle_use(&self) -> Option<OracleUse> {
        Some(OracleUse::Reduce)
    }

    /// The engine's execution at the price (`None` without one). An error a check
    /// raises at the due time's price cancels the request (`cancels_request`); any
    /// other fails the transaction.
    fn engine(&mut self, st: &mut MarketState, at: At<'_>) -> core::result::Result<Self::Done, EngineError>;

    /// Moves what the execution pays and queues its event.
    fn pay(&mut self, x: &mut Step<'_, 'info>, done: Self::Done, price: Option<&OraclePrice>)
        -> Result<Kept>;

    /// After a refusal that cancels the request: gives back what it holds.
    fn give_back(&mut self, _x: &mut Step<'_, 'info>) -> Result<()> {
        Ok(())
    }

    /// The largest amount a refusal reports (`RequestCancelled.largest_allowed`).
    fn largest_allowed(&self) -> u64 {
        0
    }

    /// Once, whatever the outcome, before the request ends.
    fn finish(&mut self) {}

    /// The instruction's return data (`refused`: the request was cancelled).
    fn return_data(&self, _refused: bool) -> Option<u64> {
        None
    }
}

/// Executes a due request of any kind (see the module's documentation).
// Out of line: inlined into the entrypoint with every kind, its locals took the
// entrypoint's frame to 3,952 of its 4,096 bytes (3,432 out of line, +50 CU).
#[inline(never)]
pub fn execute<'info, K: Execution<'info>>(kind: &mut K, c: Common<'_, 'info>) -> Result<()> {
    crate::cu!("start");
    let now = Clock::get()?.unix_timestamp;
    let (mut st, price) = match (kind.oracle_use(), c.oracle) {
        (Some(use_), Some(oracle)) => {
            let (st, p) = at_due_price(c.market, oracle, c.request, now, use_)?;
            (st, Some(p))
        }
        (Some(_), None) => return err!(HedgeError::WrongOracle),
        (None, _) => {
            due_now(c.request, now)?;
            (c.market.state()?, None)
        }
    };
    let result = match &price {
        Some(Ok(p)) => kind.engine(
            &mut st,
            At {
                request: c.request,
                price: Some(p),
                now,
            },
        ),
        Some(Err(e)) => Err(*e),
        None => {
            let at = At {
                request: c.request,
                price: None,
                now,
            };
            Ok(kind.engine(&mut st, at).map_err(HedgeError::from)?)
        }
    };
    let price = price.and_then(|p| p.ok());
    let market_ai = c.market.to_account_info();
    let pay = Payer::new(c.market, &market_ai, c.token_program, c.collateral_vault);
    let mut x = Step {
        st,
        request: c.request,
        held: Held::default(),
        pay,
        events: Queue::default(),
        now,
        market: market_ai.key(),
        owner: c.owner.key(),
        executor: c.executor.key(),
    };
    let (kept, was_refused) = match result {
        Ok(done) => {
            crate::cu!("engine done");
            (kind.pay(&mut x, done, price.as_ref())?, false)
        }
        Err(e) => {
            let event = refused(x.request, e, kind.largest_allowed(), x.executor)?;
            kind.give_back(&mut x)?;
            x.events.push(&event);
            (Kept::default(), true)
        }
    };
    kind.finish();
    let Step {
        st, held, mut events, ..
    } = x;
    c.market.set_state(&st);
    events.push_opt(held.event(c.request, c.request.key()).as_ref());
    end_or_keep(
        c.request,
        c.executor,
        c.owner,
        kept.still_pending,
        kept.something_done,
    )?;
    crate::cu!("token CPIs done");
    crate::invariant::check(c.market, Some(c.collateral_vault), c.insurance_vault)?;
    events.emit(c.event_authority)?;
    // Last: an event's self-CPI would clear it.
    if let Some(v) = kind.return_data(was_refused) {
        crate::util::set_return_u64(v);
    }
    crate::cu!("events done");
    Ok(())
}
