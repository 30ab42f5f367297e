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
