//! Market instructions: creation, funding, deleveraging, administration.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token::spl_token;
use hedge_vault::state::{AdminConfig, MarketParams, OracleConfig};
use hedge_vault::{accounts, instruction};

use super::{build, SYSTEM};
use crate::keys::{self, event_authority, MarketKeys};

/// `market_create`: `admin_token` pays the seed insurance stake.
pub fn market_create_accounts(
    k: &MarketKeys,
    admin: &Pubkey,
    admin_token: &Pubkey,
) -> accounts::MarketCreate {
    accounts::MarketCreate {
        creator: *admin,
        collateral_mint: k.mint,
        market: k.market,
        collateral_vault: k.collateral_vault,
        insurance_vault: k.insurance_vault,
        share_mint: k.share_mint,
        share_escrow: k.share_escrow,
        oracle: k.oracle,
        creator_token: *admin_token,
        creator_stake: keys::stake(&k.market, admin),
        token_program: spl_token::ID,
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn market_create(
    k: &MarketKeys,
    admin: &Pubkey,
    admin_token: &Pubkey,
    args: hedge_vault::MarketCreateArgs,
) -> Instruction {
    build(
        market_create_accounts(k, admin, admin_token),
        instruction::MarketCreate { args },
    )
}

pub fn market_update_funding_accounts(k: &MarketKeys) -> accounts::MarketUpdateFunding {
    accounts::MarketUpdateFunding {
        market: k.market,
        oracle: k.oracle,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn market_update_funding(k: &MarketKeys) -> Instruction {
    build(
        market_update_funding_accounts(k),
        instruction::MarketUpdateFunding {},
    )
}

/// Auto-deleveraging of `position` at `k.oracle`'s price, confirmed by `confirm`
/// (a pull market: the unique update `liquidation_confirmation` seconds earlier; a
/// legacy one: the pinned account again).
pub fn market_auto_deleverage_accounts(
    k: &MarketKeys,
    position: &Pubkey,
    confirm: &Pubkey,
) -> accounts::MarketAutoDeleverage {
    accounts::MarketAutoDeleverage {
        market: k.market,
        position: *position,
        oracle: k.oracle,
        oracle_confirm: *confirm,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn market_auto_deleverage(k: &MarketKeys, position: &Pubkey, confirm: &Pubkey) -> Instruction {
    build(
        market_auto_deleverage_accounts(k, position, confirm),
        instruction::MarketAutoDeleverage {},
    )
}

pub fn admin_accounts(k: &MarketKeys, admin: &Pubkey) -> accounts::MarketAdmin {
    accounts::MarketAdmin {
        admin: *admin,
        market: k.market,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

/// Admin instructions that read the oracle: `oracle` is a live price for
/// `market_apply_proposal`, or the market's pinned price account for a settlement.
pub fn admin_oracle_accounts(k: &MarketKeys, admin: &Pubkey, oracle: &Pubkey) -> accounts::MarketAdminOracle {
    accounts::MarketAdminOracle {
        admin: *admin,
        market: k.market,
        oracle: *oracle,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn market_propose_params(
    k: &MarketKeys,
    admin: &Pubkey,
    params: MarketParams,
    oracle_config: OracleConfig,
    admin_config: AdminConfig,
) -> Instruction {
    build(
        admin_accounts(k, admin),
        instruction::MarketProposeParams {
            args: hedge_vault::ProposeParamsArgs {
                params,
                oracle_config,
                admin_config,
            },
        },
    )
}

pub fn market_propose_settlement(k: &MarketKeys, admin: &Pubkey, pinned_oracle: &Pubkey) -> Instruction {
    build(
        admin_oracle_accounts(k, admin, pinned_oracle),
        instruction::MarketProposeSettlement {},
    )
}

pub fn market_apply_proposal(k: &MarketKeys, admin: &Pubkey, oracle: &Pubkey) -> Instruction {
    build(
        admin_oracle_accounts(k, admin, oracle),
        instruction::MarketApplyProposal {},
    )
}

pub fn market_cancel_proposal(k: &MarketKeys, admin: &Pubkey) -> Instruction {
    build(admin_accounts(k, admin), instruction::MarketCancelProposal {})
}

pub fn market_lengthen_timelock(k: &MarketKeys, admin: &Pubkey, timelock_delay: u32) -> Instruction {
    build(
        admin_accounts(k, admin),
        instruction::MarketLengthenTimelock { timelock_delay },
    )
}

pub fn market_set_guardian(k: &MarketKeys, admin: &Pubkey, guardian: Pubkey) -> Instruction {
    build(
        admin_accounts(k, admin),
        instruction::MarketSetGuardian { guardian },
    )
}

pub fn market_propose_admin(k: &MarketKeys, admin: &Pubkey, new_admin: Pubkey) -> Instruction {
    build(
        admin_accounts(k, admin),
        instruction::MarketProposeAdmin { new_admin },
    )
}

pub fn market_accept_admin_accounts(k: &MarketKeys, new_admin: &Pubkey) -> accounts::MarketAcceptAdmin {
    accounts::MarketAcceptAdmin {
        new_admin: *new_admin,
        market: k.market,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn market_accept_admin(k: &MarketKeys, new_admin: &Pubkey) -> Instruction {
    build(
        market_accept_admin_accounts(k, new_admin),
        instruction::MarketAcceptAdmin {},
    )
}

pub fn market_set_pause_accounts(k: &MarketKeys, authority: &Pubkey) -> accounts::MarketSetPause {
    accounts::MarketSetPause {
        authority: *authority,
        market: k.market,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn market_set_pause(k: &MarketKeys, authority: &Pubkey, paused: bool) -> Instruction {
    build(
        market_set_pause_accounts(k, authority),
        instruction::MarketSetPause { paused },
    )
}

pub fn market_prove_feed_alive_accounts(
    k: &MarketKeys,
    signer: &Pubkey,
    oracle: &Pubkey,
) -> accounts::MarketProveFeedAlive {
    accounts::MarketProveFeedAlive {
        signer: *signer,
        market: k.market,
        oracle: *oracle,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

/// Proves the feed alive with `oracle` (any fresh, fully verified update of the feed;
/// legacy: the pinned account), cancelling a pending settlement.
pub fn market_prove_feed_alive(k: &MarketKeys, signer: &Pubkey, oracle: &Pubkey) -> Instruction {
    build(
        market_prove_feed_alive_accounts(k, signer, oracle),
        instruction::MarketProveFeedAlive {},
    )
}
