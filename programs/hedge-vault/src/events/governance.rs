//! The events of the insurance fund and of governance (re-exported by
//! `crate::events`).

use anchor_lang::prelude::*;

#[event]
#[derive(Debug)]
pub struct InsuranceDeposited {
    pub market: Pubkey,
    pub depositor: Pubkey,
    pub amount: u64,
    pub insurance_after: u64,
}

#[event]
#[derive(Debug)]
pub struct InsuranceStaked {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub shares: u64,
    pub insurance_after: u64,
}

#[event]
#[derive(Debug)]
pub struct InsuranceUnstaked {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub executor: Pubkey,
    /// Shares retired now.
    pub shares: u64,
    pub value_at_request: u64,
    /// Value now, on the fund without its locked income.
    pub value_now: u64,
    pub paid: u64,
    /// Shares still queued (due again after the execution delay) because the fund
    /// must keep covering the open interest (revision 5).
    pub shares_remaining: u64,
    /// The most that could leave the fund now.
    pub largest_now: u64,
    /// The fund after, native units.
    pub insurance_after: u64,
}

#[event]
#[derive(Debug)]
pub struct ProposalCreated {
    pub market: Pubkey,
    /// 1 params, 2 settlement
    pub kind: u8,
    pub eta: i64,
}

#[event]
#[derive(Debug)]
pub struct ProposalApplied {
    pub market: Pubkey,
    pub kind: u8,
}

#[event]
#[derive(Debug)]
pub struct ProposalCancelled {
    pub market: Pubkey,
    pub kind: u8,
}

#[event]
#[derive(Debug)]
pub struct PauseSet {
    pub market: Pubkey,
    pub paused: bool,
    pub by: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct GuardianSet {
    pub market: Pubkey,
    pub guardian: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct AdminProposed {
    pub market: Pubkey,
    pub pending_admin: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct AdminAccepted {
    pub market: Pubkey,
    pub admin: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct TimelockLengthened {
    pub market: Pubkey,
    pub timelock_delay: u32,
}
