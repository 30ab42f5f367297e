//! An insurance fund staker's shares and pending unstake (one PDA per owner and
//! market).

use anchor_lang::prelude::*;

#[account]
#[derive(InitSpace, Debug)]
pub struct InsuranceStake {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// Shares held (not counting those pending unstake).
    pub shares: u64,
    /// Shares locked by a pending unstake request; zero when none.
    pub pending_shares: u64,
    /// Value of the pending shares at request, native units.
    pub pending_value: u64,
    pub requested_at: i64,
    pub bump: u8,
    pub reserved: [u8; 32],
}
