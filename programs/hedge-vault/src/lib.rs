//! Hedge vault: a hedging vault and perpetual market on one SPL token, marked against
//! Pyth. Thin Anchor program: each instruction validates accounts, reads the clock and
//! the oracle once, calls the pure engine (`hedge-engine`), applies the result,
//! transfers tokens and emits an event. Economics: shared/design/PROTOCOL.md;
//! units and rounding: docs/RISK.md.

use anchor_lang::prelude::*;

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod oracle;
pub mod state;
pub mod token_util;
pub mod util;

pub use constants::*;
pub use error::HedgeError;
pub use instructions::*;
pub use state::*;

declare_id!("HedgeVau1t111111111111111111111111111111111");

#[program]
pub mod hedge_vault {
    use super::*;

    /// Creates a market (admin).
    pub fn market_create(ctx: Context<MarketCreate>, args: MarketCreateArgs) -> Result<()> {
        instructions::market_create::handler(ctx, args)
    }

    /// Deposits spot tokens into the hedging vault for shares.
    pub fn vault_deposit(ctx: Context<VaultDeposit>, amount: u64, min_hedge_ratio: u32) -> Result<()> {
        instructions::vault_deposit::handler(ctx, amount, min_hedge_ratio)
    }

    /// Locks shares for withdrawal; pays after the delay.
    pub fn vault_request_withdraw(ctx: Context<VaultRequestWithdraw>, shares: u64) -> Result<()> {
        instructions::vault_request_withdraw::handler(ctx, shares)
    }

    /// Completes a withdrawal after the delay.
    pub fn vault_withdraw(ctx: Context<VaultWithdraw>) -> Result<()> {
        instructions::vault_withdraw::handler(ctx)
    }

    /// Opens a trader position account.
    pub fn position_open(ctx: Context<PositionOpen>) -> Result<()> {
        instructions::position_open::handler(ctx)
    }

    /// Deposits margin.
    pub fn position_deposit(ctx: Context<PositionDeposit>, amount: u64) -> Result<()> {
        instructions::position_deposit::handler(ctx, amount)
    }

    /// Withdraws free margin.
    pub fn position_withdraw(ctx: Context<PositionWithdraw>, amount: u64) -> Result<()> {
        instructions::position_withdraw::handler(ctx, amount)
    }

    /// Trades a signed base delta against the vault.
    pub fn position_trade(ctx: Context<PositionTrade>, args: PositionTradeArgs) -> Result<()> {
        instructions::position_trade::handler(ctx, args)
    }

    /// Closes an empty position and returns its margin and rent.
    pub fn position_close(ctx: Context<PositionClose>) -> Result<()> {
        instructions::position_close::handler(ctx)
    }
}
