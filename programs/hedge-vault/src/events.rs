//! Every state change emits one of these with `emit_cpi!` (observable natively and on
//! chain through the inner instruction). Never change a shipped layout; add `...V2`.

use anchor_lang::prelude::*;

#[event]
#[derive(Debug)]
pub struct MarketCreated {
    pub market: Pubkey,
    pub admin: Pubkey,
    pub collateral_mint: Pubkey,
    pub oracle_kind: u8,
    pub oracle: Pubkey,
    pub feed_id: [u8; 32],
}

#[event]
#[derive(Debug)]
pub struct VaultDeposited {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// native units
    pub amount: u64,
    /// share units (collateral decimals + 3)
    pub shares: u64,
    /// precision: 1e18 USD per whole token
    pub price: u128,
    /// `C` after, native units
    pub collateral: u64,
}

#[event]
#[derive(Debug)]
pub struct VaultWithdrawRequested {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub shares: u64,
    /// native units, at the band edge least favourable to the withdrawer
    pub value_at_request: u64,
    pub requested_at: i64,
}

#[event]
#[derive(Debug)]
pub struct VaultWithdrawn {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub shares: u64,
    pub value_at_request: u64,
    pub value_now: u64,
    /// native units paid: min(value_at_request, value_now)
    pub paid: u64,
    pub collateral: u64,
}

#[event]
#[derive(Debug)]
pub struct PositionOpened {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub position: Pubkey,
}

#[event]
#[derive(Debug)]
pub struct MarginDeposited {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub margin: i64,
}

#[event]
#[derive(Debug)]
pub struct MarginWithdrawn {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    pub margin: i64,
}

#[event]
#[derive(Debug)]
pub struct PositionTraded {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub delta_base: i64,
    pub base_after: i64,
    /// precision: 1e18 USD per whole token
    pub fill_price: u128,
    /// native units, to the trader (negative: to the vault)
    pub realized_pnl: i64,
    pub fee: u64,
    pub insurance_fee: u64,
    pub funding_paid: i64,
    pub reducing: bool,
    pub margin_after: i64,
    pub net_base_after: i128,
    pub collateral_after: u64,
}

#[event]
#[derive(Debug)]
pub struct PositionClosed {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// margin returned, native units
    pub returned: u64,
}

#[event]
#[derive(Debug)]
pub struct FundingUpdated {
    pub market: Pubkey,
    /// precision: 1e27 USD per whole token
    pub index: i128,
    /// precision: 1e12 per day
    pub rate: i64,
    pub charged_seconds: i64,
    pub skipped_seconds: i64,
    /// `N - h*C`, native units
    pub imbalance: i128,
    /// precision: 1e18
    pub price: u128,
}

#[event]
#[derive(Debug)]
pub struct FundingSettled {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// tokens moved from the position to the vault (negative: to the position)
    pub paid: i64,
    pub margin_after: i64,
}

#[event]
#[derive(Debug)]
pub struct PositionLiquidated {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub liquidator: Pubkey,
    pub closed: u64,
    pub base_after: i64,
    /// precision: 1e18
    pub fill_price: u128,
    pub realized_pnl: i64,
    pub liquidator_reward: u64,
    pub insurance_reward: u64,
    pub bad_debt: u64,
    pub margin_after: i64,
    /// Funding settled before liquidating: tokens to the vault (negative: to the
    /// position).
    pub funding_paid: i64,
}

/// Bad debt after a liquidation, and who paid it.
#[event]
#[derive(Debug)]
pub struct BadDebtResolved {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub bad_debt: u64,
    pub insurance_covered: u64,
    /// Loss socialized to vault shareholders (C fell by this much).
    pub socialized: u64,
    pub insurance_after: u64,
    pub collateral_after: u64,
}

#[event]
#[derive(Debug)]
pub struct AutoDeleveraged {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub closed: u64,
    /// precision: 1e18 (the oracle price)
    pub fill_price: u128,
    pub realized_pnl: i64,
    pub reduce_only_after: bool,
    /// Funding settled first: tokens to the vault.
    pub funding_paid: i64,
}

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
pub struct InsuranceUnstakeRequested {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub shares: u64,
    pub value_at_request: u64,
}

#[event]
#[derive(Debug)]
pub struct InsuranceUnstaked {
    pub market: Pubkey,
    pub owner: Pubkey,
    pub shares: u64,
    pub value_at_request: u64,
    pub value_now: u64,
    pub paid: u64,
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
