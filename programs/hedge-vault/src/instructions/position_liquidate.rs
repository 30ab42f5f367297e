//! `position_liquidate`: permissionless. Closes just enough of an unhealthy position
//! (below maintenance at the oracle price) to bring the rest to the target margin, at
//! the oracle price moved against it; pays the liquidator first, the insurance fund
//! after; resolves bad debt by the waterfall (insurance fund, then shareholders).
//! Acts at once, on a price no older than `max_age_liquidate` and never older than the
//! last accepted one, with the exits' confidence limit `max_conf_reduce`, confirmed by
//! the unique update of `liquidation_confirmation` seconds earlier: the position must
//! be liquidatable at both, so a wick that is no longer the price does not liquidate
//! (PROTOCOL section 6).

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::{EngineResultExt, HedgeError};
use crate::events::{BadDebtResolved, PositionLiquidated};
use crate::market_ops::refresh_confirmed;
use crate::state::{Market, Position};

#[event_cpi]
#[derive(Accounts)]
pub struct PositionLiquidate<'info> {
    pub liquidator: Signer<'info>,
    #[account(
        mut,
        constraint = liquidator_token.mint == market.collateral_mint @ HedgeError::WrongMint
    )]
    pub liquidator_token: Box<Account<'info, TokenAccount>>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(mut, has_one = market @ HedgeError::WrongMarket)]
    pub position: Box<Account<'info, Position>>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: UncheckedAccount<'info>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: UncheckedAccount<'info>,
    /// CHECK: checked against the market by `oracle::read_liquidation`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: the confirmation update, checked by `oracle::read_liquidation`.
    pub oracle_confirm: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(mut ctx: Context<PositionLiquidate>) -> Result<()> {
    crate::cu!("start");
    require!(ctx.accounts.position.base != 0, HedgeError::PositionEmpty);
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let mut st = a.market.state()?;
    let (confirm, price) = refresh_confirmed(&mut st, &a.market, &a.oracle, &a.oracle_confirm, now)?;
    let mut pos = a.position.engine();
    let x = st.liquidate(&mut pos, confirm, price).named()?;
    let out = x.outcome;
    a.market.set_state(&st);
    a.position.set_engine(&pos);
    let market = &a.market;
    let market_key = market.key();
    let (collateral_after, insurance_after) = (market.collateral, market.insurance);
    let market_ai = a.market.to_account_info();
    let (coll_ai, ins_ai): (&AccountInfo, &AccountInfo) =
        (a.collateral_vault.as_ref(), a.insurance_vault.as_ref());
    let pay = crate::requests::Payer::new(&a.market, &market_ai, a.token_program.as_ref(), coll_ai);
    crate::cu!("engine done");
    pay.out(
        coll_ai,
        &a.liquidator_token.to_account_info(),
        out.liquidator_reward,
    )?;
    pay.out(coll_ai, ins_ai, out.insurance_reward)?;
    pay.out(ins_ai, coll_ai, out.insurance_covered)?;

    crate::invariant::check(&a.market, Some(coll_ai), Some(ins_ai))?;
    let owner = a.position.owner;
    let liquidated = PositionLiquidated::new(market_key, owner, a.liquidator.key(), &x);
    crate::cu!("token CPIs done");
    crate::emit_event!(ctx, liquidated);
    if let Some(resolved) = BadDebtResolved::of(market_key, owner, &out, insurance_after, collateral_after) {
        crate::emit_event!(ctx, resolved);
    }
    crate::cu!("events done");
    Ok(())
}
