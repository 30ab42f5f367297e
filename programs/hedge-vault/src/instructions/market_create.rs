//! `market_create` (admin): a market for one collateral mint and one Pyth feed, with
//! its program-owned collateral and insurance token accounts, share mint and share
//! escrow.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use hedge_engine::params::{token_scale, validate_oracle_limits, RiskParams};
use hedge_engine::SHARE_DECIMALS_OFFSET;

use crate::constants::*;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::MarketCreated;
use crate::oracle::{decode_legacy, decode_pull};
use crate::state::{AdminConfig, Market, MarketParams, OracleConfig, OracleKind, Proposal, ProposalKind};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct MarketCreateArgs {
    pub oracle_kind: OracleKind,
    /// Owner of legacy price accounts (the Pyth oracle program). Ignored for pull
    /// oracles, whose owner is always the Pyth receiver.
    pub oracle_program: Pubkey,
    /// Pyth feed id (pull oracles); zeros for legacy.
    pub feed_id: [u8; 32],
    pub oracle_config: OracleConfig,
    pub params: MarketParams,
    pub admin_config: AdminConfig,
    /// May pause the market at once.
    pub guardian: Pubkey,
}

#[event_cpi]
#[derive(Accounts)]
pub struct MarketCreate<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    pub collateral_mint: Box<Account<'info, Mint>>,
    #[account(
        init,
        payer = admin,
        space = 8 + Market::INIT_SPACE,
        seeds = [MARKET_SEED, collateral_mint.key().as_ref(), admin.key().as_ref()],
        bump
    )]
    pub market: Box<Account<'info, Market>>,
    #[account(
        init,
        payer = admin,
        seeds = [COLLATERAL_VAULT_SEED, market.key().as_ref()],
        bump,
        token::mint = collateral_mint,
        token::authority = market,
        token::token_program = token_program
    )]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    #[account(
        init,
        payer = admin,
        seeds = [INSURANCE_VAULT_SEED, market.key().as_ref()],
        bump,
        token::mint = collateral_mint,
        token::authority = market,
        token::token_program = token_program
    )]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    #[account(
        init,
        payer = admin,
        seeds = [SHARE_MINT_SEED, market.key().as_ref()],
        bump,
        mint::decimals = collateral_mint.decimals.saturating_add(SHARE_DECIMALS_OFFSET),
        mint::authority = market,
        mint::token_program = token_program
    )]
    pub share_mint: Box<Account<'info, Mint>>,
    #[account(
        init,
        payer = admin,
        seeds = [SHARE_ESCROW_SEED, market.key().as_ref()],
        bump,
        token::mint = share_mint,
        token::authority = market,
        token::token_program = token_program
    )]
    pub share_escrow: Box<Account<'info, TokenAccount>>,
    /// CHECK: validated in `validate`: a legacy price account owned by
    /// `args.oracle_program`, or a `PriceUpdateV2` of `args.feed_id` owned by the
    /// Pyth receiver.
    pub oracle: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl MarketCreate<'_> {
    fn validate(&self, args: &MarketCreateArgs) -> Result<()> {
        require!(
            token_scale(self.collateral_mint.decimals).is_ok(),
            HedgeError::UnsupportedMintDecimals
        );
        RiskParams::from(args.params).validate().named()?;
        validate_oracle_limits(&args.oracle_config.into()).named()?;
        args.admin_config.validate(&args.oracle_config)?;
        let data = self.oracle.try_borrow_data()?;
        match args.oracle_kind {
            OracleKind::PythLegacy => {
                require_keys_eq!(
                    *self.oracle.owner,
                    args.oracle_program,
                    HedgeError::WrongOracleOwner
                );
                decode_legacy(&data)?;
            }
            OracleKind::PythPullV2 => {
                require_keys_eq!(
                    *self.oracle.owner,
                    PYTH_RECEIVER_PROGRAM,
                    HedgeError::WrongOracleOwner
                );
                let (_, feed_id, _) = decode_pull(&data)?;
                require!(feed_id == args.feed_id, HedgeError::WrongOracle);
            }
        }
        Ok(())
    }
}

pub fn handler(ctx: Context<MarketCreate>, args: MarketCreateArgs) -> Result<()> {
    ctx.accounts.validate(&args)?;
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let (oracle, oracle_program, feed_id) = match args.oracle_kind {
        OracleKind::PythLegacy => (a.oracle.key(), args.oracle_program, [0u8; 32]),
        OracleKind::PythPullV2 => (Pubkey::default(), PYTH_RECEIVER_PROGRAM, args.feed_id),
    };
    let market = Market {
        bump: ctx.bumps.market,
        version: ACCOUNT_VERSION,
        decimals: a.collateral_mint.decimals,
        flags: 0,
        admin: a.admin.key(),
        collateral_mint: a.collateral_mint.key(),
        collateral_vault: a.collateral_vault.key(),
        insurance_vault: a.insurance_vault.key(),
        share_mint: a.share_mint.key(),
        share_escrow: a.share_escrow.key(),
        oracle_kind: args.oracle_kind,
        oracle,
        oracle_program,
        feed_id,
        oracle_config: args.oracle_config,
        params: args.params,
        last_publish_time: 0,
        last_price: 0,
        collateral: 0,
        insurance: 0,
        total_margin: 0,
        net_base: 0,
        long_base: 0,
        short_base: 0,
        entry_quote: 0,
        funding_basis: 0,
        funding_index: 0,
        funding_rate: 0,
        last_funding_time: now,
        pending_withdraw_shares: 0,
        position_count: 0,
        guardian: args.guardian,
        pending_admin: Pubkey::default(),
        admin_config: args.admin_config,
        proposal: Proposal {
            kind: ProposalKind::None,
            eta: 0,
            params: args.params,
            oracle_config: args.oracle_config,
            admin_config: args.admin_config,
            settlement_price: 0,
        },
        settlement_price: 0,
        insurance_shares: 0,
        total_insurance_covered: 0,
        total_socialized: 0,
        funding_skipped_seconds: 0,
        creator: a.admin.key(),
        reserved: [0; 256],
    };
    let event = MarketCreated {
        market: a.market.key(),
        admin: market.admin,
        collateral_mint: market.collateral_mint,
        oracle_kind: args.oracle_kind as u8,
        oracle,
        feed_id,
    };
    ctx.accounts.market.set_inner(market);
    emit_cpi!(event);
    Ok(())
}
