//! Instruction builders from the program's own `accounts::` and `instruction::` types
//! (the program crate with `no-entrypoint`), so they cannot drift from the program.
//! Each `*_accounts` returns the account struct (a caller can swap one account by
//! name); [`build`] turns accounts and data into an instruction.
//!
//! Executions take the price account explicitly: on a pull market it is the update
//! for the request's due time, which differs from request to request.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use hedge_engine::requests::RequestKind;
use hedge_vault::state::{AdminConfig, MarketParams, OracleConfig};
use hedge_vault::{accounts, instruction};

use crate::keys::{self, event_authority, MarketKeys};

const SYSTEM: Pubkey = anchor_lang::solana_program::system_program::ID;

pub fn build<A: ToAccountMetas, D: InstructionData>(accounts: A, data: D) -> Instruction {
    Instruction {
        program_id: hedge_vault::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

fn request(k: &MarketKeys, owner: &Pubkey, kind: RequestKind) -> Pubkey {
    keys::request(&k.market, owner, kind)
}

/// `market_create`: `admin_token` pays the seed insurance stake.
pub fn market_create_accounts(
    k: &MarketKeys,
    admin: &Pubkey,
    admin_token: &Pubkey,
) -> accounts::MarketCreate {
    accounts::MarketCreate {
        admin: *admin,
        collateral_mint: k.mint,
        market: k.market,
        collateral_vault: k.collateral_vault,
        insurance_vault: k.insurance_vault,
        share_mint: k.share_mint,
        share_escrow: k.share_escrow,
        oracle: k.oracle,
        admin_token: *admin_token,
        admin_stake: keys::stake(&k.market, admin),
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

pub fn vault_request_deposit_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::VaultRequestDeposit {
    accounts::VaultRequestDeposit {
        owner: *owner,
        market: k.market,
        request: request(k, owner, RequestKind::Deposit),
        owner_token: *token,
        collateral_vault: k.collateral_vault,
        token_program: spl_token::ID,
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_request_deposit(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
    amount: u64,
    min_hedge_ratio: u32,
) -> Instruction {
    build(
        vault_request_deposit_accounts(k, owner, token),
        instruction::VaultRequestDeposit {
            amount,
            min_hedge_ratio,
        },
    )
}

/// The owner's accounts an execution pays into or refunds to.
#[derive(Clone, Copy, Debug)]
pub struct OwnerAccounts {
    pub owner: Pubkey,
    /// Collateral token account.
    pub token: Pubkey,
    /// Share token account.
    pub shares: Pubkey,
}

pub fn vault_execute_deposit_accounts(
    k: &MarketKeys,
    executor: &Pubkey,
    o: &OwnerAccounts,
    oracle: &Pubkey,
) -> accounts::VaultExecuteDeposit {
    accounts::VaultExecuteDeposit {
        executor: *executor,
        owner: o.owner,
        market: k.market,
        request: request(k, &o.owner, RequestKind::Deposit),
        owner_token: o.token,
        owner_shares: o.shares,
        collateral_vault: k.collateral_vault,
        share_mint: k.share_mint,
        oracle: *oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_execute_deposit(
    k: &MarketKeys,
    executor: &Pubkey,
    o: &OwnerAccounts,
    oracle: &Pubkey,
) -> Instruction {
    build(
        vault_execute_deposit_accounts(k, executor, o, oracle),
        instruction::VaultExecuteDeposit {},
    )
}

pub fn vault_cancel_deposit_accounts(
    k: &MarketKeys,
    signer: &Pubkey,
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::VaultCancelDeposit {
    accounts::VaultCancelDeposit {
        signer: *signer,
        owner: *owner,
        market: k.market,
        request: request(k, owner, RequestKind::Deposit),
        owner_token: *token,
        collateral_vault: k.collateral_vault,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_cancel_deposit(k: &MarketKeys, signer: &Pubkey, owner: &Pubkey, token: &Pubkey) -> Instruction {
    build(
        vault_cancel_deposit_accounts(k, signer, owner, token),
        instruction::VaultCancelDeposit {},
    )
}

pub fn vault_request_withdraw_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    shares: &Pubkey,
) -> accounts::VaultRequestWithdraw {
    accounts::VaultRequestWithdraw {
        owner: *owner,
        market: k.market,
        request: request(k, owner, RequestKind::Withdraw),
        owner_shares: *shares,
        share_escrow: k.share_escrow,
        share_mint: k.share_mint,
        oracle: k.oracle,
        token_program: spl_token::ID,
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_request_withdraw(
    k: &MarketKeys,
    owner: &Pubkey,
    shares_account: &Pubkey,
    shares: u64,
) -> Instruction {
    build(
        vault_request_withdraw_accounts(k, owner, shares_account),
        instruction::VaultRequestWithdraw { shares },
    )
}

pub fn vault_execute_withdraw_accounts(
    k: &MarketKeys,
    executor: &Pubkey,
    o: &OwnerAccounts,
    oracle: &Pubkey,
) -> accounts::VaultExecuteWithdraw {
    accounts::VaultExecuteWithdraw {
        executor: *executor,
        owner: o.owner,
        market: k.market,
        request: request(k, &o.owner, RequestKind::Withdraw),
        owner_token: o.token,
        owner_shares: o.shares,
        collateral_vault: k.collateral_vault,
        share_escrow: k.share_escrow,
        share_mint: k.share_mint,
        oracle: *oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_execute_withdraw(
    k: &MarketKeys,
    executor: &Pubkey,
    o: &OwnerAccounts,
    oracle: &Pubkey,
) -> Instruction {
    build(
        vault_execute_withdraw_accounts(k, executor, o, oracle),
        instruction::VaultExecuteWithdraw {},
    )
}

pub fn vault_cancel_withdraw_accounts(
    k: &MarketKeys,
    signer: &Pubkey,
    owner: &Pubkey,
    shares: &Pubkey,
) -> accounts::VaultCancelWithdraw {
    accounts::VaultCancelWithdraw {
        signer: *signer,
        owner: *owner,
        market: k.market,
        request: request(k, owner, RequestKind::Withdraw),
        owner_shares: *shares,
        share_escrow: k.share_escrow,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_cancel_withdraw(
    k: &MarketKeys,
    signer: &Pubkey,
    owner: &Pubkey,
    shares: &Pubkey,
) -> Instruction {
    build(
        vault_cancel_withdraw_accounts(k, signer, owner, shares),
        instruction::VaultCancelWithdraw {},
    )
}

pub fn position_open_accounts(k: &MarketKeys, owner: &Pubkey) -> accounts::PositionOpen {
    accounts::PositionOpen {
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_open(k: &MarketKeys, owner: &Pubkey) -> Instruction {
    build(position_open_accounts(k, owner), instruction::PositionOpen {})
}

pub fn position_deposit_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::PositionDeposit {
    accounts::PositionDeposit {
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        owner_token: *token,
        collateral_vault: k.collateral_vault,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_deposit(k: &MarketKeys, owner: &Pubkey, token: &Pubkey, amount: u64) -> Instruction {
    build(
        position_deposit_accounts(k, owner, token),
        instruction::PositionDeposit { amount },
    )
}

pub fn position_request_withdraw_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
) -> accounts::PositionRequestWithdraw {
    accounts::PositionRequestWithdraw {
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        request: request(k, owner, RequestKind::MarginWithdraw),
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_request_withdraw(k: &MarketKeys, owner: &Pubkey, amount: u64) -> Instruction {
    build(
        position_request_withdraw_accounts(k, owner),
        instruction::PositionRequestWithdraw { amount },
    )
}

pub fn position_execute_withdraw_accounts(
    k: &MarketKeys,
    executor: &Pubkey,
    owner: &Pubkey,
    token: &Pubkey,
    oracle: &Pubkey,
) -> accounts::PositionExecuteWithdraw {
    accounts::PositionExecuteWithdraw {
        executor: *executor,
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        request: request(k, owner, RequestKind::MarginWithdraw),
        owner_token: *token,
        collateral_vault: k.collateral_vault,
        oracle: *oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_execute_withdraw(
    k: &MarketKeys,
    executor: &Pubkey,
    owner: &Pubkey,
    token: &Pubkey,
    oracle: &Pubkey,
) -> Instruction {
    build(
        position_execute_withdraw_accounts(k, executor, owner, token, oracle),
        instruction::PositionExecuteWithdraw {},
    )
}

pub fn position_request_trade_accounts(k: &MarketKeys, owner: &Pubkey) -> accounts::PositionRequestTrade {
    accounts::PositionRequestTrade {
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        request: request(k, owner, RequestKind::Trade),
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_request_trade(
    k: &MarketKeys,
    owner: &Pubkey,
    delta_base: i64,
    limit_price: u128,
) -> Instruction {
    build(
        position_request_trade_accounts(k, owner),
        instruction::PositionRequestTrade {
            args: hedge_vault::PositionTradeArgs {
                delta_base,
                limit_price,
            },
        },
    )
}

pub fn position_execute_trade_accounts(
    k: &MarketKeys,
    executor: &Pubkey,
    owner: &Pubkey,
    oracle: &Pubkey,
) -> accounts::PositionExecuteTrade {
    accounts::PositionExecuteTrade {
        executor: *executor,
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        request: request(k, owner, RequestKind::Trade),
        collateral_vault: k.collateral_vault,
        insurance_vault: k.insurance_vault,
        oracle: *oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_execute_trade(
    k: &MarketKeys,
    executor: &Pubkey,
    owner: &Pubkey,
    oracle: &Pubkey,
) -> Instruction {
    build(
        position_execute_trade_accounts(k, executor, owner, oracle),
        instruction::PositionExecuteTrade {},
    )
}

pub fn position_cancel_request_accounts(
    k: &MarketKeys,
    signer: &Pubkey,
    owner: &Pubkey,
    kind: RequestKind,
) -> accounts::PositionCancelRequest {
    accounts::PositionCancelRequest {
        signer: *signer,
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        request: request(k, owner, kind),
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_cancel_request(
    k: &MarketKeys,
    signer: &Pubkey,
    owner: &Pubkey,
    kind: RequestKind,
) -> Instruction {
    build(
        position_cancel_request_accounts(k, signer, owner, kind),
        instruction::PositionCancelRequest {},
    )
}

pub fn position_close_accounts(k: &MarketKeys, owner: &Pubkey, token: &Pubkey) -> accounts::PositionClose {
    accounts::PositionClose {
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        owner_token: *token,
        collateral_vault: k.collateral_vault,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_close(k: &MarketKeys, owner: &Pubkey, token: &Pubkey) -> Instruction {
    build(
        position_close_accounts(k, owner, token),
        instruction::PositionClose {},
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

pub fn position_settle_funding_accounts(
    k: &MarketKeys,
    position: &Pubkey,
) -> accounts::PositionSettleFunding {
    accounts::PositionSettleFunding {
        market: k.market,
        position: *position,
        oracle: k.oracle,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_settle_funding(k: &MarketKeys, position: &Pubkey) -> Instruction {
    build(
        position_settle_funding_accounts(k, position),
        instruction::PositionSettleFunding {},
    )
}

pub fn position_liquidate_accounts(
    k: &MarketKeys,
    liquidator: &Pubkey,
    liquidator_token: &Pubkey,
    position: &Pubkey,
) -> accounts::PositionLiquidate {
    accounts::PositionLiquidate {
        liquidator: *liquidator,
        liquidator_token: *liquidator_token,
        market: k.market,
        position: *position,
        collateral_vault: k.collateral_vault,
        insurance_vault: k.insurance_vault,
        oracle: k.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_liquidate(
    k: &MarketKeys,
    liquidator: &Pubkey,
    liquidator_token: &Pubkey,
    position: &Pubkey,
) -> Instruction {
    build(
        position_liquidate_accounts(k, liquidator, liquidator_token, position),
        instruction::PositionLiquidate {},
    )
}

pub fn market_auto_deleverage_accounts(k: &MarketKeys, position: &Pubkey) -> accounts::MarketAutoDeleverage {
    accounts::MarketAutoDeleverage {
        market: k.market,
        position: *position,
        oracle: k.oracle,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn market_auto_deleverage(k: &MarketKeys, position: &Pubkey) -> Instruction {
    build(
        market_auto_deleverage_accounts(k, position),
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

pub fn market_propose_settlement(
    k: &MarketKeys,
    admin: &Pubkey,
    pinned_oracle: &Pubkey,
    price: u128,
) -> Instruction {
    build(
        admin_oracle_accounts(k, admin, pinned_oracle),
        instruction::MarketProposeSettlement { price },
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

pub fn insurance_deposit_accounts(
    k: &MarketKeys,
    depositor: &Pubkey,
    token: &Pubkey,
) -> accounts::InsuranceDeposit {
    accounts::InsuranceDeposit {
        depositor: *depositor,
        depositor_token: *token,
        market: k.market,
        insurance_vault: k.insurance_vault,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn insurance_deposit(k: &MarketKeys, depositor: &Pubkey, token: &Pubkey, amount: u64) -> Instruction {
    build(
        insurance_deposit_accounts(k, depositor, token),
        instruction::InsuranceDeposit { amount },
    )
}

pub fn insurance_stake_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::InsuranceStakeAccounts {
    accounts::InsuranceStakeAccounts {
        owner: *owner,
        owner_token: *token,
        market: k.market,
        stake: keys::stake(&k.market, owner),
        insurance_vault: k.insurance_vault,
        token_program: spl_token::ID,
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn insurance_stake(k: &MarketKeys, owner: &Pubkey, token: &Pubkey, amount: u64) -> Instruction {
    build(
        insurance_stake_accounts(k, owner, token),
        instruction::InsuranceStake { amount },
    )
}

pub fn insurance_request_unstake_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
) -> accounts::InsuranceRequestUnstake {
    accounts::InsuranceRequestUnstake {
        owner: *owner,
        market: k.market,
        stake: keys::stake(&k.market, owner),
        request: request(k, owner, RequestKind::Unstake),
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn insurance_request_unstake(k: &MarketKeys, owner: &Pubkey, shares: u64) -> Instruction {
    build(
        insurance_request_unstake_accounts(k, owner),
        instruction::InsuranceRequestUnstake { shares },
    )
}

pub fn insurance_execute_unstake_accounts(
    k: &MarketKeys,
    executor: &Pubkey,
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::InsuranceExecuteUnstake {
    accounts::InsuranceExecuteUnstake {
        executor: *executor,
        owner: *owner,
        market: k.market,
        request: request(k, owner, RequestKind::Unstake),
        owner_token: *token,
        insurance_vault: k.insurance_vault,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn insurance_execute_unstake(
    k: &MarketKeys,
    executor: &Pubkey,
    owner: &Pubkey,
    token: &Pubkey,
) -> Instruction {
    build(
        insurance_execute_unstake_accounts(k, executor, owner, token),
        instruction::InsuranceExecuteUnstake {},
    )
}

pub fn insurance_cancel_unstake_accounts(
    k: &MarketKeys,
    signer: &Pubkey,
    owner: &Pubkey,
) -> accounts::InsuranceCancelUnstake {
    accounts::InsuranceCancelUnstake {
        signer: *signer,
        owner: *owner,
        market: k.market,
        request: request(k, owner, RequestKind::Unstake),
        stake: keys::stake(&k.market, owner),
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn insurance_cancel_unstake(k: &MarketKeys, signer: &Pubkey, owner: &Pubkey) -> Instruction {
    build(
        insurance_cancel_unstake_accounts(k, signer, owner),
        instruction::InsuranceCancelUnstake {},
    )
}
