//! Vault instructions: deposit and withdrawal requests, executions, cancellations.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token::spl_token;
use hedge_engine::requests::RequestKind;
use hedge_vault::{accounts, instruction};

use super::{build, request, SYSTEM};
use crate::keys::{event_authority, MarketKeys};

/// A deposit request of `owner` paying from `o.token`; its shares are to go to
/// `o.shares` (refunds back to `o.token`).
pub fn vault_request_deposit_accounts(k: &MarketKeys, o: &OwnerAccounts) -> accounts::VaultRequestDeposit {
    accounts::VaultRequestDeposit {
        owner: o.owner,
        market: k.market,
        request: request(k, &o.owner, RequestKind::Deposit),
        owner_token: o.token,
        owner_shares: o.shares,
        collateral_vault: k.collateral_vault,
        token_program: spl_token::ID,
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

/// A deposit request with no bound on the skew potential's fee (the keeper's,
/// the simulation's and the tests' own deposits).
pub fn vault_request_deposit(
    k: &MarketKeys,
    o: &OwnerAccounts,
    amount: u64,
    min_hedge_ratio: u32,
) -> Instruction {
    vault_request_deposit_bounded(k, o, amount, min_hedge_ratio, NO_SKEW_FEE_LIMIT)
}

/// No bound on the skew potential's charge (a share of 100%).
pub const NO_SKEW_FEE_LIMIT: i32 = hedge_engine::RATIO_PRECISION as i32;

/// A deposit request whose skew charge net of its rebate may be at most
/// `max_skew_fee_ratio` of the amount (precision 1e6, negative: a rebate asked for;
/// PROTOCOL section 4, revision 5): above it the execution refunds it.
pub fn vault_request_deposit_bounded(
    k: &MarketKeys,
    o: &OwnerAccounts,
    amount: u64,
    min_hedge_ratio: u32,
    max_skew_fee_ratio: i32,
) -> Instruction {
    build(
        vault_request_deposit_accounts(k, o),
        instruction::VaultRequestDeposit {
            amount,
            min_hedge_ratio,
            max_skew_fee_ratio,
        },
    )
}

/// A request's owner and where its payments go: at request, the owner's token
/// accounts it names; at execution, the destinations the request recorded
/// ([`OwnerAccounts::of_request`]).
#[derive(Clone, Copy, Debug)]
pub struct OwnerAccounts {
    pub owner: Pubkey,
    /// Collateral token account.
    pub token: Pubkey,
    /// Share token account.
    pub shares: Pubkey,
}

impl OwnerAccounts {
    /// The owner and the destinations a request recorded at request time: an
    /// execution must name these (the program pays there, or holds the payment for the
    /// owner's claim when the account cannot take it).
    pub fn of_request(r: &hedge_vault::state::Request) -> OwnerAccounts {
        OwnerAccounts {
            owner: r.owner,
            token: r.token_destination,
            shares: r.share_destination,
        }
    }
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
        token_destination: o.token,
        share_destination: o.shares,
        collateral_vault: k.collateral_vault,
        share_escrow: k.share_escrow,
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
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::VaultCancelDeposit {
    accounts::VaultCancelDeposit {
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

pub fn vault_cancel_deposit(k: &MarketKeys, owner: &Pubkey, token: &Pubkey) -> Instruction {
    build(
        vault_cancel_deposit_accounts(k, owner, token),
        instruction::VaultCancelDeposit {},
    )
}

/// A withdrawal request of `owner` locking shares from `o.shares` (where refused shares
/// go back), to be paid into `o.token`.
pub fn vault_request_withdraw_accounts(k: &MarketKeys, o: &OwnerAccounts) -> accounts::VaultRequestWithdraw {
    accounts::VaultRequestWithdraw {
        owner: o.owner,
        market: k.market,
        request: request(k, &o.owner, RequestKind::Withdraw),
        owner_shares: o.shares,
        owner_token: o.token,
        share_escrow: k.share_escrow,
        share_mint: k.share_mint,
        oracle: k.oracle,
        token_program: spl_token::ID,
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

/// A withdrawal request with no bound on the skew potential's fee.
pub fn vault_request_withdraw(k: &MarketKeys, o: &OwnerAccounts, shares: u64) -> Instruction {
    vault_request_withdraw_bounded(k, o, shares, NO_SKEW_FEE_LIMIT)
}

/// A withdrawal request whose skew charge net of its rebate may be at most
/// `max_skew_fee_ratio` of what it pays (gross; precision 1e6, negative: a rebate
/// asked for): above it the execution cancels it, the shares back.
pub fn vault_request_withdraw_bounded(
    k: &MarketKeys,
    o: &OwnerAccounts,
    shares: u64,
    max_skew_fee_ratio: i32,
) -> Instruction {
    build(
        vault_request_withdraw_accounts(k, o),
        instruction::VaultRequestWithdraw {
            shares,
            max_skew_fee_ratio,
        },
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
        token_destination: o.token,
        share_destination: o.shares,
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
    owner: &Pubkey,
    shares: &Pubkey,
) -> accounts::VaultCancelWithdraw {
    accounts::VaultCancelWithdraw {
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

pub fn vault_cancel_withdraw(k: &MarketKeys, owner: &Pubkey, shares: &Pubkey) -> Instruction {
    build(
        vault_cancel_withdraw_accounts(k, owner, shares),
        instruction::VaultCancelWithdraw {},
    )
}
