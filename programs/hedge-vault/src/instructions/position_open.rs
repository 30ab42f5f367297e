//! `position_open`: creates the trader's position PDA for a market (rent paid by the
//! owner, reclaimed by `position_close`).

use anchor_lang::prelude::*;

use crate::constants::{ACCOUNT_VERSION, POSITION_SEED};
use crate::error::HedgeError;
use crate::events::PositionOpened;
use crate::state::{Market, Position};

#[event_cpi]
#[derive(Accounts)]
pub struct PositionOpen<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        init,
        payer = owner,
        space = 8 + Position::INIT_SPACE,
        seeds = [POSITION_SEED, market.key().as_ref(), owner.key().as_ref()],
        bump
    )]
    pub position: Box<Account<'info, Position>>,
    pub system_program: Program<'info, System>,
}

pub fn handler(mut ctx: Context<PositionOpen>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    a.market.position_count = a
        .market
        .position_count
        .checked_add(1)
        .ok_or(HedgeError::MathOverflow)?;
    let p = &mut a.position;
    p.market = a.market.key();
    p.owner = a.owner.key();
    p.bump = ctx.bumps.position;
    p.version = ACCOUNT_VERSION;
    p.opened_at = now;
    let event = PositionOpened {
        market: p.market,
        owner: p.owner,
        position: p.key(),
    };
    crate::emit_event!(ctx, event);
    Ok(())
}
