//! Market risk parameters and their range checks (docs/RISK.md lists them).

use crate::math::pow10;
use crate::oracle::OracleLimits;
use crate::{EngineError, EngineResult, FUNDING_RATE_PRECISION, MAX_TOKEN_DECIMALS, RATIO_PRECISION};

/// Longest allowed withdrawal delay or cooldown: 30 days.
pub const MAX_DELAY_SECONDS: u32 = 30 * 86_400;
/// Longest allowed oracle age: one hour.
pub const MAX_ORACLE_AGE_SECONDS: u32 = 3_600;
/// Widest allowed confidence limit: 20% of the price.
pub const MAX_CONF_RATIO: u32 = 200_000;
/// Highest allowed fee ratio (taker, impact): 10%.
pub const MAX_FEE_RATIO: u32 = 100_000;
/// Highest allowed maximum funding rate: 100% of notional per day.
pub const MAX_FUNDING_RATE: i64 = FUNDING_RATE_PRECISION as i64;
/// Longest interval one funding accrual may charge: 1 day.
pub const MAX_FUNDING_INTERVAL: u32 = 86_400;
/// Shortest withdrawal delay and insurance cooldown: one minute (PROTOCOL section 8
/// asks for non-zero lower bounds; a minute is longer than any execution delay).
pub const MIN_WITHDRAW_DELAY: u32 = 60;
/// Shortest and longest execution delay of a request, seconds.
pub const MIN_EXECUTION_DELAY: u32 = 1;
/// See [`MIN_EXECUTION_DELAY`].
pub const MAX_EXECUTION_DELAY: u32 = 300;
/// Largest `skew_scale_ratio`: ten times the vault.
pub const MAX_SKEW_SCALE_RATIO: u32 = 10_000_000;
/// Largest execution fee a request may have to set aside, lamports (0.01 SOL).
pub const MAX_EXECUTION_FEE_LAMPORTS: u64 = 10_000_000;

