//! The insurance fund: donations (`insurance_deposit`) and staking. Stakers hold
//! insurance shares priced with virtual shares against inflation attacks; leaving is
//! a request (`insurance_request_unstake`, which locks the shares and records their
//! value), the cooldown, and an execution by anyone (`insurance_execute_unstake`)
//! paying `min(value at request, value at execution)`, so a staker cannot leave ahead
//! of a loss. The fund's income unlocks over `profit_unlock_time`: stakes are priced
//! on the whole fund, unstakes without the part still locked, so a stake made just
//! before income takes only what unlocks while it stays. An unstake pays at most what
//! leaves the fund covering the open interest; the rest stays queued, due again after
//! the execution delay (PROTOCOL section 5, revision 5). The payment goes to the
//! token account named at request, or is held for the owner's claim if that account
//! cannot take it (PROTOCOL section 6a). The owner may cancel a pending unstake before
//! its due time (`insurance_cancel_unstake`). These instructions share their
//! accounts, so they live in one file.

use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use hedge_engine::market::{MarketState, UnstakePayout};
use hedge_engine::oracle::{OraclePrice, OracleUse};
use hedge_engine::requests::RequestKind;
use hedge_engine::EngineError;

use crate::constants::{REQUEST_SEED, STAKE_SEED};
use crate::error::{EngineResultExt, HedgeError};
use crate::events::*;
use crate::requests::{self, At, Execution, Kept, Step, Terms, KIND_UNSTAKE};
use crate::state::{Market, Request, Stake};
use crate::token_util::transfer_in;

#[event_cpi]
#[derive(Accounts)]
pub struct InsuranceDeposit<'info> {
    pub depositor: Signer<'info>,
    #[account(
        mut,
        constraint = depositor_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = depositor_token.owner == depositor.key() @ HedgeError::WrongOwner
    )]
    pub depositor_token: Box<Account<'info, TokenAccount>>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

/// A donation to the insurance fund: no shares.
pub fn deposit_handler(mut ctx: Context<InsuranceDeposit>, amount: u64) -> Result<()> {
    require!(amount > 0, HedgeError::ZeroAmount);
    require!(
        ctx.accounts.depositor_token.amount >= amount,
        HedgeError::InsufficientFunds
    );
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let mut st = a.market.state()?;
    st.donate_insurance(amount, now).named()?;
    a.market.set_state(&st);
    transfer_in(
        a.token_program.as_ref(),
        &a.depositor_token.to_account_info(),
        a.insurance_vault.as_ref(),
        a.depositor.as_ref(),
        amount,
    )?;
    crate::invariant::check(&a.market, None, Some(a.insurance_vault.as_ref()))?;
    let event = InsuranceDeposited {
        market: a.market.key(),
        depositor: a.depositor.key(),
        amount,
        insurance_after: st.insurance,
    };
    crate::events::emit_one(a.event_authority.as_ref(), &event)?;
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct InsuranceStakeAccounts<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(
        mut,
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + Stake::INIT_SPACE,
        seeds = [STAKE_SEED, market.key().as_ref(), owner.key().as_ref()],
        bump
    )]
    pub stake: Box<Account<'info, Stake>>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

/// Stakes `amount` for insurance shares.
pub fn stake_handler(mut ctx: Context<InsuranceStakeAccounts>, amount: u64) -> Result<()> {
    require!(amount > 0, HedgeError::ZeroAmount);
    require!(
        ctx.accounts.owner_token.amount >= amount,
        HedgeError::InsufficientFunds
    );
    let bump = ctx.bumps.stake;
    let a = &mut ctx.accounts;
    let mut st = a.market.state()?;
    let shares = st.stake_insurance(amount).named()?;
    a.market.set_state(&st);
    let market_key = a.market.key();
    let s = &mut a.stake;
    s.market = market_key;
    s.owner = a.owner.key();
    s.bump = bump;
    s.shares = s.shares.checked_add(shares).ok_or(HedgeError::MathOverflow)?;
    transfer_in(
        a.token_program.as_ref(),
        &a.owner_token.to_account_info(),
        a.insurance_vault.as_ref(),
        a.owner.as_ref(),
        amount,
    )?;
    crate::invariant::check(&a.market, None, Some(a.insurance_vault.as_ref()))?;
    let event = InsuranceStaked {
        market: market_key,
        owner: a.owner.key(),
        amount,
        shares,
        insurance_after: st.insurance,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct InsuranceRequestUnstake<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub stake: Box<Account<'info, Stake>>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + Request::INIT_SPACE,
        seeds = [REQUEST_SEED, market.key().as_ref(), owner.key().as_ref(), &[KIND_UNSTAKE]],
        bump
    )]
    pub request: Box<Account<'info, Request>>,
    /// Where the unstake is to be paid.
    #[account(
        constraint = owner_token.mint == market.collateral_mint @ HedgeError::WrongMint,
        constraint = owner_token.owner == owner.key() @ HedgeError::WrongOwner
    )]
    pub owner_token: Box<Account<'info, TokenAccount>>,
    pub system_program: Program<'info, System>,
}

