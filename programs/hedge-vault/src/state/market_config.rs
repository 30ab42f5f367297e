//! A market's configuration, kept in its account: the oracle it reads, its risk
//! parameters, the governance (admin, guardian, timelock) and a pending proposal.

use anchor_lang::prelude::*;
use hedge_engine::oracle::OracleLimits;
use hedge_engine::params::RiskParams;

use crate::error::HedgeError;

/// Which Pyth account format the market reads.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum OracleKind {
    /// Legacy push price account of the Pyth oracle program; the market pins its address.
    PythLegacy,
    /// Pull `PriceUpdateV2` of the Pyth receiver program; the market pins the feed id.
    PythPullV2,
}

impl OracleKind {
    /// The kind a market stores as `oracle_kind as u8` (the program writes no other
    /// value).
    pub fn from_index(i: u8) -> OracleKind {
        if i == OracleKind::PythPullV2 as u8 {
            OracleKind::PythPullV2
        } else {
            OracleKind::PythLegacy
        }
    }
}

/// Oracle acceptance limits (PROTOCOL section 6); mirrors
/// `hedge_engine::oracle::OracleLimits`.
#[derive(
    AnchorSerialize,
    AnchorDeserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    InitSpace,
    bytemuck::Pod,
    bytemuck::Zeroable,
)]
#[repr(C)]
pub struct OracleConfig {
    /// Maximum age for instant valuations (funding, withdrawal requests), seconds.
    pub max_age: u32,
    /// Maximum age for liquidation and auto-deleveraging, seconds.
    pub max_age_liquidate: u32,
    /// Seconds between a liquidation's price and the update that confirms it: a wick
    /// shorter than this never liquidates (PROTOCOL section 6).
    pub liquidation_confirmation: u32,
    /// Maximum `conf / price` for risk-increasing executions. precision: 1e6
    pub max_conf: u32,
    /// Maximum `conf / price` for exits, liquidations and valuations. precision: 1e6
    pub max_conf_reduce: u32,
}

impl From<OracleConfig> for OracleLimits {
    fn from(c: OracleConfig) -> Self {
        OracleLimits {
            max_age: c.max_age,
            max_age_liquidate: c.max_age_liquidate,
            liquidation_confirmation: c.liquidation_confirmation,
            max_conf: c.max_conf,
            max_conf_reduce: c.max_conf_reduce,
        }
    }
}

impl From<OracleLimits> for OracleConfig {
    fn from(l: OracleLimits) -> Self {
        OracleConfig {
            max_age: l.max_age,
            max_age_liquidate: l.max_age_liquidate,
            liquidation_confirmation: l.liquidation_confirmation,
            max_conf: l.max_conf,
            max_conf_reduce: l.max_conf_reduce,
        }
    }
}

/// Every economic parameter; mirrors `hedge_engine::params::RiskParams` field by field
/// (docs/RISK.md gives units and ranges).
#[derive(
    AnchorSerialize,
    AnchorDeserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    InitSpace,
    bytemuck::Pod,
    bytemuck::Zeroable,
)]
#[repr(C)]
pub struct MarketParams {
    /// native units
    pub skew_scale: u64,
    /// native units
    pub min_position_base: u64,
    /// whole USD
    pub max_open_interest_usd: u64,
    /// whole USD
    pub max_position_usd: u64,
    /// precision: 1e12 per day
    pub max_funding_rate: i64,
    /// precision: 1e12 per day per day
    pub max_funding_velocity: i64,
    /// lamports
    pub execution_fee_lamports: u64,
    /// precision: 1e12 per day (revision 4)
    pub funding_rate_target: i64,
    /// precision: 1e12 per day (revision 6)
    pub max_hedge_cost: i64,
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
    /// seconds
    pub withdraw_delay: u32,
    /// seconds
    pub insurance_cooldown: u32,
    /// seconds
    pub max_funding_interval: u32,
    /// precision: 1e6
    pub stress_move: u32,
    /// precision: 1e6
    pub liquidator_reward_share: u32,
    /// seconds
    pub execution_delay: u32,
    /// precision: 1e6 (revision 4)
    pub skew_scale_ratio: u32,
    /// precision: 1e6 (revision 4)
    pub skew_rebate_share: u32,
    /// seconds (revision 4)
    pub funding_reversion_time: u32,
    /// seconds (revision 4)
    pub profit_unlock_time: u32,
    /// precision: 1e6 (revision 6; 0: deposits do not wait for a hedge)
    pub hedge_tolerance: u32,
    /// Zero, ignored: makes the size a multiple of 8 (no implicit padding).
    pub pad: u32,
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
                MarketParams { $($field: p.$field,)* pad: 0 }
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
    execution_delay,
    execution_fee_lamports,
    skew_scale_ratio,
    skew_rebate_share,
    funding_rate_target,
    funding_reversion_time,
    profit_unlock_time,
    hedge_tolerance,
    max_hedge_cost,
);

