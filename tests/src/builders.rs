//! One builder per instruction for the harness: thin wrappers that take the harness
//! and a user and call the client library's builders (which are built from the
//! program's own `accounts::` and `instruction::` types). `*_accounts` returns the
//! account struct so a test can swap one account by name; [`ix`] turns it into an
//! instruction.

use anchor_lang::prelude::Pubkey;
use hedge_client::ix as cix;
use hedge_client::keys::{self as ckeys, MarketKeys};
use hedge_engine::requests::RequestKind;
use hedge_vault::accounts;
use hedge_vault::state::{AdminConfig, MarketParams, OracleConfig};
use solana_signer::Signer;

use crate::{Harness, Instruction, User};

pub use hedge_client::ix::build as ix;

/// The harness's market addresses; tests may point `h.market` at another market.
fn keys(h: &Harness) -> MarketKeys {
    if h.market == Pubkey::default() {
        MarketKeys::new(h.mint, h.admin.pubkey(), h.oracle)
    } else {
        MarketKeys::for_market(h.market, h.mint, h.oracle)
    }
}

fn market_keys(market: &Pubkey) -> MarketKeys {
    MarketKeys::for_market(*market, Pubkey::default(), Pubkey::default())
}

pub fn event_authority() -> Pubkey {
    ckeys::event_authority()
}
pub fn market_pda(mint: &Pubkey, creator: &Pubkey) -> Pubkey {
    ckeys::market(mint, creator)
}
pub fn collateral_vault_pda(market: &Pubkey) -> Pubkey {
    market_keys(market).collateral_vault
}
pub fn insurance_vault_pda(market: &Pubkey) -> Pubkey {
    market_keys(market).insurance_vault
}
pub fn share_mint_pda(market: &Pubkey) -> Pubkey {
    market_keys(market).share_mint
}
pub fn share_escrow_pda(market: &Pubkey) -> Pubkey {
    market_keys(market).share_escrow
}
pub fn position_pda(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    ckeys::position(market, owner)
}
pub fn stake_pda(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    ckeys::stake(market, owner)
}

pub fn request_pda(market: &Pubkey, owner: &Pubkey, kind: RequestKind) -> Pubkey {
    ckeys::request(market, owner, kind)
}

pub fn market_create_accounts(h: &Harness) -> accounts::MarketCreate {
    market_create_accounts_for(h, &h.mint)
}

pub fn market_create_accounts_for(h: &Harness, mint: &Pubkey) -> accounts::MarketCreate {
    cix::market_create_accounts(
        &MarketKeys::new(*mint, h.admin.pubkey(), h.oracle),
        &h.admin.pubkey(),
        &h.admin_token,
    )
}

pub fn market_create_args(
    h: &Harness,
    params: MarketParams,
    oracle_config: OracleConfig,
) -> hedge_vault::MarketCreateArgs {
    hedge_vault::MarketCreateArgs {
        oracle_kind: h.setup.oracle_kind,
        feed_id: h.feed_id,
        oracle_config,
        params,
        admin_config: h.setup.admin_config,
        guardian: h.guardian.pubkey(),
        seed_insurance: h.setup.seed_insurance,
        accept_freeze_authority: h.setup.accept_freeze_authority,
    }
}

pub fn market_create(h: &Harness, params: MarketParams, oracle_config: OracleConfig) -> Instruction {
    cix::market_create(
        &keys(h),
        &h.admin.pubkey(),
        &h.admin_token,
        market_create_args(h, params, oracle_config),
    )
}

/// The owner's accounts an execution pays into or refunds to.
pub fn owner_accounts(u: &User) -> cix::OwnerAccounts {
    cix::OwnerAccounts {
        owner: u.key(),
        token: u.token,
        shares: u.shares,
    }
}

/// The execution of `u`'s request of `kind` by the harness's keeper at `oracle`.
pub fn execute(h: &Harness, kind: RequestKind, u: &User, oracle: &Pubkey) -> Instruction {
    execute_by(h, kind, u, oracle, &h.keeper.key())
}

