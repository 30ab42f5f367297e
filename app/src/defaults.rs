//! The production defaults, in one place: the market parameters, oracle limits and
//! admin configuration `hedge market create` uses (each overridable by a flag) and
//! the demo uses. docs/RISK.md lists the ranges; docs/BACKTESTS.md records how they
//! were chosen.

use hedge_engine::oracle::OracleLimits;
use hedge_engine::params::RiskParams;
use hedge_vault::state::AdminConfig;

/// Risk parameters for a market of a token with `decimals` decimals.
pub fn risk_params(decimals: u8) -> RiskParams {
    let one = 10u64.pow(u32::from(decimals.min(9)));
    RiskParams {
        initial_margin_ratio: 100_000,    // 10%: at most 10x
        maintenance_margin_ratio: 50_000, // 5%
        liquidation_fee_ratio: 10_000,    // 1%
        taker_fee_ratio: 1_000,           // 0.1%
        impact_fee_ratio: 1_000,          // 0.1% at skew_scale
        insurance_fee_share: 200_000,     // 20% of the taker fee
        hedge_ratio: 1_000_000,           // fully hedged
        over_hedge_cap: 100_000,          // 10%
        skew_scale: 1_000 * one,          // 1000 tokens
        min_position_base: (one / 1_000).max(1),
        max_open_interest_usd: 100_000_000,
        max_position_usd: 10_000_000,
        withdraw_delay: 3_600,
        insurance_cooldown: 86_400,
        max_funding_rate: 10_000_000_000,     // 1% per day
        max_funding_velocity: 10_000_000_000, // 1% per day per day
        max_funding_interval: 3_600,
        stress_move: 500_000,             // 50%
        liquidator_reward_share: 500_000, // half of the reward
        execution_delay: 2,
        execution_window: 30,
        execution_fee_lamports: 20_000,
    }
}

/// Oracle limits.
pub fn oracle_limits() -> OracleLimits {
    OracleLimits {
        max_age_increase: 30,
        max_age: 120,
        max_age_liquidate: 15,
        max_conf: 20_000,        // 2%
        max_conf_reduce: 50_000, // 5%
    }
}

/// Admin configuration.
pub fn admin_config() -> AdminConfig {
    AdminConfig {
        timelock_delay: 86_400,
        settlement_timeout: 86_400,
        settlement_max_deviation: 100_000, // 10%
    }
}