/// Locks `shares` and records their value now; executable after the cooldown.
pub fn request_unstake_handler(mut ctx: Context<InsuranceRequestUnstake>, shares: u64) -> Result<()> {
    require!(shares > 0, HedgeError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let bump = ctx.bumps.request;
    let a = &mut ctx.accounts;
    require!(a.stake.shares >= shares, HedgeError::InsufficientInsuranceShares);
    let st = a.market.state()?;
    let value = st.insurance_value(shares, now).named()?;
    let event = crate::open_request!(
        a,
        kind: RequestKind::Unstake,
        bump,
        now,
        delay: st.params.insurance_cooldown,
        execution_fee: st.params.execution_fee_lamports,
        token_destination: a.owner_token.key(),
        share_destination: Pubkey::default(),
        terms: Terms {
            amount: shares,
            value_at_request: value,
            ..Terms::default()
        },
    )?;
    a.stake.shares = a
        .stake
        .shares
        .checked_sub(shares)
        .ok_or(HedgeError::MathOverflow)?;
    crate::emit_event!(ctx, event);
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct InsuranceExecuteUnstake<'info> {
    #[account(mut)]
    pub executor: Signer<'info>,
    /// CHECK: the request's owner (`has_one` on `request`); receives the request's rent.
    #[account(mut)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        constraint = request.kind == KIND_UNSTAKE @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    /// CHECK: the address the owner named at request (`request.token_destination`):
    /// the payment goes there, or is held for his claim if it cannot take it.
    #[account(mut, address = request.token_destination @ HedgeError::WrongTokenAccount)]
    pub token_destination: UncheckedAccount<'info>,
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.insurance_vault @ HedgeError::WrongTokenAccount)]
    pub insurance_vault: UncheckedAccount<'info>,
    /// Where a held payment waits for its claim.
    /// CHECK: the market's own token account: its address, recorded at the market's
    /// creation (the token program checks the rest when it moves tokens).
    #[account(mut, address = market.collateral_vault @ HedgeError::WrongTokenAccount)]
    pub collateral_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

/// An unstake's part of the lifecycle (`requests::execute`): no price (the fund is
/// in tokens).
struct Unstake<'a, 'info> {
    insurance_vault: &'a AccountInfo<'info>,
    token_destination: &'a AccountInfo<'info>,
}

impl<'info> Execution<'info> for Unstake<'_, 'info> {
    type Done = UnstakePayout;

    fn oracle_use(&self) -> Option<OracleUse> {
        None
    }

    fn engine(
        &mut self,
        st: &mut MarketState,
        at: At<'_>,
    ) -> core::result::Result<UnstakePayout, EngineError> {
        let r = at.request;
        let now = at.now;
        st.execute_unstake(r.amount, r.value_at_request, now)
    }

    fn pay(
        &mut self,
        x: &mut Step<'_, 'info>,
        u: UnstakePayout,
        _price: Option<&OraclePrice>,
    ) -> Result<Kept> {
        x.tokens(self.insurance_vault, self.token_destination, u.paid)?;
        let (shares, value_at_request) = (x.request.amount, x.request.value_at_request);
        let remaining = shares
            .checked_sub(u.shares_burned)
            .ok_or(HedgeError::MathOverflow)?;
        if remaining > 0 {
            // The rest stays queued, due again after the execution delay (its owner may
            // cancel it before that).
            x.request.amount = remaining;
            x.request.value_at_request = u.remaining_value_at_request;
            x.queue_rest(x.st.params.execution_delay)?;
        }
        x.events.push(&InsuranceUnstaked {
            market: x.market,
            owner: x.owner,
            executor: x.executor,
            shares: u.shares_burned,
            value_at_request,
            value_now: u.value_now,
            paid: u.paid,
            shares_remaining: remaining,
            largest_now: u.largest_now,
            insurance_after: x.st.insurance,
        });
        Ok(Kept {
            still_pending: remaining > 0,
            something_done: u.paid > 0,
        })
    }
}

/// After the cooldown, pays `min(value at request, value now)` for the locked shares,
/// at most what leaves the fund covering the open interest; the rest stays queued.
pub fn execute_unstake_handler(ctx: Context<InsuranceExecuteUnstake>) -> Result<()> {
    let a = ctx.accounts;
    let mut kind = Unstake {
        insurance_vault: a.insurance_vault.as_ref(),
        token_destination: a.token_destination.as_ref(),
    };
    requests::execute(
        &mut kind,
        crate::common_accounts!(a, oracle: None, insurance_vault: Some(a.insurance_vault.as_ref())),
    )
}

#[event_cpi]
#[derive(Accounts)]
pub struct InsuranceCancelUnstake<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    pub market: Box<Account<'info, Market>>,
    #[account(
        mut,
        constraint = request.kind == KIND_UNSTAKE @ HedgeError::WrongRequestKind,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub request: Box<Account<'info, Request>>,
    #[account(
        mut,
        has_one = market @ HedgeError::WrongMarket,
        has_one = owner @ HedgeError::WrongOwner
    )]
    pub stake: Box<Account<'info, Stake>>,
}

/// The owner cancels a pending unstake before its due time: the shares go back to the
/// stake, the lamports to him.
pub fn cancel_unstake_handler(ctx: Context<InsuranceCancelUnstake>) -> Result<()> {
    let a = ctx.accounts;
    let (owner, authority): (&AccountInfo, &AccountInfo) = (a.owner.as_ref(), a.event_authority.as_ref());
    requests::cancel(&mut a.request, owner, authority, |r, _, _| {
        a.stake.shares = a
            .stake
            .shares
            .checked_add(r.amount)
            .ok_or(HedgeError::MathOverflow)?;
        Ok(true)
    })
}