impl MarketParams {
    /// The engine's parameters of an instruction's argument; its `pad` must be zero
    /// (`InvalidParameter`), so a market's stored parameters are canonical (found by
    /// the issue-31 review: a creator could store anything there).
    pub fn checked(&self) -> Result<RiskParams> {
        require!(self.pad == 0, HedgeError::InvalidParameter);
        Ok((*self).into())
    }
}

/// A parameter change or settlement waiting out the timelock.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum ProposalKind {
    None,
    /// New economic parameters, oracle configuration and admin delays.
    Params,
    /// A settlement price for a dead feed: the market winds down.
    Settlement,
}

#[derive(
    AnchorSerialize,
    AnchorDeserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    InitSpace,
    bytemuck::Pod,
    bytemuck::Zeroable,
)]
#[repr(C)]
pub struct Proposal {
    /// precision: 1e18 USD per whole token
    pub settlement_price: u128,
    /// Unix seconds from which it can be applied.
    pub eta: i64,
    pub params: MarketParams,
    pub oracle_config: OracleConfig,
    pub admin_config: AdminConfig,
    /// `ProposalKind` as its index (`Proposal::kind()`).
    pub kind: u8,
    /// Zero: makes the size a multiple of 16.
    pub pad: [u8; 3],
}

impl Proposal {
    pub fn kind(&self) -> ProposalKind {
        match self.kind {
            1 => ProposalKind::Params,
            2 => ProposalKind::Settlement,
            _ => ProposalKind::None,
        }
    }
}

/// Administrative delays and bounds, themselves changed only through the timelock
/// (the timelock delay can also be lengthened at once).
#[derive(
    AnchorSerialize,
    AnchorDeserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    InitSpace,
    bytemuck::Pod,
    bytemuck::Zeroable,
)]
#[repr(C)]
pub struct AdminConfig {
    /// Wait between proposing and applying, seconds. Range [60 s, 30 days].
    pub timelock_delay: u32,
    /// How long the feed must have shown no update before the market can be settled
    /// at the feed's last price (proposed and applied), seconds. Range [24 hours, 30
    /// days].
    pub settlement_timeout: u32,
}
/// Shortest `settlement_timeout`: 24 hours of silence from the feed itself.
pub const MIN_SETTLEMENT_TIMEOUT: u32 = 86_400;
/// Shortest wait between proposing a settlement and applying it, whatever the
/// timelock: 24 hours, during which anyone may prove the feed alive.
pub const MIN_SETTLEMENT_DELAY: u32 = 86_400;

impl AdminConfig {
    pub fn validate(&self, _oracle: &OracleConfig) -> Result<()> {
        let max = hedge_engine::params::MAX_DELAY_SECONDS;
        require!(
            (60..=max).contains(&self.timelock_delay)
                && (MIN_SETTLEMENT_TIMEOUT..=max).contains(&self.settlement_timeout),
            HedgeError::InvalidParameter
        );
        Ok(())
    }
}
