//! A pending request (PROTOCOL section 6a): a deposit, withdrawal, trade, margin
//! withdrawal or unstake waiting for its due time. One per owner, market and kind
//! (PDA `[REQUEST_SEED, market, owner, [kind]]`). The account holds its rent plus the
//! execution fee (lamports) the owner set aside for whoever executes it, and, after
//! an execution whose destination could not take a payment, that payment's claim
//! until its owner takes it (`request_claim`).

use anchor_lang::prelude::*;
use hedge_engine::requests::RequestKind;

use crate::error::HedgeError;

/// Byte offsets for `getProgramAccounts` filters (after the 8-byte discriminator):
/// `market` at 8, `owner` at 40, `kind` at 72.
#[account]
#[derive(InitSpace, Debug)]
pub struct Request {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// `RequestKind` discriminant.
    pub kind: u8,
    pub bump: u8,
    pub version: u8,
    /// Unix seconds; zero while the account holds no request.
    pub created_at: i64,
    /// Unix seconds: the price of this time (the first published at or after it)
    /// executes the request.
    pub due_time: i64,
    /// Lamports set aside for the executor (zero once paid).
    pub execution_fee: u64,
    /// Deposit: tokens escrowed. Withdrawal and unstake: shares locked. Margin
    /// withdrawal: tokens asked for. Native units.
    pub amount: u64,
    /// Trade: signed change of base, native units.
    pub delta_base: i64,
    /// Trade: worst acceptable fill, 1e18 USD per whole token; zero for none.
    pub limit_price: u128,
    /// Deposit: the depositor's minimum hedge ratio after the deposit. precision: 1e6
    pub min_hedge_ratio: u32,
    /// Withdrawal and unstake: value of the locked shares at request, native units.
    pub value_at_request: u64,
    /// Where the request's tokens are paid (a deposit's refund, a withdrawal's,
    /// margin withdrawal's or unstake's payout), named by the owner at request: a
    /// collateral token account of his. Default for a trade.
    pub token_destination: Pubkey,
    /// Where the request's shares are paid (a deposit's shares, a refused
    /// withdrawal's shares back). Default for other kinds.
    pub share_destination: Pubkey,
    /// Tokens held for the owner's claim: payments whose destination could not take
    /// them at execution (PROTOCOL section 6a).
    pub claim_tokens: u64,
    /// Shares held for the owner's claim.
    pub claim_shares: u64,
    /// Deposit: its rest is waiting for hedge capacity (counted in the market's
    /// `waiting_deposits`).
    pub waiting: bool,
    /// Deposit and withdrawal: the owner's bound on the skew potential's charge net of
    /// its rebate (`fee - rebate`), a share of what executes (precision 1e6; negative:
    /// a rebate asked for; 1e6 or more: none); above it the execution is refused
    /// (`SkewFeeAboveLimit`) and the request cancelled, its tokens or shares returned
    /// (PROTOCOL section 4, revision 5).
    pub max_skew_fee_ratio: i32,
    /// Withdrawal (revision 6): the price its value at request was taken at (the
    /// middle of the band; the value itself is at the band's edge), 1e18 USD per whole
    /// token: the lower of the two values is then compared in USD.
    pub price_at_request: u128,
    /// Deposit (revision 6): the market's `wait_index` when its escrow last changed;
    /// what it owes for its wait is booked from there.
    pub wait_since: u64,
    pub reserved: [u8; 3],
}

/// Offset of `market` in a request account, for memcmp filters.
pub const REQUEST_MARKET_OFFSET: usize = 8;
/// Offset of `owner` in a request account, for memcmp filters.
pub const REQUEST_OWNER_OFFSET: usize = 40;

impl Request {
    pub fn kind(&self) -> Result<RequestKind> {
        RequestKind::from_u8(self.kind).ok_or_else(|| error!(HedgeError::WrongRequestKind))
    }

    pub fn is_pending(&self) -> bool {
        self.created_at != 0
    }

    /// Whether the account holds a payment its owner has not claimed.
    pub fn has_claim(&self) -> bool {
        self.claim_tokens != 0 || self.claim_shares != 0
    }
}
