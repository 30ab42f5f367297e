//! Administration (PROTOCOL section 8). Every economic parameter, the oracle
//! configuration and the admin delays change only through the timelock: propose,
//! wait `timelock_delay`, apply; applying accrues funding first under the old
//! parameters. The timelock delay can also be lengthened at once, never shortened but
//! through the timelock. A dead feed (the price account itself silent past
//! `settlement_timeout`) is settled the same way, at its own last price (nobody
//! chooses it); the market then allows only closing and withdrawal. The guardian (or the admin) pauses at once;
//! only the admin unpauses. Admin handover is two-step. These small instructions share
//! their account shapes, so they live in one file.

use anchor_lang::prelude::*;
use hedge_engine::oracle::OracleUse;
use hedge_engine::params::validate_market_config;

use crate::error::{EngineResultExt, HedgeError};
use crate::events::*;
use crate::market_ops::refresh;
use crate::oracle::{feed_publish_time, read_now, settlement_price};
use crate::state::{
    AdminConfig, Market, MarketParams, OracleConfig, Proposal, ProposalKind, FLAG_PAUSED,
    MIN_SETTLEMENT_DELAY,
};

/// Accounts of every admin-signed instruction.
#[event_cpi]
#[derive(Accounts)]
pub struct MarketAdmin<'info> {
    pub admin: Signer<'info>,
    #[account(
        mut,
        has_one = admin @ HedgeError::Unauthorized
    )]
    pub market: Box<Account<'info, Market>>,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct ProposeParamsArgs {
    pub params: MarketParams,
    pub oracle_config: OracleConfig,
    pub admin_config: AdminConfig,
}

fn kind_code(k: ProposalKind) -> u8 {
    match k {
        ProposalKind::None => 0,
        ProposalKind::Params => 1,
        ProposalKind::Settlement => 2,
    }
}

fn eta(market: &Market, now: i64) -> Result<i64> {
    now.checked_add(i64::from(market.admin_config.timelock_delay))
        .ok_or_else(|| error!(HedgeError::MathOverflow))
}

/// Whether the feed is dead: the price account itself shows no update for the
/// settlement timeout, and neither has the market accepted any price since.
fn check_feed_dead(market: &Market, oracle: &AccountInfo, now: i64) -> Result<()> {
    let timeout = i64::from(market.admin_config.settlement_timeout);
    let silent = |t: i64| now.saturating_sub(t) > timeout;
    require!(
        silent(feed_publish_time(market, oracle)?) && silent(market.last_publish_time),
        HedgeError::FeedNotDead
    );
    Ok(())
}

/// Proposes new parameters (replacing any pending proposal), range-checked now.
pub fn propose_params_handler(ctx: Context<MarketAdmin>, args: ProposeParamsArgs) -> Result<()> {
    validate_market_config(&args.params.checked()?, &args.oracle_config.into()).named()?;
    args.admin_config.validate(&args.oracle_config)?;
    let now = Clock::get()?.unix_timestamp;
    let m = &mut ctx.accounts.market;
    let eta = eta(m, now)?;
    m.proposal = Proposal {
        kind: ProposalKind::Params as u8,
        eta,
        params: args.params,
        oracle_config: args.oracle_config,
        admin_config: args.admin_config,
        settlement_price: 0,
        pad: [0; 3],
    };
    let event = ProposalCreated {
        market: m.key(),
        kind: 1,
        eta,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}

/// Accounts of the instructions that read the oracle: applying a proposal (funding
/// accrues first) and proposing a settlement (the feed must be dead).
#[event_cpi]
#[derive(Accounts)]
pub struct MarketAdminOracle<'info> {
    pub admin: Signer<'info>,
    #[account(
        mut,
        has_one = admin @ HedgeError::Unauthorized
    )]
    pub market: Box<Account<'info, Market>>,
    /// CHECK: a price for the accrual (`oracle::read_now`), or, for a settlement, the
    /// market's pinned price account (`oracle::feed_publish_time`).
    pub oracle: UncheckedAccount<'info>,
}

/// Proposes to settle a dead feed at its own last price (recorded in the proposal;
/// applying reads it again).
pub fn propose_settlement_handler(ctx: Context<MarketAdminOracle>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let m = &mut ctx.accounts.market;
    require!(!m.is_settled(), HedgeError::MarketSettled);
    check_feed_dead(m, &ctx.accounts.oracle, now)?;
    let price = settlement_price(m, &ctx.accounts.oracle)?;
    // At least MIN_SETTLEMENT_DELAY, whatever the timelock: time for anyone to prove
    // the feed alive (`market_prove_feed_alive`).
    let eta = eta(m, now)?.max(
        now.checked_add(i64::from(MIN_SETTLEMENT_DELAY))
            .ok_or(HedgeError::MathOverflow)?,
    );
    m.proposal = Proposal {
        kind: ProposalKind::Settlement as u8,
        eta,
        settlement_price: price,
        ..m.proposal
    };
    let event = ProposalCreated {
        market: m.key(),
        kind: 2,
        eta,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}

/// Applies the pending proposal once its delay has passed, accruing funding first
/// under the old parameters (at a live price; a settlement, whose feed is dead, at
/// the last accepted one).
pub fn apply_handler(mut ctx: Context<MarketAdminOracle>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    let p = a.market.proposal;
    require!(p.kind() != ProposalKind::None, HedgeError::NoPendingProposal);
    require!(now >= p.eta, HedgeError::TimelockNotElapsed);
    let mut st = a.market.state()?;
    match p.kind() {
        ProposalKind::Params => {
            refresh(&mut st, &a.market, &a.oracle, now, OracleUse::Reduce)?;
            a.market.set_state(&st);
            let m = &mut a.market;
            m.params = p.params;
            m.oracle_config = p.oracle_config;
            m.admin_config = p.admin_config;
            // A change that moves the skew point leaves its potential unfunded: no fall
            // it causes is rebated out of the skew ledger (PROTOCOL section 8).
            let mut st = m.state()?;
            st.params_changed().named()?;
            m.set_state(&st);
        }
        ProposalKind::Settlement => {
            check_feed_dead(&a.market, &a.oracle, now)?;
            let price = settlement_price(&a.market, &a.oracle)?;
            st.accrue(a.market.last_price, now).named()?;
            st.settlement_price = price;
            st.funding.rate = 0;
            // The skew ledger joins C at once (PROTOCOL section 6): a settled market
            // keeps no hedge.
            st.accrue(price, now).named()?;
            a.market.set_state(&st);
            a.market.proposal.settlement_price = price;
        }
        ProposalKind::None => {}
    }
    let m = &mut a.market;
    m.proposal.kind = ProposalKind::None as u8;
    let event = ProposalApplied {
        market: m.key(),
        kind: kind_code(p.kind()),
    };
    crate::invariant::check(&ctx.accounts.market, None, None)?;
    crate::emit_event!(ctx, event);
    Ok(())
}

/// Accounts of `market_prove_feed_alive`: anyone, with any fresh update of the feed.
#[event_cpi]
#[derive(Accounts)]
pub struct MarketProveFeedAlive<'info> {
    pub signer: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
    /// CHECK: any fully verified update of the market's feed (pull), or the pinned
    /// account (legacy), checked by `oracle::read_now` as an instant valuation.
    pub oracle: UncheckedAccount<'info>,
}

