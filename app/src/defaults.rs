//! The production defaults, in one place: the market parameters, oracle limits and
//! admin configuration `hedge market create` uses (each overridable by a flag) and
//! the demo uses. docs/RISK.md lists the ranges; docs/BACKTESTS.md records how they
//! were chosen.

use anchor_lang::prelude::Pubkey;
use hedge_engine::oracle::OracleLimits;
use hedge_engine::params::RiskParams;
use hedge_vault::state::{AdminConfig, OracleKind};
use hedge_vault::MarketCreateArgs;

/// Risk parameters for a market of a token with `decimals` decimals, chosen by the
/// parameter studies of docs/BACKTESTS.md (BTC and ETH 2021-2023 at 15-minute steps:
/// no socialized loss): 10x at most, 0.1% taker fee, fully hedged with a 10%
/// over-hedge cap, 1-hour withdrawal delay, 1-day cooldown; funding capped at 0.25% a
/// day (a 1%/day cap let funding paid to arbitrageurs drain the BTC vault in the
/// study) moving at up to 1% a day per day; a 30% stress move for the insurance-sized
/// cap; open interest up to 1 billion USD and 100 million USD per account (the
/// stress-sized cap is the one that binds); 2 s execution delay, 30 s window.
///
/// Revision 4's hedge control, from the mechanism study (docs/BACKTESTS.md,
/// "Revision 4"), re-scaled for revision 5: the two-way skew potential at 1.5% over a
/// scale of 30% of the vault (at least 300 tokens), the same price of a small skew as
/// the study's 5% over the whole vault (the slope `2k/S` is unchanged) with the
/// steepest slope, 3%, within maintenance margin as revision 5's exit-cost rule asks;
/// its falls rebated in full out of the skew ledger; funding pulled back toward 5% a
/// year with a one-day time constant; income unlocked over a day. Revision 6: deposits
/// execute against longs that cover 99% of them (`hedge_tolerance` 1%, also
/// funding's band), and the vault pays at most 20% a year to keep its hedge
/// (docs/BACKTESTS.md, "Revision 6").
pub fn risk_params(decimals: u8) -> RiskParams {
    let one = 10u64.pow(u32::from(decimals.min(9)));
    RiskParams {
        skew_scale: 300 * one, // 300 tokens
        min_position_base: (one / 1_000).max(1),
        max_funding_rate: 2_500_000_000,      // 0.25% a day
        max_funding_velocity: 10_000_000_000, // 1% a day per day
        stress_move: 300_000,                 // 30%
        max_open_interest_usd: 1_000_000_000,
        max_position_usd: 100_000_000,
        impact_fee_ratio: 15_000,         // 1.5% at the scale
        skew_scale_ratio: 300_000,        // the scale is 30% of C
        skew_rebate_share: 1_000_000,     // falls rebated in full: two-way
        funding_rate_target: 137_000_000, // 5% a year, per day
        funding_reversion_time: 86_400,   // a day
        profit_unlock_time: 86_400,       // a day
        hedge_tolerance: 10_000,          // revision 6: deposits wait for 99% cover
        max_hedge_cost: 548_000_000,      // the vault pays at most 20% a year
        ..RiskParams::default_for_tests()
    }
}

/// Oracle limits: the engine's for a liquid token (30 s for risk-increasing
/// executions, 120 s for valuations, 15 s for liquidations; confidence up to 2%, 5%
/// for exits).
pub fn oracle_limits() -> OracleLimits {
    OracleLimits::default_for_tests()
}

/// Admin configuration.
pub fn admin_config() -> AdminConfig {
    AdminConfig {
        timelock_delay: 86_400,
        settlement_timeout: 86_400,
    }
}

/// The arguments of `market_create` with the defaults above, `admin` as guardian,
/// refusing a mint with a freeze authority; callers override fields by name.
pub fn market_create_args(
    oracle_kind: OracleKind,
    feed_id: [u8; 32],
    params: RiskParams,
    admin: Pubkey,
    seed_insurance: u64,
) -> MarketCreateArgs {
    MarketCreateArgs {
        oracle_kind,
        feed_id,
        oracle_config: oracle_limits().into(),
        params: params.into(),
        admin_config: admin_config(),
        guardian: admin,
        seed_insurance,
        accept_freeze_authority: false,
    }
}

/// The creator's seed insurance stake for a market expected to hedge `deposit`
/// tokens: a quarter of it, so that the stress-sized cap lets traders hedge the
/// whole deposit from the start (docs/BACKTESTS.md).
pub fn seed_insurance(deposit: u64) -> u64 {
    deposit / 4
}
