//! Hedge vault: a hedging vault and perpetual market on one SPL token, marked against
//! Pyth. Thin Anchor program: each instruction validates accounts, reads the clock and
//! the oracle once, calls the pure engine (`hedge-engine`), applies the result,
//! transfers tokens and emits an event. Economics: docs/PROTOCOL.md;
//! units and rounding: docs/RISK.md; attack classes and their tests: docs/SECURITY.md.

use anchor_lang::prelude::*;

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
pub mod invariant;
pub mod market_ops;
pub mod oracle;
pub mod requests;
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

    /// Creates a market and stakes the creator's seed insurance; the creator becomes
    /// its admin.
    pub fn market_create(ctx: Context<MarketCreate>, args: MarketCreateArgs) -> Result<()> {
        instructions::market_create::handler(ctx, args)
    }

    /// Requests a deposit: the tokens go into escrow until the due time.
    pub fn vault_request_deposit(
        ctx: Context<VaultRequestDeposit>,
        amount: u64,
        min_hedge_ratio: u32,
        max_skew_fee_ratio: i32,
    ) -> Result<()> {
        instructions::vault_request_deposit::handler(ctx, amount, min_hedge_ratio, max_skew_fee_ratio)
    }

    /// Executes a due deposit at the price of its due time (anyone).
    pub fn vault_execute_deposit(ctx: Context<VaultExecuteDeposit>) -> Result<()> {
        instructions::vault_execute_deposit::handler(ctx)
    }

    /// Cancels a deposit request (its owner, before the due time).
    pub fn vault_cancel_deposit(ctx: Context<VaultCancelDeposit>) -> Result<()> {
        instructions::vault_cancel_deposit::handler(ctx)
    }

    /// Requests a withdrawal: locks the shares and records their value.
    pub fn vault_request_withdraw(
        ctx: Context<VaultRequestWithdraw>,
        shares: u64,
        max_skew_fee_ratio: i32,
    ) -> Result<()> {
        instructions::vault_request_withdraw::handler(ctx, shares, max_skew_fee_ratio)
    }

    /// Executes a due withdrawal at the price of its due time (anyone); what does not
    /// fit the limit stays queued.
    pub fn vault_execute_withdraw(ctx: Context<VaultExecuteWithdraw>) -> Result<()> {
        instructions::vault_execute_withdraw::handler(ctx)
    }

    /// Cancels a withdrawal request (its owner, before the due time).
    pub fn vault_cancel_withdraw(ctx: Context<VaultCancelWithdraw>) -> Result<()> {
        instructions::vault_cancel_withdraw::handler(ctx)
    }

    /// Opens a trader position account.
    pub fn position_open(ctx: Context<PositionOpen>) -> Result<()> {
        instructions::position_open::handler(ctx)
    }

    /// Deposits margin.
    pub fn position_deposit(ctx: Context<PositionDeposit>, amount: u64) -> Result<()> {
        instructions::position_deposit::handler(ctx, amount)
    }

    /// Requests a margin withdrawal.
    pub fn position_request_withdraw(ctx: Context<PositionRequestWithdraw>, amount: u64) -> Result<()> {
        instructions::position_request_withdraw::handler(ctx, amount)
    }

    /// Executes a due margin withdrawal at the price of its due time (anyone).
    pub fn position_execute_withdraw(ctx: Context<PositionExecuteWithdraw>) -> Result<()> {
        instructions::position_execute_withdraw::handler(ctx)
    }

    /// Requests a trade of a signed base delta with a limit price (an order).
    pub fn position_request_trade(ctx: Context<PositionRequestTrade>, args: PositionTradeArgs) -> Result<()> {
        instructions::position_request_trade::handler(ctx, args)
    }

    /// Executes a due order at the price of its due time (anyone).
    pub fn position_execute_trade(ctx: Context<PositionExecuteTrade>) -> Result<()> {
        instructions::position_execute_trade::handler(ctx)
    }

    /// Cancels an order or margin withdrawal (its owner, before the due time).
    pub fn position_cancel_request(ctx: Context<PositionCancelRequest>) -> Result<()> {
        instructions::position_cancel_request::handler(ctx)
    }

    /// Closes an empty position and returns its margin and rent.
    pub fn position_close(ctx: Context<PositionClose>) -> Result<()> {
        instructions::position_close::handler(ctx)
    }

    /// Settles any position's funding (permissionless).
    pub fn position_settle_funding(ctx: Context<PositionSettleFunding>) -> Result<()> {
        instructions::position_settle_funding::handler(ctx)
    }

    /// Liquidates a position below maintenance margin at a price and at its
    /// confirmation (permissionless, at once).
    pub fn position_liquidate(ctx: Context<PositionLiquidate>) -> Result<()> {
        instructions::position_liquidate::handler(ctx)
    }

    /// Accrues funding to now (permissionless crank, O(1)).
    pub fn market_update_funding(ctx: Context<MarketUpdateFunding>) -> Result<()> {
        instructions::market_update_funding::handler(ctx)
    }

    /// Closes a profitable position on the side of the net while the vault is in
    /// breach (permissionless, at once).
    pub fn market_auto_deleverage(ctx: Context<MarketAutoDeleverage>) -> Result<()> {
        instructions::market_auto_deleverage::handler(ctx)
    }

    /// Proposes new parameters behind the timelock (admin).
    pub fn market_propose_params(ctx: Context<MarketAdmin>, args: ProposeParamsArgs) -> Result<()> {
        instructions::admin::propose_params_handler(ctx, args)
    }

    /// Proposes to settle a dead feed at its own last price, behind the timelock (admin).
    pub fn market_propose_settlement(ctx: Context<MarketAdminOracle>) -> Result<()> {
        instructions::admin::propose_settlement_handler(ctx)
    }

    /// Applies the pending proposal after the timelock, accruing funding first (admin).
    pub fn market_apply_proposal(ctx: Context<MarketAdminOracle>) -> Result<()> {
        instructions::admin::apply_handler(ctx)
    }

    /// Cancels the pending proposal (admin).
    pub fn market_cancel_proposal(ctx: Context<MarketAdmin>) -> Result<()> {
        instructions::admin::cancel_handler(ctx)
    }

    /// Lengthens the timelock delay at once (admin).
    pub fn market_lengthen_timelock(ctx: Context<MarketAdmin>, timelock_delay: u32) -> Result<()> {
        instructions::admin::lengthen_timelock_handler(ctx, timelock_delay)
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

    /// Requests an unstake: locks shares, executable after the cooldown.
    pub fn insurance_request_unstake(ctx: Context<InsuranceRequestUnstake>, shares: u64) -> Result<()> {
        instructions::insurance::request_unstake_handler(ctx, shares)
    }

    /// Executes a due unstake (anyone).
    pub fn insurance_execute_unstake(ctx: Context<InsuranceExecuteUnstake>) -> Result<()> {
        instructions::insurance::execute_unstake_handler(ctx)
    }

    /// Cancels an unstake request (its owner, before the due time).
    pub fn insurance_cancel_unstake(ctx: Context<InsuranceCancelUnstake>) -> Result<()> {
        instructions::insurance::cancel_unstake_handler(ctx)
    }

    /// Takes what a request account holds for its owner (payments an execution could
    /// not push to the destination he named), and closes it if nothing is pending.
    pub fn request_claim(ctx: Context<RequestClaim>) -> Result<()> {
        instructions::request_claim::handler(ctx)
    }

    /// Takes the lamports someone sent to an address of this program before its
    /// account was created there (anyone; to the signer), so the creation can proceed.
    pub fn address_release(ctx: Context<AddressRelease>, seeds: Vec<Vec<u8>>, bump: u8) -> Result<()> {
        instructions::address_release::handler(ctx, seeds, bump)
    }

    /// Proves the feed alive with any fresh update of it (anyone), cancelling a
    /// pending settlement.
    pub fn market_prove_feed_alive(ctx: Context<MarketProveFeedAlive>) -> Result<()> {
        instructions::admin::prove_feed_alive_handler(ctx)
    }
}