/// Anyone proves the feed alive during a settlement's wait with a fresh update of the
/// feed (`max_age`, never older than the newest accepted): the update is recorded as
/// the newest price and the settlement is cancelled (PROTOCOL section 6).
pub fn prove_feed_alive_handler(mut ctx: Context<MarketProveFeedAlive>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut ctx.accounts;
    require!(
        a.market.proposal.kind() == ProposalKind::Settlement,
        HedgeError::NoSettlementPending
    );
    let mut st = a.market.state()?;
    let p = read_now(&mut st, &a.market, &a.oracle, now, OracleUse::Reduce)?;
    a.market.set_state(&st);
    a.market.proposal.kind = ProposalKind::None as u8;
    let event = SettlementCancelled {
        market: a.market.key(),
        by: a.signer.key(),
        publish_time: p.publish_time,
        price: p.price,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}

/// Lengthens the timelock delay at once (shortening goes through the timelock).
pub fn lengthen_timelock_handler(ctx: Context<MarketAdmin>, timelock_delay: u32) -> Result<()> {
    let m = &mut ctx.accounts.market;
    require!(
        timelock_delay > m.admin_config.timelock_delay,
        HedgeError::TimelockNotLonger
    );
    let next = AdminConfig {
        timelock_delay,
        ..m.admin_config
    };
    next.validate(&m.oracle_config)?;
    m.admin_config = next;
    let event = TimelockLengthened {
        market: m.key(),
        timelock_delay,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}

/// Cancels the pending proposal.
pub fn cancel_handler(ctx: Context<MarketAdmin>) -> Result<()> {
    let m = &mut ctx.accounts.market;
    let kind = m.proposal.kind();
    require!(kind != ProposalKind::None, HedgeError::NoPendingProposal);
    m.proposal.kind = ProposalKind::None as u8;
    let event = ProposalCancelled {
        market: m.key(),
        kind: kind_code(kind),
    };
    crate::emit_event!(ctx, event);
    Ok(())
}

/// Sets the guardian (not an economic parameter: no timelock).
pub fn set_guardian_handler(ctx: Context<MarketAdmin>, guardian: Pubkey) -> Result<()> {
    let m = &mut ctx.accounts.market;
    m.guardian = guardian;
    let event = GuardianSet {
        market: m.key(),
        guardian,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}

/// First step of the admin handover.
pub fn propose_admin_handler(ctx: Context<MarketAdmin>, new_admin: Pubkey) -> Result<()> {
    let m = &mut ctx.accounts.market;
    m.pending_admin = new_admin;
    let event = AdminProposed {
        market: m.key(),
        pending_admin: new_admin,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct MarketAcceptAdmin<'info> {
    pub new_admin: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
}

/// Second step: the proposed admin accepts.
pub fn accept_admin_handler(ctx: Context<MarketAcceptAdmin>) -> Result<()> {
    let signer = ctx.accounts.new_admin.key();
    let m = &mut ctx.accounts.market;
    require!(
        m.pending_admin != Pubkey::default() && m.pending_admin == signer,
        HedgeError::NotPendingAdmin
    );
    m.admin = signer;
    m.pending_admin = Pubkey::default();
    let event = AdminAccepted {
        market: m.key(),
        admin: signer,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct MarketSetPause<'info> {
    pub authority: Signer<'info>,
    #[account(mut)]
    pub market: Box<Account<'info, Market>>,
}

/// The guardian or the admin pauses at once; only the admin unpauses.
pub fn set_pause_handler(ctx: Context<MarketSetPause>, paused: bool) -> Result<()> {
    let by = ctx.accounts.authority.key();
    let m = &mut ctx.accounts.market;
    if paused {
        require!(by == m.guardian || by == m.admin, HedgeError::NotGuardian);
    } else {
        require_keys_eq!(by, m.admin, HedgeError::Unauthorized);
    }
    m.set_flag(FLAG_PAUSED, paused);
    let event = PauseSet {
        market: m.key(),
        paused,
        by,
    };
    crate::emit_event!(ctx, event);
    Ok(())
}
