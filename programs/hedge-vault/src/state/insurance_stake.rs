//! An insurance fund staker's shares (one PDA per owner and market). Shares being
//! unstaked move into the owner's unstake request until it executes or is cancelled.

use anchor_lang::prelude::*;

#[account]
#[derive(InitSpace, Debug)]
pub struct Stake {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// Shares held (not counting those in a pending unstake request).
    pub shares: u64,
    pub bump: u8,
    pub reserved: [u8; 48],
}
