//! Administration (PROTOCOL section 8). Every economic parameter, the oracle
//! configuration and the admin delays change only through the timelock: propose,
//! wait `timelock_delay`, apply. A dead feed (silent past `settlement_timeout`) can be
//! given a settlement price the same way; the market then allows only closing and
//! withdrawal. The guardian (or the admin) pauses at once; only the admin unpauses.
//! Admin handover is two-step. These small instructions share their account shapes,
//! so they live in one file.

use anchor_lang::prelude::*;
use hedge_engine::params::{validate_oracle_limits, RiskParams};

use crate::constants::MARKET_SEED;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::*;
use crate::state::{AdminConfig, Market, MarketParams, OracleConfig, Proposal, ProposalKind, FLAG_PAUSED};

/// Accounts of every admin-signed instruction.
#[event_cpi]
#[derive(Accounts)]
pub struct MarketAdmin<'info> {
    pub admin: Signer<'info>,
    #[account(
        mut,
        seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()],
        bump = market.bump,
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

/// Whether the feed has been silent past the settlement timeout.
fn feed_dead(market: &Market, now: i64) -> bool {
    now.saturating_sub(market.last_publish_time) > i64::from(market.admin_config.settlement_timeout)
}

/// Proposes new parameters (replacing any pending proposal), range-checked now.
pub fn propose_params_handler(ctx: Context<MarketAdmin>, args: ProposeParamsArgs) -> Result<()> {
    RiskParams::from(args.params).validate().named()?;
    validate_oracle_limits(&args.oracle_config.into()).named()?;
    args.admin_config.validate(&args.oracle_config)?;
    let now = Clock::get()?.unix_timestamp;
    let m = &mut ctx.accounts.market;
    let eta = eta(m, now)?;
    m.proposal = Proposal {
        kind: ProposalKind::Params,
        eta,
        params: args.params,
        oracle_config: args.oracle_config,
        admin_config: args.admin_config,
        settlement_price: 0,
    };
    let event = ProposalCreated {
        market: m.key(),
        kind: 1,
        eta,
    };
    emit_cpi!(event);
    Ok(())
}

/// Proposes a settlement price for a dead feed.
pub fn propose_settlement_handler(ctx: Context<MarketAdmin>, price: u128) -> Result<()> {
    require!(price > 0, HedgeError::ZeroAmount);
    let now = Clock::get()?.unix_timestamp;
    let m = &mut ctx.accounts.market;
    require!(!m.is_settled(), HedgeError::MarketSettled);
    require!(feed_dead(m, now), HedgeError::FeedNotDead);
    let eta = eta(m, now)?;
    m.proposal = Proposal {
        kind: ProposalKind::Settlement,
        eta,
        settlement_price: price,
        ..m.proposal
    };
    let event = ProposalCreated {
        market: m.key(),
        kind: 2,
        eta,
    };
    emit_cpi!(event);
    Ok(())
}

/// Applies the pending proposal once its delay has passed.
pub fn apply_handler(ctx: Context<MarketAdmin>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let m = &mut ctx.accounts.market;
    let p = m.proposal;
    require!(p.kind != ProposalKind::None, HedgeError::NoPendingProposal);
    require!(now >= p.eta, HedgeError::TimelockNotElapsed);
    match p.kind {
        ProposalKind::Params => {
            m.params = p.params;
            m.oracle_config = p.oracle_config;
            m.admin_config = p.admin_config;
        }
        ProposalKind::Settlement => {
            require!(feed_dead(m, now), HedgeError::FeedNotDead);
            m.settlement_price = p.settlement_price;
            m.funding_rate = 0;
        }
        ProposalKind::None => {}
    }
    m.proposal.kind = ProposalKind::None;
    let event = ProposalApplied {
        market: m.key(),
        kind: kind_code(p.kind),
    };
    emit_cpi!(event);
    Ok(())
}

/// Cancels the pending proposal.
pub fn cancel_handler(ctx: Context<MarketAdmin>) -> Result<()> {
    let m = &mut ctx.accounts.market;
    let kind = m.proposal.kind;
    require!(kind != ProposalKind::None, HedgeError::NoPendingProposal);
    m.proposal.kind = ProposalKind::None;
    let event = ProposalCancelled {
        market: m.key(),
        kind: kind_code(kind),
    };
    emit_cpi!(event);
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
    emit_cpi!(event);
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
    emit_cpi!(event);
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct MarketAcceptAdmin<'info> {
    pub new_admin: Signer<'info>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
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
    emit_cpi!(event);
    Ok(())
}

#[event_cpi]
#[derive(Accounts)]
pub struct MarketSetPause<'info> {
    pub authority: Signer<'info>,
    #[account(mut, seeds = [MARKET_SEED, market.collateral_mint.as_ref(), market.creator.as_ref()], bump = market.bump)]
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
    emit_cpi!(event);
    Ok(())
}
