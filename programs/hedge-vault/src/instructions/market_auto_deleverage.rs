//! `market_auto_deleverage`: permissionless. When traders' gains push vault equity
//! below maintenance on its position (`E < r_m * |N|`, on either side), the market
//! becomes reduce-only and positions on the side of `N` that are in profit at the
//! oracle price are closed at that price, no fee, until the vault is back above
//! initial margin (`E >= r_i * |N|`), which lifts reduce-only. The keeper picks the
//! most profitable first (ranking them with the same engine); the program checks the
//! breach, the side and the profit. Acts at once, on a price no older than
//! `max_age_liquidate`, the breach confirmed as a liquidation is (PROTOCOL section 6).

use anchor_lang::prelude::*;

use crate::error::{EngineResultExt, HedgeError};
use crate::events::AutoDeleveraged;
use crate::market_ops::refresh_confirmed;
use crate::state::{Market, Position};

#[event_cpi]
#[derive(Accounts)]
pub struct MarketAutoDeleverage<'info> {
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket)]
    pub position: Box<Account<'info, Position>>,
    /// CHECK: checked against the market by `oracle::read_liquidation`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: the confirmation update, checked by `oracle::read_liquidation`.
    pub oracle_confirm: UncheckedAccount<'info>,
}

pub fn handler(mut ctx: Context<MarketAutoDeleverage>) -> Result<()> {
    require!(ctx.accounts.position.base != 0, HedgeError::PositionEmpty);
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let mut st = a.market.state()?;
    let (confirm, price) = refresh_confirmed(&mut st, &a.market, &a.oracle, &a.oracle_confirm, now)?;
    let mut pos = a.position.engine();
    let x = st.deleverage(&mut pos, confirm, price).named()?;
    a.market.set_state(&st);
    a.position.set_engine(&pos);
    let event = AutoDeleveraged::new(a.market.key(), a.position.owner, price.price, &x);
    crate::invariant::check(&ctx.accounts.market, None, None)?;
    crate::emit_event!(ctx, event);
    Ok(())
}
