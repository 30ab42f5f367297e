//! Position instructions: margin, trade and margin-withdrawal requests, executions,
//! funding settlement, liquidation.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_spl::token::spl_token;
use hedge_engine::requests::RequestKind;
use hedge_vault::{accounts, instruction};

use super::{build, request, SYSTEM};
use crate::keys::{self, event_authority, MarketKeys};

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

/// A margin withdrawal request of `owner`, to be paid into `token`.
pub fn position_request_withdraw_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    token: &Pubkey,
) -> accounts::PositionRequestWithdraw {
    accounts::PositionRequestWithdraw {
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        request: request(k, owner, RequestKind::MarginWithdraw),
        owner_token: *token,
        system_program: SYSTEM,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_request_withdraw(k: &MarketKeys, owner: &Pubkey, token: &Pubkey, amount: u64) -> Instruction {
    build(
        position_request_withdraw_accounts(k, owner, token),
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
        token_destination: *token,
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
    owner: &Pubkey,
    kind: RequestKind,
) -> accounts::PositionCancelRequest {
    accounts::PositionCancelRequest {
        owner: *owner,
        market: k.market,
        position: keys::position(&k.market, owner),
        request: request(k, owner, kind),
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn position_cancel_request(k: &MarketKeys, owner: &Pubkey, kind: RequestKind) -> Instruction {
    build(
        position_cancel_request_accounts(k, owner, kind),
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

/// Liquidation of `position` at `k.oracle`'s price, confirmed by `confirm` (a pull
/// market: the unique update `liquidation_confirmation` seconds earlier; a legacy
/// one: the pinned account again).
pub fn position_liquidate_accounts(
    k: &MarketKeys,
    liquidator: &Pubkey,
    liquidator_token: &Pubkey,
    position: &Pubkey,
    confirm: &Pubkey,
) -> accounts::PositionLiquidate {
    accounts::PositionLiquidate {
        liquidator: *liquidator,
        liquidator_token: *liquidator_token,
        market: k.market,
        position: *position,
        collateral_vault: k.collateral_vault,
        insurance_vault: k.insurance_vault,
        oracle: k.oracle,
        oracle_confirm: *confirm,
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
    confirm: &Pubkey,
) -> Instruction {
    build(
        position_liquidate_accounts(k, liquidator, liquidator_token, position, confirm),
        instruction::PositionLiquidate {},
    )
}

/// `request_claim` of `owner`'s request of `kind`: held tokens into `token`, held
/// shares into `shares` (`None` when the request holds none of them).
pub fn request_claim_accounts(
    k: &MarketKeys,
    owner: &Pubkey,
    kind: RequestKind,
    token: Option<Pubkey>,
    shares: Option<Pubkey>,
) -> accounts::RequestClaim {
    accounts::RequestClaim {
        owner: *owner,
        market: k.market,
        request: request(k, owner, kind),
        token_account: token,
        share_account: shares,
        collateral_vault: k.collateral_vault,
        share_escrow: k.share_escrow,
        token_program: spl_token::ID,
        event_authority: event_authority(),
        program: hedge_vault::ID,
    }
}

pub fn request_claim(
    k: &MarketKeys,
    owner: &Pubkey,
    kind: RequestKind,
    token: Option<Pubkey>,
    shares: Option<Pubkey>,
) -> Instruction {
    build(
        request_claim_accounts(k, owner, kind, token, shares),
        instruction::RequestClaim {},
    )
}