/// Every economic parameter of a market. Ratios at [`RATIO_PRECISION`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RiskParams {
    /// `r_i`: initial margin ratio. precision: 1e6
    pub initial_margin_ratio: u32,
    /// `r_m`: maintenance margin ratio. precision: 1e6
    pub maintenance_margin_ratio: u32,
    /// `f`: liquidation fee ratio of closed notional. precision: 1e6
    pub liquidation_fee_ratio: u32,
    /// Taker fee ratio of traded notional. precision: 1e6
    pub taker_fee_ratio: u32,
    /// Impact fee ratio for a risk-increasing trade of `skew_scale` base (grows
    /// linearly with size). precision: 1e6
    pub impact_fee_ratio: u32,
    /// Share of every fee that goes to the insurance fund. precision: 1e6
    pub insurance_fee_share: u32,
    /// `h`: hedge ratio. precision: 1e6 (1_000_000 = the vault is fully hedged).
    pub hedge_ratio: u32,
    /// `k`: over-hedge cap, traders' net long may reach `(1 + k) * h * C`. precision: 1e6
    pub over_hedge_cap: u32,
    /// Base (native units) at which the funding imbalance saturates and the impact fee
    /// reaches `impact_fee_ratio`.
    pub skew_scale: u64,
    /// Smallest non-zero position, native units.
    pub min_position_base: u64,
    /// Market open-interest cap (long + short), whole USD.
    pub max_open_interest_usd: u64,
    /// Per-account position cap, whole USD.
    pub max_position_usd: u64,
    /// Delay between `vault_request_withdraw` and `vault_withdraw`, seconds.
    pub withdraw_delay: u32,
    /// Insurance unstake cooldown, seconds.
    pub insurance_cooldown: u32,
    /// Largest funding rate magnitude, fraction of notional per day. precision: 1e12
    pub max_funding_rate: i64,
    /// Largest change of the funding rate per day at full imbalance. precision: 1e12
    pub max_funding_velocity: i64,
    /// Longest interval one funding accrual charges, seconds.
    pub max_funding_interval: u32,
    /// Price gap the OI caps are sized against. precision: 1e6
    pub stress_move: u32,
    /// Liquidator's share of the liquidation reward (the insurance fund gets the
    /// rest). precision: 1e6
    pub liquidator_reward_share: u32,
    /// Seconds from a deposit, trade or margin-withdrawal request to its due time.
    pub execution_delay: u32,
    /// Lamports a requester sets aside for whoever executes the request.
    pub execution_fee_lamports: u64,
    /// The skew scale as a fraction of `C`: the scale in force is
    /// `max(skew_scale, skew_scale_ratio * C)`; 0 keeps the fixed scale. precision: 1e6
    pub skew_scale_ratio: u32,
    /// Share of a fall of the skew potential paid back to whoever caused it (the
    /// two-way hedge control, PROTOCOL section 4); 0 is revision 3's one-way impact
    /// fee on risk-increasing trades only. precision: 1e6
    pub skew_rebate_share: u32,
    /// Level the funding rate is pulled toward. precision: 1e12 per day
    pub funding_rate_target: i64,
    /// Time constant of the pull toward `funding_rate_target`, seconds; 0: no pull.
    pub funding_reversion_time: u32,
    /// Seconds over which the vault's income reaches the share price; 0: at once.
    pub profit_unlock_time: u32,
    /// Revision 6, deposits execute against a hedge that exists: the share of the
    /// hedge target a deposit may leave uncovered by traders' longs (the rest waits),
    /// and the band of the skew inside which funding returns to its target (outside
    /// it the rate keeps moving until the hedge is back). 0: revision 5's behaviour
    /// (deposits execute at once, pending deposits are not in the skew). precision: 1e6
    pub hedge_tolerance: u32,
    /// Revision 6, the bounded cost of hedging: the most the vault pays traders in
    /// funding to keep its hedge, a floor on the rate at `-max_hedge_cost` (no
    /// tighter than the cap when it is above `max_funding_rate`).
    /// precision: 1e12 per day
    pub max_hedge_cost: i64,
}

/// Oracle configuration parameters, checked with the risk parameters.
pub fn validate_oracle_limits(l: &OracleLimits) -> EngineResult<()> {
    let ok = l.liquidation_confirmation > 0
        && l.liquidation_confirmation <= l.max_age
        && l.max_age_liquidate > 0
        && l.max_age_liquidate <= l.max_age
        && l.max_age <= MAX_ORACLE_AGE_SECONDS
        && l.max_conf > 0
        && l.max_conf <= l.max_conf_reduce
        && l.max_conf_reduce <= MAX_CONF_RATIO;
    if ok {
        Ok(())
    } else {
        Err(EngineError::InvalidParameter)
    }
}

/// Everything a market is created or re-parameterized with: the risk parameters and
/// the oracle limits.
pub fn validate_market_config(p: &RiskParams, l: &OracleLimits) -> EngineResult<()> {
    p.validate()?;
    validate_oracle_limits(l)
}

/// Checks the token decimals are supported and returns `10^decimals`.
pub fn token_scale(decimals: u8) -> EngineResult<u128> {
    if decimals > MAX_TOKEN_DECIMALS {
        return Err(EngineError::InvalidParameter);
    }
    pow10(u32::from(decimals))
}

impl RiskParams {
    /// Whether the skew potential works both ways (revision 4: rebates, and the
    /// potential on reducing trades, deposits and withdrawals) or one way (revision 3:
    /// the impact fee of risk-increasing trades only).
    pub const fn skew_is_two_way(&self) -> bool {
        self.skew_rebate_share > 0
    }

