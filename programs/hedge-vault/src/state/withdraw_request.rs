//! A pending vault withdrawal: shares locked in the escrow until the delay passes.

use anchor_lang::prelude::*;

#[account]
#[derive(InitSpace, Debug)]
pub struct WithdrawRequest {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// Shares locked in the market's escrow; zero when no request is pending.
    pub shares: u64,
    /// Value of the shares at request, native units, at the band edge least
    /// favourable to the withdrawer.
    pub value_at_request: u64,
    pub requested_at: i64,
    pub bump: u8,
    pub reserved: [u8; 32],
}
