//! The market: one collateral mint, one Pyth feed, its vault ledger (`C`), the
//! traders' aggregates, the insurance fund ledger and every parameter.

use anchor_lang::prelude::*;
use hedge_engine::oracle::OracleLimits;
use hedge_engine::params::RiskParams;
use hedge_engine::position::{Aggregates, Units};

use crate::error::{EngineResultExt, HedgeError};

/// Which Pyth account format the market reads.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum OracleKind {
    /// Legacy push price account (pyth-sdk-solana); the market pins its address.
    PythLegacy,
    /// Pull `PriceUpdateV2` (pyth-solana-receiver-sdk); the market pins the feed id.
    PythPullV2,
}

/// Oracle acceptance limits (PROTOCOL section 6).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct OracleConfig {
    /// Maximum age for risk-increasing trades and deposits, seconds.
    pub max_age_increase: u32,
    /// Maximum age for reducing, withdrawing, funding and liquidation, seconds.
    pub max_age: u32,
    /// Maximum `conf / price`. precision: 1e6
    pub max_conf: u32,
    /// Looser maximum `conf / price` for liquidations. precision: 1e6
    pub max_conf_liquidate: u32,
}

impl From<OracleConfig> for OracleLimits {
    fn from(c: OracleConfig) -> Self {
        OracleLimits {
            max_age_increase: c.max_age_increase,
            max_age: c.max_age,
            max_conf: c.max_conf,
            max_conf_liquidate: c.max_conf_liquidate,
        }
    }
}

/// Every economic parameter; mirrors `hedge_engine::params::RiskParams` field by field
/// (docs/RISK.md gives units and ranges).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct MarketParams {
    /// precision: 1e6
    pub initial_margin_ratio: u32,
    /// precision: 1e6
    pub maintenance_margin_ratio: u32,
    /// precision: 1e6
    pub liquidation_fee_ratio: u32,
    /// precision: 1e6
    pub taker_fee_ratio: u32,
    /// precision: 1e6
    pub impact_fee_ratio: u32,
    /// precision: 1e6
    pub insurance_fee_share: u32,
    /// precision: 1e6
    pub hedge_ratio: u32,
    /// precision: 1e6
    pub over_hedge_cap: u32,
    /// native units
    pub skew_scale: u64,
    /// native units
    pub min_position_base: u64,
    /// whole USD
    pub max_open_interest_usd: u64,
    /// whole USD
    pub max_position_usd: u64,
    /// seconds
    pub withdraw_delay: u32,
    /// seconds
    pub insurance_cooldown: u32,
    /// precision: 1e12 per day
    pub max_funding_rate: i64,
    /// precision: 1e12 per day per day
    pub max_funding_velocity: i64,
    /// seconds
    pub max_funding_interval: u32,
    /// precision: 1e6
    pub stress_move: u32,
    /// precision: 1e6
    pub liquidator_reward_share: u32,
}

/// Both conversions between the stored parameters and the engine's, from one list of
/// fields (the two structs must keep the same fields).
macro_rules! mirror_params {
    ($($field:ident),* $(,)?) => {
        impl From<MarketParams> for RiskParams {
            fn from(p: MarketParams) -> Self {
                RiskParams { $($field: p.$field),* }
            }
        }
        impl From<RiskParams> for MarketParams {
            fn from(p: RiskParams) -> Self {
                MarketParams { $($field: p.$field),* }
            }
        }
    };
}

mirror_params!(
    initial_margin_ratio,
    maintenance_margin_ratio,
    liquidation_fee_ratio,
    taker_fee_ratio,
    impact_fee_ratio,
    insurance_fee_share,
    hedge_ratio,
    over_hedge_cap,
    skew_scale,
    min_position_base,
    max_open_interest_usd,
    max_position_usd,
    withdraw_delay,
    insurance_cooldown,
    max_funding_rate,
    max_funding_velocity,
    max_funding_interval,
    stress_move,
    liquidator_reward_share,
);

/// A parameter change or settlement waiting out the timelock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum ProposalKind {
    None,
    /// New economic parameters, oracle configuration and admin delays.
    Params,
    /// A settlement price for a dead feed: the market winds down.
    Settlement,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct Proposal {
    pub kind: ProposalKind,
    /// Unix seconds from which it can be applied.
    pub eta: i64,
    pub params: MarketParams,
    pub oracle_config: OracleConfig,
    pub admin_config: AdminConfig,
    /// precision: 1e18 USD per whole token
    pub settlement_price: u128,
}

/// Administrative delays, themselves changed only through the timelock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub struct AdminConfig {
    /// Wait between proposing and applying, seconds. Range [60 s, 30 days].
    pub timelock_delay: u32,
    /// How long the oracle must have been silent before a settlement price can be
    /// proposed (and applied), seconds. Range [oracle max_age, 30 days].
    pub settlement_timeout: u32,
}

impl AdminConfig {
    pub fn validate(&self, oracle: &OracleConfig) -> Result<()> {
        let max = hedge_engine::params::MAX_DELAY_SECONDS;
        require!(
            (60..=max).contains(&self.timelock_delay)
                && (oracle.max_age..=max).contains(&self.settlement_timeout),
            HedgeError::InvalidParameter
        );
        Ok(())
    }
}