/// The execution of `u`'s request of `kind` by `executor` (who signs) at `oracle`.
pub fn execute_by(
    h: &Harness,
    kind: RequestKind,
    u: &User,
    oracle: &Pubkey,
    executor: &Pubkey,
) -> Instruction {
    let k = keys(h);
    let executor = *executor;
    let o = owner_accounts(u);
    match kind {
        RequestKind::Deposit => cix::vault_execute_deposit(&k, &executor, &o, oracle),
        RequestKind::Withdraw => cix::vault_execute_withdraw(&k, &executor, &o, oracle),
        RequestKind::Trade => cix::position_execute_trade(&k, &executor, &o.owner, oracle),
        RequestKind::MarginWithdraw => {
            cix::position_execute_withdraw(&k, &executor, &o.owner, &o.token, oracle)
        }
        RequestKind::Unstake => cix::insurance_execute_unstake(&k, &executor, &o.owner, &o.token),
    }
}

/// The cancellation of `u`'s request of `kind` by `u` (its owner signs).
pub fn cancel(h: &Harness, kind: RequestKind, u: &User) -> Instruction {
    let k = keys(h);
    let o = owner_accounts(u);
    match kind {
        RequestKind::Deposit => cix::vault_cancel_deposit(&k, &o.owner, &o.token),
        RequestKind::Withdraw => cix::vault_cancel_withdraw(&k, &o.owner, &o.shares),
        RequestKind::Trade | RequestKind::MarginWithdraw => cix::position_cancel_request(&k, &o.owner, kind),
        RequestKind::Unstake => cix::insurance_cancel_unstake(&k, &o.owner),
    }
}

/// `u`'s claim of what its request account of `kind` holds, into its token and share
/// accounts.
pub fn request_claim(h: &Harness, u: &User, kind: RequestKind) -> Instruction {
    cix::request_claim(&keys(h), &u.key(), kind, Some(u.token), Some(u.shares))
}

