//! What the keeper does, decided from loaded accounts with the engine functions the
//! program calls: every liquidation and deleveraging is tried on a copy of the market
//! state accrued to now, so a target is one the program would accept at this price.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Result};
use hedge_engine::market::MarketState;
use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::{equity_floor, unrealized_pnl_quote};
use hedge_engine::requests::{check_executable, RequestKind};
use hedge_vault::state::{Market, Position, Request};

/// The market's engine state with funding accrued to `now` at `price`, as the program
/// accrues it first in every instruction.
pub fn accrued(m: &Market, price: &OraclePrice, now: i64) -> Result<MarketState> {
    let mut st = m.state()?;
    st.accrue(price.price, now)
        .map_err(|e| anyhow!("engine: accruing funding: {e:?}"))?;
    Ok(st)
}

/// Positions the program would liquidate at `price`, confirmed at `confirm` (its
/// `MarketState::liquidate` succeeds on a copy), lowest equity first.
pub fn liquidatable(
    positions: &[(Pubkey, Position)],
    st: &MarketState,
    confirm: &OraclePrice,
    price: &OraclePrice,
) -> Vec<Pubkey> {
    let view = st.view(*price);
    let mut out: Vec<(i128, Pubkey)> = positions
        .iter()
        .filter(|(_, p)| p.base != 0)
        .filter(|(_, p)| {
            let (mut copy, mut pos) = (*st, p.engine());
            copy.liquidate(&mut pos, *confirm, *price).is_ok()
        })
        .map(|(k, p)| (equity_floor(&p.engine(), &view).unwrap_or(i128::MIN), *k))
        .collect();
    out.sort();
    out.into_iter().map(|(_, k)| k).collect()
}

/// Whether the vault is in margin breach at `price` (or flagged and not yet restored).
pub fn in_breach(st: &MarketState, price: &OraclePrice) -> bool {
    st.reduce_only || st.in_breach(*price).unwrap_or(false)
}

/// Positions the program would deleverage now, the breach confirmed at `confirm`
/// (its `MarketState::deleverage` succeeds on a copy: on the side of `N`, in profit),
/// most profitable first.
pub fn deleverage_order(
    positions: &[(Pubkey, Position)],
    st: &MarketState,
    confirm: &OraclePrice,
    price: &OraclePrice,
) -> Vec<Pubkey> {
    let mut v: Vec<(i128, Pubkey)> = positions
        .iter()
        .filter(|(_, p)| p.base != 0)
        .filter(|(_, p)| {
            let (mut copy, mut pos) = (*st, p.engine());
            copy.deleverage(&mut pos, *confirm, *price).is_ok()
        })
        .filter_map(|(k, p)| {
            unrealized_pnl_quote(&p.engine(), st.units, price.price)
                .ok()
                .map(|q| (q, *k))
        })
        .collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.0));
    v.into_iter().map(|(_, k)| k).collect()
}

/// What a keeper does with a pending request now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestAction {
    /// Due: execute at the price of its due time, however late (nothing expires).
    Execute,
    /// Not yet due.
    Wait,
}

/// The program's own check (`check_executable`) applied to `r` at `now`.
pub fn request_action(r: &Request, now: i64) -> Result<RequestAction> {
    RequestKind::from_u8(r.kind).ok_or_else(|| anyhow!("unknown request kind {}", r.kind))?;
    Ok(if check_executable(r.due_time, now).is_ok() {
        RequestAction::Execute
    } else {
        RequestAction::Wait
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(kind: RequestKind, due: i64) -> Request {
        Request {
            market: Pubkey::new_unique(),
            owner: Pubkey::new_unique(),
            kind: kind as u8,
            bump: 0,
            version: 1,
            created_at: due - 5,
            due_time: due,
            execution_fee: 0,
            amount: 1,
            delta_base: 0,
            limit_price: 0,
            min_hedge_ratio: 0,
            value_at_request: 0,
            token_destination: Pubkey::new_unique(),
            share_destination: Pubkey::new_unique(),
            claim_tokens: 0,
            claim_shares: 0,
            waiting: 0,
            max_skew_fee_ratio: hedge_engine::RATIO_PRECISION as i32,
            price_at_request: 0,
            wait_since: 0,
            reserved: [0; 12],
        }
    }

    #[test]
    fn a_request_waits_until_due_then_is_executed_however_late() {
        let r = request(RequestKind::Trade, 1_000);
        assert_eq!(request_action(&r, 999).unwrap(), RequestAction::Wait);
        assert_eq!(request_action(&r, 1_000).unwrap(), RequestAction::Execute);
        assert_eq!(request_action(&r, 1_000_000).unwrap(), RequestAction::Execute);
    }

    #[test]
    fn an_unknown_kind_is_named() {
        let mut r = request(RequestKind::Deposit, 1_000);
        r.kind = 77;
        let e = request_action(&r, 1_000).unwrap_err();
        assert_eq!(e.to_string(), "unknown request kind 77");
    }
}
