//! Every state change emits one of these by self-CPI (`emit_event!`, `Queue`: what `emit_cpi!` does, cheaper; observable natively and on
//! chain through the inner instruction). Never change a shipped layout; add `...V2`.
//! (Revision 2 of the protocol replaced the first, unshipped set.)

use anchor_lang::prelude::*;

mod governance;
mod positions;

pub use governance::*;
pub use positions::*;

#[event]
#[derive(Debug)]
pub struct MarketCreated {
    pub market: Pubkey,
    pub admin: Pubkey,
    pub collateral_mint: Pubkey,
    pub oracle_kind: u8,
    /// Legacy: the pinned price account; pull: the sponsored price-feed account.
    pub oracle: Pubkey,
    pub feed_id: [u8; 32],
    /// The creator's seed insurance stake, native units.
    pub seed_insurance: u64,
    /// The collateral mint's freeze authority (default when none).
    pub freeze_authority: Pubkey,
}

/// A request was made (PROTOCOL section 6a).
#[event]
#[derive(Debug)]
pub struct RequestCreated {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub request: Pubkey,
    /// `RequestKind`: 0 deposit, 1 withdrawal, 2 trade, 3 margin withdrawal, 4 unstake.
    pub kind: u8,
    /// Unix seconds: the price of this time executes it.
    pub due_time: i64,
    /// Lamports for the executor.
    pub execution_fee: u64,
    /// Tokens (deposit, margin withdrawal) or shares (withdrawal, unstake).
    pub amount: u64,
    pub delta_base: i64,
    /// precision: 1e18
    pub limit_price: u128,
    /// Withdrawal and unstake: value of the shares at request, native units.
    pub value_at_request: u64,
    /// Deposit and withdrawal: the owner's bound on the skew potential's charge net of
    /// its rebate, a share of the amount (precision 1e6; negative: a rebate asked for;
    /// 1e6 or more: none). A trade's limit price bounds its price with the skew charge
    /// included.
    pub max_skew_fee_ratio: i32,
}

/// A request ended without executing: its owner cancelled it before its due time, or
/// a check refused it at the price of its due time (then `error` is the refusal's
/// `HedgeError` code).
#[event]
#[derive(Debug)]
pub struct RequestCancelled {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub kind: u8,
    /// 0 cancelled by its owner, 2 refused at execution (1, cancelled after an
    /// execution window, is no longer used: requests do not expire).
    pub cause: u8,
    /// The refusal's error code (6000 + index of `HedgeError`), or 0.
    pub error: u32,
    /// For a refused withdrawal: the largest amount that could be withdrawn.
    pub largest_allowed: u64,
    pub by: Pubkey,
}

/// `RequestCancelled::cause` values.
pub const CANCELLED_BY_OWNER: u8 = 0;
pub const CANCELLED_REFUSED: u8 = 2;

/// An execution's payment could not be pushed to the destination its owner named (the
/// account was closed, frozen, given away, never created...): it is held for his
/// claim (PROTOCOL section 6a). `tokens` and `shares` are this execution's;
/// `claim_tokens` and `claim_shares` everything the request now holds.
#[event]
#[derive(Debug)]
pub struct PaymentHeld {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub request: Pubkey,
    pub kind: u8,
    pub tokens: u64,
    pub shares: u64,
    pub claim_tokens: u64,
    pub claim_shares: u64,
}

/// An owner took what a request held for him (`request_claim`).
#[event]
#[derive(Debug)]
pub struct PaymentClaimed {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub request: Pubkey,
    pub tokens: u64,
    pub shares: u64,
    /// Whether the request account was closed (nothing pending any more).
    pub closed: bool,
}

/// Someone proved the feed alive during a settlement's wait: the settlement is
/// cancelled (PROTOCOL section 6).
#[event]
#[derive(Debug)]
pub struct SettlementCancelled {
    pub market: Pubkey,
    pub by: Pubkey,
    /// The fresh update's publish time and price (1e18 USD per whole token).
    pub publish_time: i64,
    pub price: u128,
}

#[event]
#[derive(Debug)]
pub struct VaultDeposited {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub executor: Pubkey,
    /// native units
    pub amount: u64,
    /// share units (collateral decimals + 3)
    pub shares: u64,
    /// The execution price. precision: 1e18 USD per whole token
    pub price: u128,
    pub publish_time: i64,
    /// `C` after, native units
    pub collateral: u64,
    /// The skew potential's rise, paid into the skew ledger out of the amount: the
    /// shares are for `amount - skew_fee + skew_rebate`.
    pub skew_fee: u64,
    /// The skew rebate (a share of the potential's fall), out of the skew ledger; it
    /// joins `C` with the amount.
    pub skew_rebate: u64,
    /// Tokens of the request still waiting in escrow for hedge capacity (due again
    /// after the withdrawal delay); `amount` is the part executed now.
    pub waiting: u64,
    /// The skew ledger `K` after, native units (revision 5).
    pub skew_ledger: u64,
    /// Revision 6: what the request paid for its wait since its escrow last changed
    /// (already in `C`): `amount + waiting + wait_charge` is what it held.
    pub wait_charge: u64,
}

