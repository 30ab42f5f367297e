//! A trader's position in one market (one PDA per owner and market).

use anchor_lang::prelude::*;
use hedge_engine::position::Position as EnginePosition;

/// Byte offsets for `getProgramAccounts` filters (after the 8-byte discriminator):
/// `market` at 8, `owner` at 40, `base` at 72.
#[account]
#[derive(InitSpace, Debug)]
pub struct Position {
    pub market: Pubkey,
    pub owner: Pubkey,
    /// Signed size, native units (long > 0).
    pub base: i64,
    /// Entry notional. precision: 1e18 USD, sign of `base`
    pub entry_quote: i128,
    /// Margin, native units; negative only as debt awaiting liquidation.
    pub margin: i64,
    /// Funding snapshot `base * index`. precision: 1e18 USD
    pub funding_basis: i128,
    pub bump: u8,
    pub version: u8,
    pub opened_at: i64,
    /// Trade and margin-withdrawal requests pending on this position; it cannot be
    /// closed while any is.
    pub pending_requests: u8,
    /// Revision 6: the market's `wait_gap_index` at the last settlement. precision:
    /// 1e18 tokens per token
    pub gap_snapshot: u64,
    pub reserved: [u8; 55],
}

/// Offset of `market` in a position account, for memcmp filters.
pub const POSITION_MARKET_OFFSET: usize = 8;
/// Offset of `owner` in a position account, for memcmp filters.
pub const POSITION_OWNER_OFFSET: usize = 40;

impl Position {
    pub fn engine(&self) -> EnginePosition {
        EnginePosition {
            base: self.base,
            entry_quote: self.entry_quote,
            margin: self.margin,
            funding_basis: self.funding_basis,
            gap_snapshot: self.gap_snapshot,
        }
    }

    /// One of its requests ended (executed, refused or cancelled).
    pub fn request_ended(&mut self) {
        self.pending_requests = self.pending_requests.saturating_sub(1);
    }

    pub fn set_engine(&mut self, p: &EnginePosition) {
        self.base = p.base;
        self.entry_quote = p.entry_quote;
        self.margin = p.margin;
        self.funding_basis = p.funding_basis;
        self.gap_snapshot = p.gap_snapshot;
    }
}
