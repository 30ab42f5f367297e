//! One builder per instruction, from the program's own `accounts::` and
//! `instruction::` types. `*_accounts` returns the account struct so a test can swap
//! one account by name; [`ix`] turns it into an instruction.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use hedge_vault::state::{AdminConfig, MarketParams, OracleConfig};
use hedge_vault::{accounts, constants::*, instruction};
use solana_signer::Signer;

use crate::{Harness, Instruction, User};

pub fn ix<A: ToAccountMetas, D: InstructionData>(accounts: A, data: D) -> Instruction {
    Instruction {
        program_id: hedge_vault::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

fn pda(seeds: &[&[u8]]) -> Pubkey {
    Pubkey::find_program_address(seeds, &hedge_vault::ID).0
}

pub fn event_authority() -> Pubkey {
    pda(&[b"__event_authority"])
}
pub fn market_pda(mint: &Pubkey) -> Pubkey {
    pda(&[MARKET_SEED, mint.as_ref()])
}
pub fn collateral_vault_pda(market: &Pubkey) -> Pubkey {
    pda(&[COLLATERAL_VAULT_SEED, market.as_ref()])
}
pub fn insurance_vault_pda(market: &Pubkey) -> Pubkey {
    pda(&[INSURANCE_VAULT_SEED, market.as_ref()])
}
pub fn share_mint_pda(market: &Pubkey) -> Pubkey {
    pda(&[SHARE_MINT_SEED, market.as_ref()])
}
pub fn share_escrow_pda(market: &Pubkey) -> Pubkey {
    pda(&[SHARE_ESCROW_SEED, market.as_ref()])
}
pub fn position_pda(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    pda(&[POSITION_SEED, market.as_ref(), owner.as_ref()])
}
pub fn withdraw_pda(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    pda(&[WITHDRAW_SEED, market.as_ref(), owner.as_ref()])
}

pub fn market_create_accounts(h: &Harness) -> accounts::MarketCreate {
    market_create_accounts_for(h, &h.mint)
}

pub fn market_create_accounts_for(h: &Harness, mint: &Pubkey) -> accounts::MarketCreate {
    let market = market_pda(mint);
    accounts::MarketCreate {
        admin: h.admin.pubkey(),
        collateral_mint: *mint,
        market,
        collateral_vault: collateral_vault_pda(&market),
        insurance_vault: insurance_vault_pda(&market),
        share_mint: share_mint_pda(&market),
        share_escrow: share_escrow_pda(&market),
        oracle: h.oracle,
        token_program: spl_token::ID,
        system_program: anchor_lang::solana_program::system_program::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
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
    ix(
        market_create_accounts(h),
        instruction::MarketCreate {
            args: market_create_args(h, params, oracle_config),
        },
    )
}

pub fn vault_deposit_accounts(h: &Harness, u: &User) -> accounts::VaultDeposit {
    accounts::VaultDeposit {
        owner: u.key(),
        market: h.market,
        owner_token: u.token,
        collateral_vault: collateral_vault_pda(&h.market),
        share_mint: share_mint_pda(&h.market),
        owner_shares: u.shares,
        oracle: h.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_deposit(h: &Harness, u: &User, amount: u64, min_hedge_ratio: u32) -> Instruction {
    ix(
        vault_deposit_accounts(h, u),
        instruction::VaultDeposit {
            amount,
            min_hedge_ratio,
        },
    )
}

pub fn vault_request_withdraw_accounts(h: &Harness, u: &User) -> accounts::VaultRequestWithdraw {
    accounts::VaultRequestWithdraw {
        owner: u.key(),
        market: h.market,
        withdraw_request: withdraw_pda(&h.market, &u.key()),
        owner_shares: u.shares,
        share_escrow: share_escrow_pda(&h.market),
        share_mint: share_mint_pda(&h.market),
        oracle: h.oracle,
        token_program: spl_token::ID,
        system_program: anchor_lang::solana_program::system_program::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_request_withdraw(h: &Harness, u: &User, shares: u64) -> Instruction {
    ix(
        vault_request_withdraw_accounts(h, u),
        instruction::VaultRequestWithdraw { shares },
    )
}

pub fn vault_withdraw_accounts(h: &Harness, u: &User) -> accounts::VaultWithdraw {
    accounts::VaultWithdraw {
        owner: u.key(),
        market: h.market,
        withdraw_request: withdraw_pda(&h.market, &u.key()),
        owner_token: u.token,
        collateral_vault: collateral_vault_pda(&h.market),
        share_escrow: share_escrow_pda(&h.market),
        share_mint: share_mint_pda(&h.market),
        oracle: h.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn vault_withdraw(h: &Harness, u: &User) -> Instruction {
    ix(vault_withdraw_accounts(h, u), instruction::VaultWithdraw {})
}

pub fn position_open(h: &Harness, u: &User) -> Instruction {
    ix(
        accounts::PositionOpen {
            owner: u.key(),
            market: h.market,
            position: position_pda(&h.market, &u.key()),
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::PositionOpen {},
    )
}

pub fn position_deposit_accounts(h: &Harness, u: &User) -> accounts::PositionDeposit {
    accounts::PositionDeposit {
        owner: u.key(),
        market: h.market,
        position: position_pda(&h.market, &u.key()),
        owner_token: u.token,
        collateral_vault: collateral_vault_pda(&h.market),
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_deposit(h: &Harness, u: &User, amount: u64) -> Instruction {
    ix(
        position_deposit_accounts(h, u),
        instruction::PositionDeposit { amount },
    )
}

pub fn position_withdraw_accounts(h: &Harness, u: &User) -> accounts::PositionWithdraw {
    accounts::PositionWithdraw {
        owner: u.key(),
        market: h.market,
        position: position_pda(&h.market, &u.key()),
        owner_token: u.token,
        collateral_vault: collateral_vault_pda(&h.market),
        oracle: h.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_withdraw(h: &Harness, u: &User, amount: u64) -> Instruction {
    ix(
        position_withdraw_accounts(h, u),
        instruction::PositionWithdraw { amount },
    )
}

pub fn position_trade_accounts(h: &Harness, u: &User) -> accounts::PositionTrade {
    accounts::PositionTrade {
        owner: u.key(),
        market: h.market,
        position: position_pda(&h.market, &u.key()),
        collateral_vault: collateral_vault_pda(&h.market),
        insurance_vault: insurance_vault_pda(&h.market),
        oracle: h.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_trade(h: &Harness, u: &User, delta_base: i64, limit_price: u128) -> Instruction {
    ix(
        position_trade_accounts(h, u),
        instruction::PositionTrade {
            args: hedge_vault::PositionTradeArgs {
                delta_base,
                limit_price,
            },
        },
    )
}

pub fn position_close_accounts(h: &Harness, u: &User) -> accounts::PositionClose {
    accounts::PositionClose {
        owner: u.key(),
        market: h.market,
        position: position_pda(&h.market, &u.key()),
        owner_token: u.token,
        collateral_vault: collateral_vault_pda(&h.market),
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_close(h: &Harness, u: &User) -> Instruction {
    ix(position_close_accounts(h, u), instruction::PositionClose {})
}

pub fn stake_pda(market: &Pubkey, owner: &Pubkey) -> Pubkey {
    pda(&[STAKE_SEED, market.as_ref(), owner.as_ref()])
}

pub fn market_update_funding(h: &Harness) -> Instruction {
    ix(
        accounts::MarketUpdateFunding {
            market: h.market,
            oracle: h.oracle,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::MarketUpdateFunding {},
    )
}

pub fn position_settle_funding(h: &Harness, owner: &Pubkey) -> Instruction {
    ix(
        accounts::PositionSettleFunding {
            market: h.market,
            position: position_pda(&h.market, owner),
            oracle: h.oracle,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::PositionSettleFunding {},
    )
}

pub fn position_liquidate_accounts(
    h: &Harness,
    liquidator: &User,
    owner: &Pubkey,
) -> accounts::PositionLiquidate {
    accounts::PositionLiquidate {
        liquidator: liquidator.key(),
        liquidator_token: liquidator.token,
        market: h.market,
        position: position_pda(&h.market, owner),
        collateral_vault: collateral_vault_pda(&h.market),
        insurance_vault: insurance_vault_pda(&h.market),
        oracle: h.oracle,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_liquidate(h: &Harness, liquidator: &User, owner: &Pubkey) -> Instruction {
    ix(
        position_liquidate_accounts(h, liquidator, owner),
        instruction::PositionLiquidate {},
    )
}

pub fn market_auto_deleverage(h: &Harness, owner: &Pubkey) -> Instruction {
    ix(
        accounts::MarketAutoDeleverage {
            market: h.market,
            position: position_pda(&h.market, owner),
            oracle: h.oracle,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::MarketAutoDeleverage {},
    )
}

pub fn admin_accounts(h: &Harness, admin: &Pubkey) -> accounts::MarketAdmin {
    accounts::MarketAdmin {
        admin: *admin,
        market: h.market,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn market_propose_params(
    h: &Harness,
    admin: &Pubkey,
    params: MarketParams,
    oracle_config: OracleConfig,
    admin_config: AdminConfig,
) -> Instruction {
    ix(
        admin_accounts(h, admin),
        instruction::MarketProposeParams {
            args: hedge_vault::ProposeParamsArgs {
                params,
                oracle_config,
                admin_config,
            },
        },
    )
}

pub fn market_propose_settlement(h: &Harness, admin: &Pubkey, price: u128) -> Instruction {
    ix(
        admin_accounts(h, admin),
        instruction::MarketProposeSettlement { price },
    )
}

pub fn market_apply_proposal(h: &Harness, admin: &Pubkey) -> Instruction {
    ix(admin_accounts(h, admin), instruction::MarketApplyProposal {})
}

pub fn market_cancel_proposal(h: &Harness, admin: &Pubkey) -> Instruction {
    ix(admin_accounts(h, admin), instruction::MarketCancelProposal {})
}

pub fn market_set_guardian(h: &Harness, admin: &Pubkey, guardian: Pubkey) -> Instruction {
    ix(
        admin_accounts(h, admin),
        instruction::MarketSetGuardian { guardian },
    )
}

pub fn market_propose_admin(h: &Harness, admin: &Pubkey, new_admin: Pubkey) -> Instruction {
    ix(
        admin_accounts(h, admin),
        instruction::MarketProposeAdmin { new_admin },
    )
}

pub fn market_accept_admin(h: &Harness, new_admin: &Pubkey) -> Instruction {
    ix(
        accounts::MarketAcceptAdmin {
            new_admin: *new_admin,
            market: h.market,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::MarketAcceptAdmin {},
    )
}

pub fn market_set_pause(h: &Harness, authority: &Pubkey, paused: bool) -> Instruction {
    ix(
        accounts::MarketSetPause {
            authority: *authority,
            market: h.market,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::MarketSetPause { paused },
    )
}

pub fn insurance_deposit(h: &Harness, u: &User, amount: u64) -> Instruction {
    ix(
        accounts::InsuranceDeposit {
            depositor: u.key(),
            depositor_token: u.token,
            market: h.market,
            insurance_vault: insurance_vault_pda(&h.market),
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::InsuranceDeposit { amount },
    )
}

pub fn insurance_stake(h: &Harness, u: &User, amount: u64) -> Instruction {
    ix(
        accounts::InsuranceStakeAccounts {
            owner: u.key(),
            owner_token: u.token,
            market: h.market,
            stake: stake_pda(&h.market, &u.key()),
            insurance_vault: insurance_vault_pda(&h.market),
            token_program: spl_token::ID,
            system_program: anchor_lang::solana_program::system_program::ID,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::InsuranceStake { amount },
    )
}

pub fn insurance_request_unstake(h: &Harness, u: &User, shares: u64) -> Instruction {
    ix(
        accounts::InsuranceRequestUnstake {
            owner: u.key(),
            market: h.market,
            stake: stake_pda(&h.market, &u.key()),
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::InsuranceRequestUnstake { shares },
    )
}

pub fn insurance_unstake(h: &Harness, u: &User) -> Instruction {
    ix(
        accounts::InsuranceUnstake {
            owner: u.key(),
            owner_token: u.token,
            market: h.market,
            stake: stake_pda(&h.market, &u.key()),
            insurance_vault: insurance_vault_pda(&h.market),
            token_program: spl_token::ID,
            event_authority: event_authority(),
            program: hedge_vault::ID,
        },
        instruction::InsuranceUnstake {},
    )
}
