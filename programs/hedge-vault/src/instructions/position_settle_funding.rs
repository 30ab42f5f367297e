//! `position_settle_funding`: permissionless. Settles any position's funding against
//! its snapshot (after accruing to now).

use anchor_lang::prelude::*;
use hedge_engine::oracle::OracleUse;

use crate::error::{EngineResultExt, HedgeError};
use crate::events::FundingSettled;
use crate::market_ops::refresh;
use crate::state::{Market, Position};

#[event_cpi]
#[derive(Accounts)]
pub struct PositionSettleFunding<'info> {
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket)]
    pub position: Box<Account<'info, Position>>,
    /// CHECK: checked against the market by `oracle::read_now`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(mut ctx: Context<PositionSettleFunding>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let mut st = a.market.state()?;
    let price = refresh(&mut st, &a.market, &a.oracle, now, OracleUse::Reduce)?;
    let mut pos = a.position.engine();
    let settled = st.settle_position_funding(&mut pos, price).named()?;
    a.market.set_state(&st);
    a.position.set_engine(&pos);
    let event = FundingSettled {
        market: a.market.key(),
        owner: a.position.owner,
        paid: settled.paid,
        wait_bonus: settled.bonus,
        margin_after: pos.margin,
    };
    crate::invariant::check(&ctx.accounts.market, None, None)?;
    crate::emit_event!(ctx, event);
    Ok(())
}