    /// PROTOCOL section 4 (revision 5): closing any part of a position costs at most
    /// the potential's steepest slope on the skew it moves (`2 * impact_fee_ratio` per
    /// unit, the unit and the vault's share of its taker fee), the taker fee and, if it
    /// is liquidated, the liquidation fee; this fits in maintenance margin:
    /// `2k * (1 + f_t) + f_t + f <= r_m`. So a position above maintenance can always
    /// pay for its exit, and at a constant price no rise is ever left unfunded.
    pub fn exit_cost_fits_maintenance(&self) -> bool {
        let r = u128::from(RATIO_PRECISION);
        let k = u128::from(self.impact_fee_ratio);
        let taker = u128::from(self.taker_fee_ratio);
        // 2k (1 + f_t), rounded up.
        let total = k
            .checked_mul(2)
            .and_then(|x| x.checked_mul(r.checked_add(taker)?))
            .map(|x| x.div_ceil(r))
            .and_then(|slope| {
                slope
                    .checked_add(taker)?
                    .checked_add(u128::from(self.liquidation_fee_ratio))
            });
        total.is_some_and(|t| t <= u128::from(self.maintenance_margin_ratio))
    }

    /// Range checks, including `f < r_m < r_i <= 100%`.
    pub fn validate(&self) -> EngineResult<()> {
        match self.first_violation() {
            None => Ok(()),
            Some(_) => Err(EngineError::InvalidParameter),
        }
    }

    /// The first range rule these parameters break, by name (what `validate` refuses
    /// with `InvalidParameter`), so a client can say which before sending.
    pub fn first_violation(&self) -> Option<&'static str> {
        let r = RATIO_PRECISION as u32;
        let rules: [(&'static str, bool); 38] = [
            ("liquidation_fee_ratio > 0", self.liquidation_fee_ratio > 0),
            (
                "liquidation_fee_ratio < maintenance_margin_ratio",
                self.liquidation_fee_ratio < self.maintenance_margin_ratio,
            ),
            (
                "the cost of an exit at the skew potential's steepest slope, with the taker and liquidation fees, fits in maintenance_margin_ratio",
                self.exit_cost_fits_maintenance(),
            ),
            (
                "maintenance_margin_ratio < initial_margin_ratio",
                self.maintenance_margin_ratio < self.initial_margin_ratio,
            ),
            ("initial_margin_ratio <= 100%", self.initial_margin_ratio <= r),
            (
                "taker_fee_ratio <= the fee maximum",
                self.taker_fee_ratio <= MAX_FEE_RATIO,
            ),
            (
                "impact_fee_ratio <= the fee maximum",
                self.impact_fee_ratio <= MAX_FEE_RATIO,
            ),
            ("insurance_fee_share <= 100%", self.insurance_fee_share <= r),
            ("hedge_ratio > 0", self.hedge_ratio > 0),
            ("hedge_ratio <= 100%", self.hedge_ratio <= r),
            ("over_hedge_cap <= 100%", self.over_hedge_cap <= r),
            ("skew_scale > 0", self.skew_scale > 0),
            ("min_position_base > 0", self.min_position_base > 0),
            ("max_open_interest_usd > 0", self.max_open_interest_usd > 0),
            ("max_position_usd > 0", self.max_position_usd > 0),
            (
                "max_position_usd <= max_open_interest_usd",
                self.max_position_usd <= self.max_open_interest_usd,
            ),
            (
                "withdraw_delay between 60 s and the delay maximum",
                (MIN_WITHDRAW_DELAY..=MAX_DELAY_SECONDS).contains(&self.withdraw_delay),
            ),
            (
                "withdraw_delay >= execution_delay",
                self.withdraw_delay >= self.execution_delay,
            ),
            (
                "insurance_cooldown between 60 s and the delay maximum",
                (MIN_WITHDRAW_DELAY..=MAX_DELAY_SECONDS).contains(&self.insurance_cooldown),
            ),
            (
                "execution_delay in range",
                (MIN_EXECUTION_DELAY..=MAX_EXECUTION_DELAY).contains(&self.execution_delay),
            ),
            (
                "execution_fee_lamports <= its maximum",
                self.execution_fee_lamports <= MAX_EXECUTION_FEE_LAMPORTS,
            ),
            ("max_funding_rate >= 0", self.max_funding_rate >= 0),
            (
                "max_funding_rate <= its maximum",
                self.max_funding_rate <= MAX_FUNDING_RATE,
            ),
            ("max_funding_velocity >= 0", self.max_funding_velocity >= 0),
            (
                "max_funding_velocity <= its maximum",
                self.max_funding_velocity <= MAX_FUNDING_RATE,
            ),
            ("max_funding_interval > 0", self.max_funding_interval > 0),
            (
                "max_funding_interval <= its maximum",
                self.max_funding_interval <= MAX_FUNDING_INTERVAL,
            ),
            ("stress_move > 0", self.stress_move > 0),
            ("stress_move <= 100%", self.stress_move <= r),
            (
                "liquidator_reward_share <= 100%",
                self.liquidator_reward_share <= r,
            ),
            (
                "skew_scale_ratio <= 1000%",
                self.skew_scale_ratio <= MAX_SKEW_SCALE_RATIO,
            ),
            ("skew_rebate_share <= 100%", self.skew_rebate_share <= r),
            (
                "funding_rate_target within the maximum rate",
                self.funding_rate_target.unsigned_abs() <= self.max_funding_rate.unsigned_abs(),
            ),
            (
                "funding_reversion_time <= the delay maximum",
                self.funding_reversion_time <= MAX_DELAY_SECONDS,
            ),
            (
                "profit_unlock_time <= the delay maximum",
                self.profit_unlock_time <= MAX_DELAY_SECONDS,
            ),
            ("hedge_tolerance <= 100%", self.hedge_tolerance <= r),
            (
                "max_hedge_cost between 0 and the rate maximum",
                self.max_hedge_cost >= 0 && self.max_hedge_cost <= MAX_FUNDING_RATE,
            ),
            (
                "funding_rate_target >= -max_hedge_cost",
                self.funding_rate_target >= self.max_hedge_cost.wrapping_neg(),
            ),
        ];
        rules.iter().find(|(_, ok)| !ok).map(|(name, _)| *name)
    }

