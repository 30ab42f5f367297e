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
/// `market` at 8, `owner` at 40. Stored as its bytes (`zero_copy`, `repr(C)`, every
/// field at its natural alignment, the 16-byte values at multiples of 16, explicit
/// padding: the same layout on the host and on SBF), like the market: `Account<Request>`
/// copies it in and out whole instead of Borsh field by field (about 600 CU of every
/// request, execution and cancellation on SBF).
#[zero_copy]
#[derive(InitSpace, Debug)]
pub struct Request {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// Trade: worst acceptable fill, 1e18 USD per whole token; zero for none.
    pub limit_price: u128,
    /// Withdrawal (revision 6): the price its value at request was taken at (the
    /// middle of the band; the value itself is at the band's edge), 1e18 USD per whole
    /// token: the lower of the two values is then compared in USD.
    pub price_at_request: u128,
    /// Where the request's tokens are paid (a deposit's refund, a withdrawal's,
    /// margin withdrawal's or unstake's payout), named by the owner at request: a
    /// collateral token account of his. Default for a trade.
    pub token_destination: Pubkey,
    /// Where the request's shares are paid (a deposit's shares, a refused
    /// withdrawal's shares back). Default for other kinds.
    pub share_destination: Pubkey,
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
    /// Withdrawal and unstake: value of the locked shares at request, native units.
    pub value_at_request: u64,
    /// Tokens held for the owner's claim: payments whose destination could not take
    /// them at execution (PROTOCOL section 6a).
    pub claim_tokens: u64,
    /// Shares held for the owner's claim.
    pub claim_shares: u64,
    /// Deposit (revision 6): the market's `wait_index` when its escrow last changed;
    /// what it owes for its wait is booked from there.
    pub wait_since: u64,
    /// Deposit: the depositor's minimum hedge ratio after the deposit. precision: 1e6
    pub min_hedge_ratio: u32,
    /// Deposit and withdrawal: the owner's bound on the skew potential's charge net of
    /// its rebate (`fee - rebate`), a share of what executes (precision 1e6; negative:
    /// a rebate asked for; 1e6 or more: none); above it the execution is refused
    /// (`SkewFeeAboveLimit`) and the request cancelled, its tokens or shares returned
    /// (PROTOCOL section 4, revision 5).
    pub max_skew_fee_ratio: i32,
    /// `RequestKind` discriminant.
    pub kind: u8,
    pub bump: u8,
    pub version: u8,
    /// Deposit: its rest is waiting for hedge capacity (counted in the market's
    /// `waiting_deposits`).
    /// (1: yes, 0: no; `Request::is_waiting`.)
    pub waiting: u8,
    /// Zero: makes the size a multiple of 16.
    pub reserved: [u8; 12],
}

zero_copy_account!(Request, "Request", [125, 172, 150, 161, 162, 115, 39, 71]);

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

    /// A deposit waiting for hedge capacity (PROTOCOL section 3).
    pub fn is_waiting(&self) -> bool {
        self.waiting != 0
    }

    /// Whether the account holds a payment its owner has not claimed.
    pub fn has_claim(&self) -> bool {
        self.claim_tokens != 0 || self.claim_shares != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_discriminator_is_anchors_name_for_the_account() {
        use sha2::Digest;
        let h = sha2::Sha256::digest(b"account:Request");
        assert_eq!(Request::DISCRIMINATOR, &h[..8]);
        assert_eq!(core::mem::offset_of!(Request, market) + 8, REQUEST_MARKET_OFFSET);
        assert_eq!(core::mem::offset_of!(Request, owner) + 8, REQUEST_OWNER_OFFSET);
    }

    #[test]
    fn an_account_of_another_size_is_an_error_not_a_panic() {
        let mut ok = Request::DISCRIMINATOR.to_vec();
        ok.extend(std::iter::repeat_n(0u8, core::mem::size_of::<Request>()));
        assert!(Request::try_deserialize(&mut ok.as_slice()).is_ok());
        for len in [
            247,
            core::mem::size_of::<Request>() - 1,
            core::mem::size_of::<Request>() + 1,
        ] {
            let mut data = Request::DISCRIMINATOR.to_vec();
            data.extend(std::iter::repeat_n(0u8, len));
            assert!(Request::try_deserialize(&mut data.as_slice()).is_err(), "{len}");
        }
    }
}
