//! One builder per instruction for the harness: thin wrappers that take the harness
//! and a user and call the client library's builders (which are built from the
//! program's own `accounts::` and `instruction::` types). `*_accounts` returns the
//! account struct so a test can swap one account by name; [`ix`] turns it into an
//! instruction.

use anchor_lang::prelude::Pubkey;
use hedge_client::ix as cix;
use hedge_client::keys::{self as ckeys, MarketKeys};
use hedge_vault::state::{AdminConfig, MarketParams, OracleConfig};
use hedge_vault::{accounts, constants::PYTH_ORACLE_PROGRAM};
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
pub fn withdraw_pda(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    ckeys::withdraw_request(market, owner)
}
pub fn stake_pda(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    ckeys::stake(market, owner)
}

pub fn market_create_accounts(h: &Harness) -> accounts::MarketCreate {
    market_create_accounts_for(h, &h.mint)
}

pub fn market_create_accounts_for(h: &Harness, mint: &Pubkey) -> accounts::MarketCreate {
    cix::market_create_accounts(
        &MarketKeys::new(*mint, h.admin.pubkey(), h.oracle),
        &h.admin.pubkey(),
    )
}

pub fn market_create_args(
    h: &Harness,
    params: MarketParams,
    oracle_config: OracleConfig,
) -> hedge_vault::MarketCreateArgs {
    hedge_vault::MarketCreateArgs {
        oracle_kind: h.setup.oracle_kind,
        oracle_program: PYTH_ORACLE_PROGRAM,
        feed_id: h.feed_id,
        oracle_config,
        params,
        admin_config: h.setup.admin_config,
        guardian: h.guardian.pubkey(),
    }
}

pub fn market_create(h: &Harness, params: MarketParams, oracle_config: OracleConfig) -> Instruction {
    cix::market_create(
        &keys(h),
        &h.admin.pubkey(),
        market_create_args(h, params, oracle_config),
    )
}

pub fn vault_deposit_accounts(h: &Harness, u: &User) -> accounts::VaultDeposit {
    cix::vault_deposit_accounts(&keys(h), &u.key(), &u.token, &u.shares)
}
pub fn vault_deposit(h: &Harness, u: &User, amount: u64, min_hedge_ratio: u32) -> Instruction {
    cix::vault_deposit(&keys(h), &u.key(), &u.token, &u.shares, amount, min_hedge_ratio)
}
pub fn vault_request_withdraw_accounts(h: &Harness, u: &User) -> accounts::VaultRequestWithdraw {
    cix::vault_request_withdraw_accounts(&keys(h), &u.key(), &u.shares)
}
pub fn vault_request_withdraw(h: &Harness, u: &User, shares: u64) -> Instruction {
    cix::vault_request_withdraw(&keys(h), &u.key(), &u.shares, shares)
}
pub fn vault_withdraw_accounts(h: &Harness, u: &User) -> accounts::VaultWithdraw {
    cix::vault_withdraw_accounts(&keys(h), &u.key(), &u.token)
}
pub fn vault_withdraw(h: &Harness, u: &User) -> Instruction {
    cix::vault_withdraw(&keys(h), &u.key(), &u.token)
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
pub fn position_withdraw_accounts(h: &Harness, u: &User) -> accounts::PositionWithdraw {
    cix::position_withdraw_accounts(&keys(h), &u.key(), &u.token)
}
pub fn position_withdraw(h: &Harness, u: &User, amount: u64) -> Instruction {
    cix::position_withdraw(&keys(h), &u.key(), &u.token, amount)
}
pub fn position_trade_accounts(h: &Harness, u: &User) -> accounts::PositionTrade {
    cix::position_trade_accounts(&keys(h), &u.key())
}
pub fn position_trade(h: &Harness, u: &User, delta_base: i64, limit_price: u128) -> Instruction {
    cix::position_trade(&keys(h), &u.key(), delta_base, limit_price)
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
pub fn position_liquidate_accounts(
    h: &Harness,
    liquidator: &User,
    owner: &Pubkey,
) -> accounts::PositionLiquidate {
    cix::position_liquidate_accounts(
        &keys(h),
        &liquidator.key(),
        &liquidator.token,
        &position_pda(&h.market, owner),
    )
}
pub fn position_liquidate(h: &Harness, liquidator: &User, owner: &Pubkey) -> Instruction {
    cix::position_liquidate(
        &keys(h),
        &liquidator.key(),
        &liquidator.token,
        &position_pda(&h.market, owner),
    )
}
pub fn market_auto_deleverage(h: &Harness, owner: &Pubkey) -> Instruction {
    cix::market_auto_deleverage(&keys(h), &position_pda(&h.market, owner))
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
pub fn market_propose_settlement(h: &Harness, admin: &Pubkey, price: u128) -> Instruction {
    cix::market_propose_settlement(&keys(h), admin, price)
}
pub fn market_apply_proposal(h: &Harness, admin: &Pubkey) -> Instruction {
    cix::market_apply_proposal(&keys(h), admin)
}
pub fn market_cancel_proposal(h: &Harness, admin: &Pubkey) -> Instruction {
    cix::market_cancel_proposal(&keys(h), admin)
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
    cix::insurance_request_unstake(&keys(h), &u.key(), shares)
}
pub fn insurance_unstake(h: &Harness, u: &User) -> Instruction {
    cix::insurance_unstake(&keys(h), &u.key(), &u.token)
}