    /// Sensible defaults for a liquid token; every test and the demo start here.
    pub const fn default_for_tests() -> Self {
        Self {
            initial_margin_ratio: 100_000,    // 10% (10x)
            maintenance_margin_ratio: 50_000, // 5%
            liquidation_fee_ratio: 10_000,    // 1%
            taker_fee_ratio: 1_000,           // 0.1%
            impact_fee_ratio: 1_000,          // 0.1% at skew_scale
            insurance_fee_share: 200_000,     // 20% of fees
            hedge_ratio: 1_000_000,           // fully hedged
            over_hedge_cap: 100_000,          // 10%
            skew_scale: 1_000_000_000_000,    // 1000 tokens of 9 decimals
            min_position_base: 1_000_000,     // 0.001 token of 9 decimals
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
            execution_fee_lamports: 20_000,
            // Revision 3's behaviour: fixed skew scale, one-way impact fee,
            // velocity-only funding, income at once.
            skew_scale_ratio: 0,
            skew_rebate_share: 0,
            funding_rate_target: 0,
            funding_reversion_time: 0,
            profit_unlock_time: 0,
            // Revision 5's: deposits execute at once; the vault's funding is bounded
            // only by the rate's cap.
            hedge_tolerance: 0,
            max_hedge_cost: 10_000_000_000,
        }
    }

    /// Revision 6: deposits wait for a hedge that exists and count in the skew while
    /// they wait (`hedge_tolerance > 0`).
    pub const fn deposits_wait_for_hedge(&self) -> bool {
        self.hedge_tolerance > 0
    }

