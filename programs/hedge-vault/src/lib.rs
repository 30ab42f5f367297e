//! Hedge vault: a hedging vault and perpetual market on one SPL token, marked against
//! Pyth. Thin Anchor program: each instruction validates accounts, reads the clock and
//! the oracle once, calls the pure engine (`hedge-engine`), applies the result,
//! transfers tokens and emits an event. Economics: docs/PROTOCOL.md;
//! units and rounding: docs/RISK.md.

use anchor_lang::prelude::*;

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod market_ops;
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

    /// Settles any position's funding (permissionless).
    pub fn position_settle_funding(ctx: Context<PositionSettleFunding>) -> Result<()> {
        instructions::position_settle_funding::handler(ctx)
    }

    /// Liquidates a position below maintenance margin (permissionless).
    pub fn position_liquidate(ctx: Context<PositionLiquidate>) -> Result<()> {
        instructions::position_liquidate::handler(ctx)
    }

    /// Accrues funding to now (permissionless crank, O(1)).
    pub fn market_update_funding(ctx: Context<MarketUpdateFunding>) -> Result<()> {
        instructions::market_update_funding::handler(ctx)
    }

    /// Closes a profitable position while the vault is below maintenance (permissionless).
    pub fn market_auto_deleverage(ctx: Context<MarketAutoDeleverage>) -> Result<()> {
        instructions::market_auto_deleverage::handler(ctx)
    }

    /// Proposes new parameters behind the timelock (admin).
    pub fn market_propose_params(ctx: Context<MarketAdmin>, args: ProposeParamsArgs) -> Result<()> {
        instructions::admin::propose_params_handler(ctx, args)
    }

    /// Proposes a settlement price for a dead feed behind the timelock (admin).
    pub fn market_propose_settlement(ctx: Context<MarketAdmin>, price: u128) -> Result<()> {
        instructions::admin::propose_settlement_handler(ctx, price)
    }

    /// Applies the pending proposal after the timelock (admin).
    pub fn market_apply_proposal(ctx: Context<MarketAdmin>) -> Result<()> {
        instructions::admin::apply_handler(ctx)
    }

    /// Cancels the pending proposal (admin).
    pub fn market_cancel_proposal(ctx: Context<MarketAdmin>) -> Result<()> {
        instructions::admin::cancel_handler(ctx)
    }

    /// Sets the guardian (admin).
    pub fn market_set_guardian(ctx: Context<MarketAdmin>, guardian: Pubkey) -> Result<()> {
        instructions::admin::set_guardian_handler(ctx, guardian)
    }

    /// Proposes a new admin (admin).
    pub fn market_propose_admin(ctx: Context<MarketAdmin>, new_admin: Pubkey) -> Result<()> {
        instructions::admin::propose_admin_handler(ctx, new_admin)
    }

    /// Accepts the admin role (the proposed admin).
    pub fn market_accept_admin(ctx: Context<MarketAcceptAdmin>) -> Result<()> {
        instructions::admin::accept_admin_handler(ctx)
    }

    /// Pauses (guardian or admin) or unpauses (admin).
    pub fn market_set_pause(ctx: Context<MarketSetPause>, paused: bool) -> Result<()> {
        instructions::admin::set_pause_handler(ctx, paused)
    }

    /// Donates to the insurance fund.
    pub fn insurance_deposit(ctx: Context<InsuranceDeposit>, amount: u64) -> Result<()> {
        instructions::insurance::deposit_handler(ctx, amount)
    }

    /// Stakes into the insurance fund for shares.
    pub fn insurance_stake(ctx: Context<InsuranceStakeAccounts>, amount: u64) -> Result<()> {
        instructions::insurance::stake_handler(ctx, amount)
    }

    /// Locks insurance shares to leave after the cooldown.
    pub fn insurance_request_unstake(ctx: Context<InsuranceRequestUnstake>, shares: u64) -> Result<()> {
        instructions::insurance::request_unstake_handler(ctx, shares)
    }

    /// Leaves the insurance fund after the cooldown.
    pub fn insurance_unstake(ctx: Context<InsuranceUnstake>) -> Result<()> {
        instructions::insurance::unstake_handler(ctx)
    }
}
