//! Instruction builders from the program's own `accounts::` and `instruction::` types
//! (the program crate with `no-entrypoint`), so they cannot drift from the program.
//! Each `*_accounts` returns the account struct (a caller can swap one account by
//! name); [`build`] turns accounts and data into an instruction.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
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

pub fn market_create_accounts(k: &MarketKeys, admin: &Pubkey) -> accounts::MarketCreate {
    accounts::MarketCreate {
        admin: *admin,
        collateral_mint: k.mint,
        market: k.market,
        collateral_vault: k.collateral_vault,
        insurance_vault: k.insurance_vault,
        share_mint: k.share_mint,
        share_escrow: k.share_escrow,
        oracle: k.oracle,
        token_program: spl_token::ID,
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn market_create(k: &MarketKeys, admin: &Pubkey, args: hedge_vault::MarketCreateArgs) -> Instruction {
    build(
        market_create_accounts(k, admin),
        instruction::MarketCreate { args },
    )
}

pub fn vault_deposit_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
    shares: &Pubkey,
) -> accounts::VaultDeposit {
    accounts::VaultDeposit {
        owner: *owner,
        market: k.market,
        owner_token: *token,
        collateral_vault: k.collateral_vault,
        share_mint: k.share_mint,
        owner_shares: *shares,
        oracle: k.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_deposit(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
    shares: &Pubkey,
    amount: u64,
    min_hedge_ratio: u32,
) -> Instruction {
    build(
        vault_deposit_accounts(k, owner, token, shares),
        instruction::VaultDeposit {
            amount,
            min_hedge_ratio,
        },
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
        withdraw_request: keys::withdraw_request(&k.market, owner),
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

pub fn vault_withdraw_accounts(k: &MarketKeys, owner: &Pubkey, token: &Pubkey) -> accounts::VaultWithdraw {
    accounts::VaultWithdraw {
        owner: *owner,
        market: k.market,
        withdraw_request: keys::withdraw_request(&k.market, owner),
        owner_token: *token,
        collateral_vault: k.collateral_vault,
        share_escrow: k.share_escrow,
        share_mint: k.share_mint,
        oracle: k.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_withdraw(k: &MarketKeys, owner: &Pubkey, token: &Pubkey) -> Instruction {
    build(
        vault_withdraw_accounts(k, owner, token),
        instruction::VaultWithdraw {},
    )
}

pub fn position_open(k: &MarketKeys, owner: &Pubkey) -> Instruction {
    build(
        accounts::PositionOpen {
            owner: *owner,
            market: k.market,
            position: keys::position(&k.market, owner),
            system_program: SYSTEM,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::PositionOpen {},
    )
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

pub fn position_withdraw_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::PositionWithdraw {
    accounts::PositionWithdraw {
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        owner_token: *token,
        collateral_vault: k.collateral_vault,
        oracle: k.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_withdraw(k: &MarketKeys, owner: &Pubkey, token: &Pubkey, amount: u64) -> Instruction {
    build(
        position_withdraw_accounts(k, owner, token),
        instruction::PositionWithdraw { amount },
    )
}

pub fn position_trade_accounts(k: &MarketKeys, owner: &Pubkey) -> accounts::PositionTrade {
    accounts::PositionTrade {
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        collateral_vault: k.collateral_vault,
        insurance_vault: k.insurance_vault,
        oracle: k.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_trade(k: &MarketKeys, owner: &Pubkey, delta_base: i64, limit_price: u128) -> Instruction {
    build(
        position_trade_accounts(k, owner),
        instruction::PositionTrade {
            args: hedge_vault::PositionTradeArgs {
                delta_base,
                limit_price,
            },
        },
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

pub fn market_propose_settlement(k: &MarketKeys, admin: &Pubkey, price: u128) -> Instruction {
    build(
        admin_accounts(k, admin),
        instruction::MarketProposeSettlement { price },
    )
}

pub fn market_apply_proposal(k: &MarketKeys, admin: &Pubkey) -> Instruction {
    build(admin_accounts(k, admin), instruction::MarketApplyProposal {})
}

pub fn market_cancel_proposal(k: &MarketKeys, admin: &Pubkey) -> Instruction {
    build(admin_accounts(k, admin), instruction::MarketCancelProposal {})
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

pub fn market_accept_admin(k: &MarketKeys, new_admin: &Pubkey) -> Instruction {
    build(
        accounts::MarketAcceptAdmin {
            new_admin: *new_admin,
            market: k.market,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::MarketAcceptAdmin {},
    )
}

pub fn market_set_pause(k: &MarketKeys, authority: &Pubkey, paused: bool) -> Instruction {
    build(
        accounts::MarketSetPause {
            authority: *authority,
            market: k.market,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::MarketSetPause { paused },
    )
}

pub fn insurance_deposit(k: &MarketKeys, depositor: &Pubkey, token: &Pubkey, amount: u64) -> Instruction {
    build(
        accounts::InsuranceDeposit {
            depositor: *depositor,
            depositor_token: *token,
            market: k.market,
            insurance_vault: k.insurance_vault,
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::InsuranceDeposit { amount },
    )
}

pub fn insurance_stake(k: &MarketKeys, owner: &Pubkey, token: &Pubkey, amount: u64) -> Instruction {
    build(
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
        },
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

pub fn insurance_unstake_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::InsuranceUnstake {
    accounts::InsuranceUnstake {
        owner: *owner,
        owner_token: *token,
        market: k.market,
        stake: keys::stake(&k.market, owner),
        insurance_vault: k.insurance_vault,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn insurance_unstake(k: &MarketKeys, owner: &Pubkey, token: &Pubkey) -> Instruction {
    build(
        insurance_unstake_accounts(k, owner, token),
        instruction::InsuranceUnstake {},
    )
}