pub fn vault_request_deposit_accounts(h: &Harness, u: &User) -> accounts::VaultRequestDeposit {
    cix::vault_request_deposit_accounts(&keys(h), &owner_accounts(u))
}
pub fn vault_request_deposit(h: &Harness, u: &User, amount: u64, min_hedge_ratio: u32) -> Instruction {
    cix::vault_request_deposit(&keys(h), &owner_accounts(u), amount, min_hedge_ratio)
}
pub fn vault_execute_deposit_accounts(
    h: &Harness,
    u: &User,
    oracle: &Pubkey,
) -> accounts::VaultExecuteDeposit {
    cix::vault_execute_deposit_accounts(&keys(h), &h.keeper.key(), &owner_accounts(u), oracle)
}
pub fn vault_request_withdraw_accounts(h: &Harness, u: &User) -> accounts::VaultRequestWithdraw {
    cix::vault_request_withdraw_accounts(&keys(h), &owner_accounts(u))
}
pub fn vault_request_withdraw(h: &Harness, u: &User, shares: u64) -> Instruction {
    cix::vault_request_withdraw(&keys(h), &owner_accounts(u), shares)
}
pub fn vault_execute_withdraw_accounts(
    h: &Harness,
    u: &User,
    oracle: &Pubkey,
) -> accounts::VaultExecuteWithdraw {
    cix::vault_execute_withdraw_accounts(&keys(h), &h.keeper.key(), &owner_accounts(u), oracle)
}
pub fn position_open(h: &Harness, u: &User) -> Instruction {
    cix::position_open(&keys(h), &u.key())
}
pub fn position_deposit_accounts(h: &Harness, u: &User) -> accounts::PositionDeposit {
    cix::position_deposit_accounts(&keys(h), &u.key(), &u.token)
}
pub fn position_deposit(h: &Harness, u: &User, amount: u64) -> Instruction {
    cix::position_deposit(&keys(h), &u.key(), &u.token, amount)
}
pub fn position_request_withdraw(h: &Harness, u: &User, amount: u64) -> Instruction {
    cix::position_request_withdraw(&keys(h), &u.key(), &u.token, amount)
}
pub fn position_request_trade_accounts(h: &Harness, u: &User) -> accounts::PositionRequestTrade {
    cix::position_request_trade_accounts(&keys(h), &u.key())
}
pub fn position_request_trade(h: &Harness, u: &User, delta_base: i64, limit_price: u128) -> Instruction {
    cix::position_request_trade(&keys(h), &u.key(), delta_base, limit_price)
}
pub fn position_execute_trade_accounts(
    h: &Harness,
    u: &User,
    oracle: &Pubkey,
) -> accounts::PositionExecuteTrade {
    cix::position_execute_trade_accounts(&keys(h), &h.keeper.key(), &u.key(), oracle)
}
pub fn position_close_accounts(h: &Harness, u: &User) -> accounts::PositionClose {
    cix::position_close_accounts(&keys(h), &u.key(), &u.token)
}
pub fn position_close(h: &Harness, u: &User) -> Instruction {
    cix::position_close(&keys(h), &u.key(), &u.token)
}
pub fn market_update_funding(h: &Harness) -> Instruction {
    cix::market_update_funding(&keys(h))
}
pub fn position_settle_funding(h: &Harness, owner: &Pubkey) -> Instruction {
    cix::position_settle_funding(&keys(h), &position_pda(&h.market, owner))
}
/// Liquidation of `owner`'s position at the harness's price account, confirmed by
/// `confirm` ([`Harness::confirmation`]).
pub fn position_liquidate_accounts(
    h: &Harness,
    liquidator: &User,
    owner: &Pubkey,
    confirm: &Pubkey,
) -> accounts::PositionLiquidate {
    cix::position_liquidate_accounts(
        &keys(h),
        &liquidator.key(),
        &liquidator.token,
        &position_pda(&h.market, owner),
        confirm,
    )
}
pub fn position_liquidate(h: &Harness, liquidator: &User, owner: &Pubkey, confirm: &Pubkey) -> Instruction {
    cix::position_liquidate(
        &keys(h),
        &liquidator.key(),
        &liquidator.token,
        &position_pda(&h.market, owner),
        confirm,
    )
}
pub fn market_auto_deleverage(h: &Harness, owner: &Pubkey, confirm: &Pubkey) -> Instruction {
    cix::market_auto_deleverage(&keys(h), &position_pda(&h.market, owner), confirm)
}
pub fn market_prove_feed_alive(h: &Harness, signer: &Pubkey, oracle: &Pubkey) -> Instruction {
    cix::market_prove_feed_alive(&keys(h), signer, oracle)
}
pub fn market_propose_params(
    h: &Harness,
    admin: &Pubkey,
    params: MarketParams,
    oracle_config: OracleConfig,
    admin_config: AdminConfig,
) -> Instruction {
    cix::market_propose_params(&keys(h), admin, params, oracle_config, admin_config)
}
pub fn market_propose_settlement(h: &Harness, admin: &Pubkey) -> Instruction {
    cix::market_propose_settlement(&keys(h), admin, &h.oracle)
}
pub fn market_apply_proposal(h: &Harness, admin: &Pubkey) -> Instruction {
    cix::market_apply_proposal(&keys(h), admin, &h.oracle)
}
pub fn market_cancel_proposal(h: &Harness, admin: &Pubkey) -> Instruction {
    cix::market_cancel_proposal(&keys(h), admin)
}
pub fn market_lengthen_timelock(h: &Harness, admin: &Pubkey, delay: u32) -> Instruction {
    cix::market_lengthen_timelock(&keys(h), admin, delay)
}
pub fn market_set_guardian(h: &Harness, admin: &Pubkey, guardian: Pubkey) -> Instruction {
    cix::market_set_guardian(&keys(h), admin, guardian)
}
pub fn market_propose_admin(h: &Harness, admin: &Pubkey, new_admin: Pubkey) -> Instruction {
    cix::market_propose_admin(&keys(h), admin, new_admin)
}
pub fn market_accept_admin(h: &Harness, new_admin: &Pubkey) -> Instruction {
    cix::market_accept_admin(&keys(h), new_admin)
}
pub fn market_set_pause(h: &Harness, authority: &Pubkey, paused: bool) -> Instruction {
    cix::market_set_pause(&keys(h), authority, paused)
}
pub fn insurance_deposit(h: &Harness, u: &User, amount: u64) -> Instruction {
    cix::insurance_deposit(&keys(h), &u.key(), &u.token, amount)
}
pub fn insurance_stake(h: &Harness, u: &User, amount: u64) -> Instruction {
    cix::insurance_stake(&keys(h), &u.key(), &u.token, amount)
}
pub fn insurance_request_unstake(h: &Harness, u: &User, shares: u64) -> Instruction {
    cix::insurance_request_unstake(&keys(h), &u.key(), &u.token, shares)
}