    /// Revision 6: `1 + hedge_tolerance / 2` (precision 1e6): a deposit executes only
    /// the part that leaves the traders' longs covering the hedge target to within
    /// half the tolerance, so an execution never leaves the vault at the edge of the
    /// band, where the smallest income would move it outside and the rate would
    /// run to its floor (found by the second attack on revision 6: a deposit executed
    /// to the band's edge by the holder of the longs turned the holders' own rate to
    /// `-max_hedge_cost`).
    pub fn cover_factor(&self) -> crate::EngineResult<u128> {
        use crate::math::SafeMath;
        u128::from(crate::RATIO_PRECISION).add_c(u128::from(self.hedge_tolerance / 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_broken_rule_is_named() {
        assert_eq!(RiskParams::default_for_tests().first_violation(), None);
        let mut p = RiskParams::default_for_tests();
        p.withdraw_delay = 5;
        assert_eq!(
            p.first_violation(),
            Some("withdraw_delay between 60 s and the delay maximum")
        );
        assert_eq!(p.validate(), Err(EngineError::InvalidParameter));
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(RiskParams::default_for_tests().validate(), Ok(()));
    }

    #[test]
    fn margin_order_is_enforced() {
        let mut p = RiskParams::default_for_tests();
        p.liquidation_fee_ratio = p.maintenance_margin_ratio;
        assert_eq!(p.validate(), Err(EngineError::InvalidParameter));
        let mut p = RiskParams::default_for_tests();
        p.maintenance_margin_ratio = p.initial_margin_ratio;
        assert_eq!(p.validate(), Err(EngineError::InvalidParameter));
        let mut p = RiskParams::default_for_tests();
        p.initial_margin_ratio = 1_000_001;
        assert_eq!(p.validate(), Err(EngineError::InvalidParameter));
    }

    const L: OracleLimits = OracleLimits {
        max_age: 120,
        max_age_liquidate: 15,
        liquidation_confirmation: 5,
        max_conf: 1,
        max_conf_reduce: 2,
    };

    #[test]
    fn oracle_limits_are_ordered() {
        assert_eq!(validate_oracle_limits(&L), Ok(()));
        for bad in [
            OracleLimits { max_age: 14, ..L },
            OracleLimits { max_conf: 3, ..L },
            OracleLimits {
                max_age_liquidate: 0,
                ..L
            },
            OracleLimits {
                max_age_liquidate: 121,
                ..L
            },
            OracleLimits { max_age: 3_601, ..L },
            OracleLimits {
                liquidation_confirmation: 0,
                ..L
            },
            OracleLimits {
                liquidation_confirmation: 121,
                ..L
            },
            OracleLimits {
                max_conf_reduce: 200_001,
                ..L
            },
        ] {
            assert_eq!(
                validate_oracle_limits(&bad),
                Err(EngineError::InvalidParameter),
                "{bad:?}"
            );
        }
    }

    /// PROTOCOL section 8: non-zero lower bounds on the withdrawal delay, the insurance
    /// cooldown and the execution delay.
    #[test]
    fn delays_have_lower_bounds() {
        let ok = RiskParams::default_for_tests();
        assert_eq!(validate_market_config(&ok, &L), Ok(()));
        let bad = [
            RiskParams {
                withdraw_delay: 0,
                ..ok
            },
            RiskParams {
                withdraw_delay: 59,
                ..ok
            },
            RiskParams {
                insurance_cooldown: 0,
                ..ok
            },
            RiskParams {
                execution_delay: 0,
                ..ok
            },
            RiskParams {
                execution_delay: 301,
                ..ok
            },
            RiskParams {
                execution_fee_lamports: 10_000_001,
                ..ok
            },
            RiskParams {
                execution_delay: 120,
                withdraw_delay: 60,
                ..ok
            },
        ];
        for p in bad {
            assert_eq!(p.validate(), Err(EngineError::InvalidParameter), "{p:?}");
        }
    }

    #[test]
    fn decimals_above_nine_are_refused() {
        assert_eq!(token_scale(9), Ok(1_000_000_000));
        assert_eq!(token_scale(10), Err(EngineError::InvalidParameter));
    }
}
