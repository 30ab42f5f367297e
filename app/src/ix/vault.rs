//! Vault instructions: deposit and withdrawal requests, executions, cancellations.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token::spl_token;
use hedge_engine::requests::RequestKind;
use hedge_vault::{accounts, instruction};

use super::{build, request, SYSTEM};
use crate::keys::{event_authority, MarketKeys};

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