/// Revision 6: a deposit request's escrow returned without executing (cancelled by
/// its owner, or refused at execution). A cancellation returns only what the
/// traders' longs do not cover: the rest stays, due again, and executes.
#[event]
#[derive(Debug)]
pub struct DepositReleased {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// Tokens returned, native units.
    pub refunded: u64,
    /// Tokens kept in escrow (covered by longs), native units.
    pub kept: u64,
    /// What the request paid for its wait since its escrow last changed, into `C`.
    pub wait_charge: u64,
    /// The kept part's new due time (0 when nothing is kept).
    pub due_time: i64,
}

#[event]
#[derive(Debug)]
pub struct VaultWithdrawn {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub executor: Pubkey,
    /// Shares burnt now.
    pub shares: u64,
    /// Shares still queued (a new due time when non-zero).
    pub shares_remaining: u64,
    pub value_at_request: u64,
    pub value_now: u64,
    /// native units paid: min(value at request, value now), or the largest amount
    /// that could leave now when that is less.
    pub paid: u64,
    /// The largest amount that could leave the vault now.
    pub largest_now: u64,
    /// precision: 1e18
    pub price: u128,
    pub collateral: u64,
    /// The skew potential's rise, paid into the skew ledger out of the gross
    /// (already off `paid`).
    pub skew_fee: u64,
    /// The skew rebate, out of the skew ledger (already in `paid`).
    pub skew_rebate: u64,
    /// The part of the rise the gross could not pay, left unfunded (revision 5).
    pub skew_unfunded: u64,
    /// The skew ledger `K` after, native units.
    pub skew_ledger: u64,
}

impl RequestCreated {
    /// The event of the request account `r` at `key`, once its fields are set: every
    /// kind's opening emits it from the account, so what it says is what was stored.
    pub fn of(key: Pubkey, r: &crate::state::Request) -> Self {
        RequestCreated {
            market: r.market,
            owner: r.owner,
            request: key,
            kind: r.kind,
            due_time: r.due_time,
            execution_fee: r.execution_fee,
            amount: r.amount,
            delta_base: r.delta_base,
            limit_price: r.limit_price,
            value_at_request: r.value_at_request,
            max_skew_fee_ratio: r.max_skew_fee_ratio,
        }
    }
}

// The events whose fields come from one engine outcome are built here, once, for the
// handlers and for the backtest's simulation (which emits the same events).

impl DepositReleased {
    /// The event of a release the engine computed; `due_time`: the kept part's (0
    /// when nothing is kept).
    pub fn of(
        market: Pubkey,
        owner: Pubkey,
        r: &hedge_engine::market::DepositRelease,
        due_time: i64,
    ) -> DepositReleased {
        DepositReleased {
            market,
            owner,
            refunded: r.refunded,
            kept: r.kept,
            wait_charge: r.wait_charge,
            due_time,
        }
    }
}

/// Emits `event` from a handler whose context is `ctx` (its `event_authority`), as
/// `emit_cpi!` does but with the event's bytes copied whole: `emit_cpi!` builds the
/// instruction data byte by byte through an iterator, about 1,500 CU of an event's
/// 3,300 on SBF (docs/PERFORMANCE.md).
#[macro_export]
macro_rules! emit_event {
    ($ctx:ident, $event:expr) => {
        $crate::events::emit_one($ctx.accounts.event_authority.as_ref(), &$event)?
    };
}

/// Emits one event (`Queue::emit`).
pub fn emit_one<E: anchor_lang::Event>(authority: &AccountInfo, event: &E) -> Result<()> {
    let mut q = Queue::default();
    q.push(event);
    q.emit(authority)
}

/// Events waiting to be emitted, in order, once an instruction's token movements are
/// done (`Queue::emit`): one queue for every handler, so the lifecycle
/// (`requests::execute`) emits what each kind adds.
/// Each entry is the self-CPI's whole instruction data (Anchor's event tag, the
/// event's discriminator, its Borsh bytes), written once.
#[derive(Default)]
pub struct Queue(Vec<Vec<u8>>);

impl Queue {
    pub fn push<E: anchor_lang::Event>(&mut self, event: &E) {
        let mut data = Vec::with_capacity(256);
        data.extend_from_slice(anchor_lang::event::EVENT_IX_TAG_LE);
        data.extend_from_slice(E::DISCRIMINATOR);
        // Writing into a `Vec` cannot fail (what `Event::data` assumes too).
        let _ = event.serialize(&mut data);
        self.0.push(data);
    }

    pub fn push_opt<E: anchor_lang::Event>(&mut self, event: Option<&E>) {
        if let Some(e) = event {
            self.push(e);
        }
    }

    /// Emits every queued event as `emit_cpi!` does: a self-CPI carrying Anchor's
    /// event tag and the event, signed by the event authority (`authority`, the
    /// instruction's `event_authority` account).
    pub fn emit(self, authority: &AccountInfo) -> Result<()> {
        use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
        for data in self.0 {
            let ix = Instruction {
                program_id: crate::ID,
                accounts: vec![AccountMeta::new_readonly(*authority.key, true)],
                data,
            };
            crate::token_util::invoke(
                &ix,
                core::slice::from_ref(authority),
                &[&[b"__event_authority", &[crate::EVENT_AUTHORITY_AND_BUMP.1]]],
            )?;
        }
        Ok(())
    }
}