/// `Market::flags` bits.
pub const FLAG_PAUSED: u8 = 1;
/// Set by auto-deleveraging while the vault is below initial margin.
pub const FLAG_REDUCE_ONLY: u8 = 2;

/// The market account. Byte offsets for clients (after the 8-byte discriminator):
/// `collateral_mint` at 8 + 4 + 32 = 44.
#[account]
#[derive(InitSpace, Debug)]
pub struct Market {
    pub bump: u8,
    pub version: u8,
    /// Collateral mint decimals.
    pub decimals: u8,
    /// `FLAG_PAUSED | FLAG_REDUCE_ONLY`.
    pub flags: u8,
    pub admin: Pubkey,
    pub collateral_mint: Pubkey,
    pub collateral_vault: Pubkey,
    pub insurance_vault: Pubkey,
    pub share_mint: Pubkey,
    pub share_escrow: Pubkey,
    pub oracle_kind: OracleKind,
    /// Legacy: the pinned price account. Pull: unused (default).
    pub oracle: Pubkey,
    /// Expected owner of the oracle account.
    pub oracle_program: Pubkey,
    /// Pull: the Pyth feed id. Legacy: zeros.
    pub feed_id: [u8; 32],
    pub oracle_config: OracleConfig,
    pub params: MarketParams,
    /// Newest publish time accepted; older prices are refused.
    pub last_publish_time: i64,
    /// Last accepted price. precision: 1e18 USD per whole token
    pub last_price: u128,
    /// `C`: tokens the vault holds, native units.
    pub collateral: u64,
    /// Insurance fund ledger, native units (balance of `insurance_vault`).
    pub insurance: u64,
    /// Sum of all positions' margin, native units (signed: debt is negative).
    pub total_margin: i128,
    /// `N`: traders' net base, native units.
    pub net_base: i128,
    /// Long open interest, native units.
    pub long_base: u128,
    /// Short open interest, native units.
    pub short_base: u128,
    /// Sum of entry notionals. precision: 1e18 USD
    pub entry_quote: i128,
    /// Sum of funding bases. precision: 1e18 USD
    pub funding_basis: i128,
    /// Cumulative funding index. precision: 1e27 USD per whole token
    pub funding_index: i128,
    /// Current funding rate. precision: 1e12 per day
    pub funding_rate: i64,
    /// Unix seconds of the last funding accrual.
    pub last_funding_time: i64,
    /// Shares locked in pending withdrawals.
    pub pending_withdraw_shares: u64,
    /// Open position accounts.
    pub position_count: u64,
    /// May pause at once.
    pub guardian: Pubkey,
    /// Proposed admin; becomes admin when it accepts.
    pub pending_admin: Pubkey,
    pub admin_config: AdminConfig,
    pub proposal: Proposal,
    /// Non-zero once a settlement price is applied: the market winds down.
    /// precision: 1e18 USD per whole token
    pub settlement_price: u128,
    /// Insurance fund shares outstanding (stakers' ledger).
    pub insurance_shares: u64,
    /// Cumulative bad debt covered by the insurance fund, native units.
    pub total_insurance_covered: u64,
    /// Cumulative bad debt socialized to vault shareholders, native units.
    pub total_socialized: u64,
    /// Cumulative seconds not charged because one accrual is capped.
    pub funding_skipped_seconds: u64,
    /// The market's creator, part of its PDA seeds; never changes.
    pub creator: Pubkey,
    pub reserved: [u8; 256],
}

impl Market {
    pub fn is_paused(&self) -> bool {
        self.flags & FLAG_PAUSED != 0
    }

    pub fn is_reduce_only(&self) -> bool {
        self.flags & FLAG_REDUCE_ONLY != 0
    }

    pub fn is_settled(&self) -> bool {
        self.settlement_price != 0
    }

    pub fn set_flag(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    pub fn units(&self) -> Result<Units> {
        let scale = hedge_engine::params::token_scale(self.decimals).named()?;
        Ok(Units { scale })
    }

    pub fn risk_params(&self) -> RiskParams {
        self.params.into()
    }

    pub fn aggregates(&self) -> Aggregates {
        Aggregates {
            net_base: self.net_base,
            long_base: self.long_base,
            short_base: self.short_base,
            entry_quote: self.entry_quote,
            funding_basis: self.funding_basis,
        }
    }

    pub fn set_aggregates(&mut self, a: &Aggregates) {
        self.net_base = a.net_base;
        self.long_base = a.long_base;
        self.short_base = a.short_base;
        self.entry_quote = a.entry_quote;
        self.funding_basis = a.funding_basis;
    }

    /// Adds `delta` to the margin ledger total.
    pub fn add_margin(&mut self, delta: i128) -> Result<()> {
        self.total_margin = self
            .total_margin
            .checked_add(delta)
            .ok_or(HedgeError::MathOverflow)?;
        Ok(())
    }
}
