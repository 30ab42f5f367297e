//! Insurance fund instructions: donations, stakes, unstake requests.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token::spl_token;
use hedge_engine::requests::RequestKind;
use hedge_vault::{accounts, instruction};

use super::{build, request, SYSTEM};
use crate::keys::{self, event_authority, MarketKeys};

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

/// An unstake request of `owner`, to be paid into `token`.
pub fn insurance_request_unstake_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::InsuranceRequestUnstake {
    accounts::InsuranceRequestUnstake {
        owner: *owner,
        market: k.market,
        stake: keys::stake(&k.market, owner),
        request: request(k, owner, RequestKind::Unstake),
        owner_token: *token,
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn insurance_request_unstake(k: &MarketKeys, owner: &Pubkey, token: &Pubkey, shares: u64) -> Instruction {
    build(
        insurance_request_unstake_accounts(k, owner, token),
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
        token_destination: *token,
        insurance_vault: k.insurance_vault,
        collateral_vault: k.collateral_vault,
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

pub fn insurance_cancel_unstake_accounts(k: &MarketKeys, owner: &Pubkey) -> accounts::InsuranceCancelUnstake {
    accounts::InsuranceCancelUnstake {
        owner: *owner,
        market: k.market,
        request: request(k, owner, RequestKind::Unstake),
        stake: keys::stake(&k.market, owner),
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn insurance_cancel_unstake(k: &MarketKeys, owner: &Pubkey) -> Instruction {
    build(
        insurance_cancel_unstake_accounts(k, owner),
        instruction::InsuranceCancelUnstake {},
    )
}
