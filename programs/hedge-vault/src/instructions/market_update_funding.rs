//! `market_update_funding`: permissionless crank. Accrues funding to now at the
//! oracle price (an instant valuation: `max_age`, `max_conf_reduce`) and sets or lifts
//! reduce-only on a vault margin breach. O(1): it touches the market only, whatever
//! the number of positions.

use anchor_lang::prelude::*;
use hedge_engine::oracle::OracleUse;

use crate::error::EngineResultExt;
use crate::events::FundingUpdated;
use crate::oracle::read_now;
use crate::state::Market;

#[event_cpi]
#[derive(Accounts)]
pub struct MarketUpdateFunding<'info> {
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    /// CHECK: checked against the market by `oracle::read_now`.
    pub oracle: UncheckedAccount<'info>,
}

pub fn handler(ctx: Context<MarketUpdateFunding>) -> Result<()> {
    crate::cu!("start");
    let now = Clock::get()?.unix_timestamp;
    let market = &mut ctx.accounts.market;
    let mut st = market.state()?;
    let oracle = read_now(&mut st, market, &ctx.accounts.oracle, now, OracleUse::Reduce)?;
    let (a, imbalance) = st.accrue(oracle.price, now).named()?;
    st.update_reduce_only(oracle).named()?;
    market.set_state(&st);
    let event = FundingUpdated::new(market.key(), &a, imbalance, &oracle, &st);
    crate::cu!("token CPIs done");
    crate::invariant::check(&ctx.accounts.market, None, None)?;
    crate::emit_event!(ctx, event);
    crate::cu!("events done");
    Ok(())
}
