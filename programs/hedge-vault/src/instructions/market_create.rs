//! `market_create`: anyone creates a market for one collateral mint and one Pyth feed
//! and becomes its admin. It gets its program-owned collateral and insurance token
//! accounts, share mint and share escrow, and the creator's seed insurance stake (so
//! the stress-sized cap lets it trade from the start). The oracle's owner is a program
//! constant; a pull market pins the feed's sponsored price-feed account. A mint with a
//! freeze authority is refused unless the creator accepts it.

use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use hedge_engine::params::{token_scale, validate_market_config};
use hedge_engine::SHARE_DECIMALS_OFFSET;

use crate::constants::*;
use crate::error::{EngineResultExt, HedgeError};
use crate::events::MarketCreated;
use crate::oracle::{decode_legacy, decode_pull, sponsored_price_feed};
use crate::state::{AdminConfig, Market, MarketAccounts, MarketParams, OracleConfig, OracleKind, Stake};
use crate::token_util::transfer_in;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct MarketCreateArgs {
    pub oracle_kind: OracleKind,
    /// Pyth feed id (pull oracles); zeros for legacy.
    pub feed_id: [u8; 32],
    pub oracle_config: OracleConfig,
    pub params: MarketParams,
    pub admin_config: AdminConfig,
    /// May pause the market at once.
    pub guardian: Pubkey,
    /// The creator's seed insurance stake, native units (> 0).
    pub seed_insurance: u64,
    /// Accept a collateral mint with a freeze authority (its holder could freeze the
    /// market's token accounts).
    pub accept_freeze_authority: bool,
}

#[event_cpi]
#[derive(Accounts)]
pub struct MarketCreate<'info> {
    #[account(mut)]
    pub creator: Signer<'info>,
    pub collateral_mint: Box<Account<'info, Mint>>,
    #[account(
        init,
        payer = creator,
        space = 8 + Market::INIT_SPACE,
        seeds = [MARKET_SEED, collateral_mint.key().as_ref(), creator.key().as_ref()],
        bump
    )]
    pub market: Box<Account<'info, Market>>,
    #[account(
        init,
        payer = creator,
        seeds = [COLLATERAL_VAULT_SEED, market.key().as_ref()],
        bump,
        token::mint = collateral_mint,
        token::authority = market,
        token::token_program = token_program
    )]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    #[account(
        init,
        payer = creator,
        seeds = [INSURANCE_VAULT_SEED, market.key().as_ref()],
        bump,
        token::mint = collateral_mint,
        token::authority = market,
        token::token_program = token_program
    )]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    #[account(
        init,
        payer = creator,
        seeds = [SHARE_MINT_SEED, market.key().as_ref()],
        bump,
        mint::decimals = collateral_mint.decimals.saturating_add(SHARE_DECIMALS_OFFSET),
        mint::authority = market,
        mint::token_program = token_program
    )]
    pub share_mint: Box<Account<'info, Mint>>,
    #[account(
        init,
        payer = creator,
        seeds = [SHARE_ESCROW_SEED, market.key().as_ref()],
        bump,
        token::mint = share_mint,
        token::authority = market,
        token::token_program = token_program
    )]
    pub share_escrow: Box<Account<'info, TokenAccount>>,
    /// CHECK: validated in `validate`: a legacy price account owned by the Pyth oracle
    /// program, or the sponsored `PriceUpdateV2` account of `args.feed_id` owned by
    /// the Pyth receiver.
    pub oracle: UncheckedAccount<'info>,
    /// The creator's token account the seed insurance stake comes from.
    #[account(
        mut,
        constraint = creator_token.mint == collateral_mint.key() @ HedgeError::WrongMint,
        constraint = creator_token.owner == creator.key() @ HedgeError::WrongOwner
    )]
    pub creator_token: Box<Account<'info, TokenAccount>>,
    #[account(
        init,
        payer = creator,
        space = 8 + Stake::INIT_SPACE,
        seeds = [STAKE_SEED, market.key().as_ref(), creator.key().as_ref()],
        bump
    )]
    pub creator_stake: Box<Account<'info, Stake>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl MarketCreate<'_> {
    fn validate(&self, args: &MarketCreateArgs) -> Result<()> {
        require!(
            token_scale(self.collateral_mint.decimals).is_ok(),
            HedgeError::UnsupportedMintDecimals
        );
        validate_market_config(&args.params.checked()?, &args.oracle_config.into()).named()?;
        args.admin_config.validate(&args.oracle_config)?;
        require!(
            self.collateral_mint.freeze_authority.is_none() || args.accept_freeze_authority,
            HedgeError::MintHasFreezeAuthority
        );
        require!(args.seed_insurance > 0, HedgeError::InsuranceSeedRequired);
        require!(
            self.creator_token.amount >= args.seed_insurance,
            HedgeError::InsufficientFunds
        );
        let data = self.oracle.try_borrow_data()?;
        match args.oracle_kind {
            OracleKind::PythLegacy => {
                require_keys_eq!(
                    *self.oracle.owner,
                    PYTH_ORACLE_PROGRAM,
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
                require_keys_eq!(
                    self.oracle.key(),
                    sponsored_price_feed(&args.feed_id),
                    HedgeError::WrongPriceFeedAccount
                );
                let u = decode_pull(&data)?;
                require!(u.feed_id == args.feed_id, HedgeError::WrongOracle);
            }
        }
        Ok(())
    }
}

pub fn handler(mut ctx: Context<MarketCreate>, args: MarketCreateArgs) -> Result<()> {
    ctx.accounts.validate(&args)?;
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let oracle = a.oracle.key();
    let freeze_authority: Option<Pubkey> = a.collateral_mint.freeze_authority.into();
    let mut market = Market::new(
        &MarketAccounts {
            admin: a.creator.key(),
            collateral_mint: a.collateral_mint.key(),
            collateral_vault: a.collateral_vault.key(),
            insurance_vault: a.insurance_vault.key(),
            share_mint: a.share_mint.key(),
            share_escrow: a.share_escrow.key(),
            oracle,
        },
        &args,
        ctx.bumps.market,
        a.collateral_mint.decimals,
        freeze_authority.is_some(),
        now,
    );
    // The seed insurance stake.
    let mut st = market.state()?;
    let shares = st.stake_insurance(args.seed_insurance).named()?;
    market.set_state(&st);
    let event = MarketCreated {
        market: a.market.key(),
        admin: market.admin,
        collateral_mint: market.collateral_mint,
        oracle_kind: args.oracle_kind as u8,
        oracle,
        feed_id: market.feed_id,
        seed_insurance: args.seed_insurance,
        freeze_authority: freeze_authority.unwrap_or_default(),
    };
    let market_key = a.market.key();
    let admin_key = a.creator.key();
    let stake_bump = ctx.bumps.creator_stake;
    let a = &mut ctx.accounts;
    a.market.set_inner(market);
    let s = &mut a.creator_stake;
    s.market = market_key;
    s.owner = admin_key;
    s.shares = shares;
    s.bump = stake_bump;
    transfer_in(
        a.token_program.as_ref(),
        &a.creator_token.to_account_info(),
        &a.insurance_vault.to_account_info(),
        a.creator.as_ref(),
        args.seed_insurance,
    )?;
    crate::invariant::check(
        &ctx.accounts.market,
        Some(&ctx.accounts.collateral_vault.to_account_info()),
        Some(&ctx.accounts.insurance_vault.to_account_info()),
    )?;
    crate::emit_event!(ctx, event);
    Ok(())
}
