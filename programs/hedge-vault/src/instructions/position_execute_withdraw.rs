//! `position_execute_withdraw`: anyone executes a due margin withdrawal at the unique
//! price of its due time, paying at most `min(margin, equity - initial margin)` (gains
//! are not withdrawn before they are realized). Asking for more cancels the request;
//! the event and the return data name the largest amount. The margin goes where the
//! owner said at request, or is held for his claim if that account cannot take it
//! (PROTOCOL section 6a).

use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use hedge_engine::market::{MarketState, Settled};
use hedge_engine::oracle::OraclePrice;
use hedge_engine::EngineError;

use crate::error::HedgeError;
use crate::events::MarginWithdrawn;
use crate::requests::{self, At, Execution, Kept, Step, KIND_MARGIN_WITHDRAW};
use crate::state::{Market, Position, Request};

#[event_cpi]
#[derive(Accounts)]
pub struct PositionExecuteWithdraw<'info> {
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
        constraint = request.kind == KIND_MARGIN_WITHDRAW @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// CHECK: the address the owner named at request (`request.token_destination`):
    /// the margin goes there, or is held for his claim if it cannot take it.
    #[account(mut, address = request.token_destination @ HedgeError::WrongTokenAccount)]
    pub token_destination: UncheckedAccount<'info>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: UncheckedAccount<'info>,
    /// CHECK: checked against the market by `oracle::read_at_due`.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

/// A margin withdrawal's part of the lifecycle (`requests::execute`).
struct MarginWithdrawal<'a, 'info> {
    position: &'a mut Account<'info, Position>,
    pos: hedge_engine::position::Position,
    token_destination: &'a AccountInfo<'info>,
    /// The largest amount free now, when the margin refused the request.
    largest: u64,
}

impl<'info> Execution<'info> for MarginWithdrawal<'_, 'info> {
    type Done = Settled;

    fn engine(&mut self, st: &mut MarketState, at: At<'_>) -> core::result::Result<Settled, EngineError> {
        let r = at.request;
        let p = at.price()?;
        let result = st.withdraw_margin(&mut self.pos, r.amount, p);
        if result == Err(EngineError::WithdrawExceedsFreeMargin) {
            self.largest = st.withdrawable_margin(&self.pos, p).unwrap_or(0);
        }
        result
    }

    fn pay(
        &mut self,
        x: &mut Step<'_, 'info>,
        settled: Settled,
        _price: Option<&OraclePrice>,
    ) -> Result<Kept> {
        self.position.set_engine(&self.pos);
        let amount = x.request.amount;
        let vault = x.pay.collateral_vault;
        x.tokens(vault, self.token_destination, amount)?;
        x.events.push(&MarginWithdrawn {
            market: x.market,
            owner: x.owner,
            executor: x.executor,
            amount,
            funding_paid: settled.paid,
            wait_bonus: settled.bonus,
            margin: self.pos.margin,
        });
        Ok(Kept {
            still_pending: false,
            something_done: true,
        })
    }

    fn largest_allowed(&self) -> u64 {
        self.largest
    }

    fn finish(&mut self) {
        self.position.request_ended();
    }

    fn return_data(&self, refused: bool) -> Option<u64> {
        refused.then_some(self.largest)
    }
}

pub fn handler(ctx: Context<PositionExecuteWithdraw>) -> Result<()> {
    let a = ctx.accounts;
    let mut kind = MarginWithdrawal {
        pos: a.position.engine(),
        position: &mut a.position,
        token_destination: a.token_destination.as_ref(),
        largest: 0,
    };
    requests::execute(
        &mut kind,
        crate::common_accounts!(a, oracle: Some(a.oracle.as_ref()), insurance_vault: None),
    )
}
