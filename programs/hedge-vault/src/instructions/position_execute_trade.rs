//! `position_execute_trade`: anyone executes a due order at the unique price of its
//! due time. It settles funding, fills at that price moved against the taker, pays
//! the taker and impact fees (the insurance fund's part moved to its token account),
//! and checks the limit price, margin, caps and the market's state. A refusal cancels
//! the order with its reason; the executor is paid either way. An order never expires:
//! it executes at its due time's price however late (PROTOCOL section 6a).

use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use hedge_engine::market::{MarketState, TradeExecution};
use hedge_engine::oracle::{OraclePrice, OracleUse};
use hedge_engine::position::is_risk_reducing;
use hedge_engine::EngineError;

use crate::error::HedgeError;
use crate::events::PositionTraded;
use crate::requests::{self, At, Execution, Kept, Step, KIND_TRADE};
use crate::state::{Market, Position, Request};

#[event_cpi]
#[derive(Accounts)]
pub struct PositionExecuteTrade<'info> {
    #[account(mut)]
    pub executor: Signer<'info>,
    /// CHECK: the request's owner (`has_one` on `request`); receives the request's rent.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket, has_one = owner @ HedgeError::WrongOwner)]
    pub position: Box<Account<'info, Position>>,
    #[account(
        mut,
        constraint = request.kind == KIND_TRADE @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: UncheckedAccount<'info>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: UncheckedAccount<'info>,
    /// CHECK: checked against the market by `oracle::read_at_due`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

/// A trade's part of the lifecycle (`requests::execute`).
struct Trade<'a, 'info> {
    position: &'a mut Account<'info, Position>,
    pos: hedge_engine::position::Position,
    use_: OracleUse,
    insurance_vault: &'a AccountInfo<'info>,
}

impl<'info> Execution<'info> for Trade<'_, 'info> {
    type Done = TradeExecution;

    fn oracle_use(&self) -> Option<OracleUse> {
        Some(self.use_)
    }

    fn engine(
        &mut self,
        st: &mut MarketState,
        at: At<'_>,
    ) -> core::result::Result<TradeExecution, EngineError> {
        let r = at.request;
        st.execute_trade(&mut self.pos, r.delta_base, r.limit_price, at.price()?)
    }

    fn pay(
        &mut self,
        x: &mut Step<'_, 'info>,
        t: TradeExecution,
        _price: Option<&OraclePrice>,
    ) -> Result<Kept> {
        self.position.set_engine(&self.pos);
        x.pay.out(
            x.pay.collateral_vault,
            self.insurance_vault,
            t.outcome.insurance_fee,
        )?;
        x.events.push(&PositionTraded::new(
            x.market,
            x.owner,
            x.executor,
            x.request.delta_base,
            &t,
        ));
        Ok(Kept {
            still_pending: false,
            something_done: true,
        })
    }

    // A refusal: the accrual (a market-wide step) stands; the position is untouched.

    fn finish(&mut self) {
        self.position.request_ended();
    }
}

pub fn handler(ctx: Context<PositionExecuteTrade>) -> Result<()> {
    let a = ctx.accounts;
    let base = a.position.base;
    let new_base = base
        .checked_add(a.request.delta_base)
        .ok_or(HedgeError::MathOverflow)?;
    let use_ = if is_risk_reducing(base, new_base) {
        OracleUse::Reduce
    } else {
        OracleUse::Increase
    };
    let insurance_vault: &AccountInfo = a.insurance_vault.as_ref();
    let mut kind = Trade {
        pos: a.position.engine(),
        position: &mut a.position,
        use_,
        insurance_vault,
    };
    requests::execute(
        &mut kind,
        crate::common_accounts!(a, oracle: Some(a.oracle.as_ref()), insurance_vault: Some(insurance_vault)),
    )
}
