//! The compute-unit work of the engine (values computed once and passed down) checked
//! against the code it replaced, written out here: the same results to the unit, the
//! same errors, over thousands of random inputs with their edge values.

use crate::math::{to_i64, Rounding, SafeMath};
use crate::oracle::OraclePrice;
use crate::params::RiskParams;
use crate::position::*;
use crate::EngineResult;
use proptest::prelude::*;

/// Magnitudes of every size up to `bits`, their boundaries and random values.
fn magnitude(bits: u32) -> impl Strategy<Value = u128> {
    let max = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    prop_oneof![
        4 => (0u32..bits, any::<u128>()).prop_map(move |(b, x)| (x & max) >> b),
        1 => (0u32..bits).prop_map(|b| 1u128 << b),
        1 => (0u32..bits).prop_map(|b| (1u128 << b) - 1),
        1 => Just(max),
        1 => Just(0u128),
    ]
}

fn signed(bits: u32) -> impl Strategy<Value = i128> {
    (magnitude(bits), any::<bool>()).prop_map(|(m, neg)| {
        #[allow(clippy::cast_possible_wrap)]
        let m = (m & (u128::MAX >> 1)) as i128;
        if neg {
            -m
        } else {
            m
        }
    })
}

pub(crate) fn base() -> impl Strategy<Value = i64> {
    prop_oneof![
        12 => (-1_000_000i64..=1_000_000).prop_map(|x| x * 1_000_000),
        2 => signed(64).prop_map(|x| x as i64),
        1 => Just(i64::MIN),
        1 => Just(i64::MAX),
        1 => Just(0i64),
    ]
}

pub(crate) fn position() -> impl Strategy<Value = Position> {
    (
        base(),
        prop_oneof![12 => (-100_000_000_000i128..=100_000_000_000).prop_map(|x| x * 1_000_000_000_000_000), 1 => signed(128)],
        prop_oneof![12 => -1_000_000_000_000i64..=1_000_000_000_000, 1 => signed(64).prop_map(|x| x as i64)],
        prop_oneof![12 => (-1_000_000_000_000i128..=1_000_000_000_000).prop_map(|x| x * 1_000_000_000_000), 1 => signed(128)],
    )
        .prop_map(|(base, entry_quote, margin, funding_basis)| Position {
            base,
            entry_quote,
            margin,
            funding_basis,
            gap_snapshot: 0,
        })
}

pub(crate) fn oracle() -> impl Strategy<Value = OraclePrice> {
    (
        prop_oneof![12 => (1u128..=10_000_000).prop_map(|c| c * 10_000_000_000_000_000), 1 => magnitude(128)],
        0u128..=1_000,
        any::<bool>(),
    )
        .prop_map(|(price, bp, huge)| OraclePrice {
            price,
            conf: if huge { price } else { price / 10_000 * bp },
            publish_time: 0,
        })
}

pub(crate) fn index() -> impl Strategy<Value = i128> {
    prop_oneof![
        12 => (-10_000_000_000i128..=10_000_000_000).prop_map(|x| x * 1_000_000_000_000_000),
        1 => signed(128),
        1 => Just(0i128),
    ]
}

pub(crate) fn units() -> impl Strategy<Value = Units> {
    prop_oneof![
        12 => Just(1_000_000_000u128),
        1 => Just(1_000_000u128),
        1 => Just(1u128),
        1 => Just(1_000_000_000_000_000_000u128),
        1 => magnitude(70).prop_map(|s| s.max(1)),
    ]
    .prop_map(|scale| Units { scale })
}

/// The settlement as it was: the funding quote computed for the owed funding and again
/// for the new snapshot.
fn settle_funding_before(p: &mut Position, agg: &mut Aggregates, m: &MarketView) -> EngineResult<i64> {
    let owed = funding_owed_quote(p, m.units, m.funding_index)?;
    let tokens = to_i64(m.units.tokens_of(owed, m.oracle.price, Rounding::Ceil)?)?;
    let old = *p;
    let mut new = *p;
    new.margin = new.margin.sub_c(tokens)?;
    new.funding_basis = m
        .units
        .funding_quote(i128::from(new.base), m.funding_index, Rounding::Ceil)?;
    agg.replace(&old, &new)?;
    *p = new;
    Ok(tokens)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn settlement_computing_the_snapshot_once_is_the_same(
        pos in position(), o in oracle(), index in index(), units in units(), agg_base in signed(100),
    ) {
        let params = RiskParams::default_for_tests();
        let m = MarketView { params: &params, units, oracle: o, funding_index: index };
        let agg = Aggregates { net_base: agg_base, long_base: 1 << 100, short_base: 1 << 100, ..Aggregates::default() };
        let (mut p1, mut a1, mut p2, mut a2) = (pos, agg, pos, agg);
        let r1 = settle_funding(&mut p1, &mut a1, &m);
        let r2 = settle_funding_before(&mut p2, &mut a2, &m);
        prop_assert_eq!(r1, r2);
        if r1.is_ok() {
            prop_assert_eq!((p1, a1), (p2, a2));
        }
    }
}

/// The vault's valuations as they were: each computing its own claims at the band
/// edges (the withdrawal payout computed them in the value and again in the reserve).
mod vault_before {
    use crate::math::{mul_div, to_u64, Rounding, SafeMath};
    use crate::oracle::OraclePrice;
    use crate::params::RiskParams;
    use crate::vault::{amount_for_shares_floor, check_withdrawal, VaultView, WithdrawalPayout};
    use crate::{EngineError, EngineResult, RATIO_PRECISION};

    fn funding_owed(v: &VaultView, r: Rounding) -> EngineResult<i128> {
        v.units
            .funding_quote(v.aggregates.net_base, v.funding_index, r)?
            .sub_c(v.aggregates.funding_basis)
    }

    fn claim_tokens(v: &VaultView, owed: i128, price: u128, r: Rounding) -> EngineResult<i128> {
        let value = v.units.quote_of(v.aggregates.net_base, price, r)?;
        let q = value.sub_c(v.aggregates.entry_quote)?.sub_c(owed)?;
        v.units.tokens_of(q, price, r)
    }

    fn equity_with(v: &VaultView, owed: i128, price: u128, r: Rounding) -> EngineResult<i128> {
        i128::from(v.collateral).sub_c(claim_tokens(v, owed, price, r.flip())?)
    }

    pub fn equity_band(v: &VaultView, oracle: &OraclePrice) -> EngineResult<(i128, i128)> {
        let (bid, ask) = (oracle.bid()?, oracle.ask()?);
        let locked = i128::from(v.locked);
        let owed = funding_owed(v, Rounding::Floor)?;
        let low =
            equity_with(v, owed, bid, Rounding::Floor)?.min(equity_with(v, owed, ask, Rounding::Floor)?);
        let owed = funding_owed(v, Rounding::Ceil)?;
        let high = equity_with(v, owed, bid, Rounding::Ceil)?.max(equity_with(v, owed, ask, Rounding::Ceil)?);
        let locked = if locked < low { locked } else { 0 };
        Ok((low.sub_c(locked)?, high.sub_c(locked)?))
    }

    pub fn value_of_shares_floor(v: &VaultView, oracle: &OraclePrice, shares: u64) -> EngineResult<u64> {
        if shares == 0 {
            return Err(EngineError::ZeroAmount);
        }
        let (low, _) = equity_band(v, oracle)?;
        if low <= 0 {
            return Ok(0);
        }
        let value = amount_for_shares_floor(shares, v.supply, low.unsigned_abs())?;
        Ok(value.min(v.collateral))
    }

    pub fn reserve_ceil(v: &VaultView, oracle: &OraclePrice, params: &RiskParams) -> EngineResult<u128> {
        let margin = mul_div(
            v.aggregates.open_interest()?,
            u128::from(params.initial_margin_ratio),
            u128::from(RATIO_PRECISION),
            Rounding::Ceil,
        )?;
        let owed = funding_owed(v, Rounding::Floor)?;
        let gains = claim_tokens(v, owed, oracle.bid()?, Rounding::Ceil)?
            .max(claim_tokens(v, owed, oracle.ask()?, Rounding::Ceil)?)
            .max(0);
        margin.add_c(gains.unsigned_abs())
    }

    pub fn max_withdrawal_floor(
        v: &VaultView,
        oracle: &OraclePrice,
        params: &RiskParams,
    ) -> EngineResult<u64> {
        let c = u128::from(v.collateral);
        let by_reserve = c.saturating_sub(reserve_ceil(v, oracle, params)?);
        let n = v.aggregates.net_base;
        let by_hedge = if n <= 0 {
            c
        } else {
            let r = u128::from(RATIO_PRECISION);
            let factor = r
                .add_c(u128::from(params.over_hedge_cap))?
                .mul_c(u128::from(params.hedge_ratio))?;
            let min_c = mul_div(n.unsigned_abs(), r.mul_c(r)?, factor, Rounding::Ceil)?;
            c.saturating_sub(min_c)
        };
        to_u64(by_reserve.min(by_hedge))
    }

    pub fn withdrawal_payout(
        v: &VaultView,
        oracle: &OraclePrice,
        params: &RiskParams,
        shares: u64,
        value_at_request: u64,
    ) -> EngineResult<WithdrawalPayout> {
        let value_now = value_of_shares_floor(v, oracle, shares)?;
        let owed = value_now.min(value_at_request);
        if owed == 0 {
            return Err(EngineError::WithdrawalTooSmall);
        }
        let largest_now = max_withdrawal_floor(v, oracle, params)?;
        let full = WithdrawalPayout {
            value_now,
            owed,
            paid: owed,
            shares_burned: shares,
            remaining_value_at_request: 0,
            largest_now,
            skew_fee: 0,
            skew_unfunded: 0,
            skew_rebate: 0,
        };
        if check_withdrawal(v, oracle, params, owed).is_ok() {
            return Ok(full);
        }
        let paid = largest_now.min(owed);
        if paid == 0 {
            return Ok(WithdrawalPayout {
                paid: 0,
                shares_burned: 0,
                remaining_value_at_request: value_at_request,
                ..full
            });
        }
        let burned = to_u64(mul_div(
            u128::from(shares),
            u128::from(paid),
            u128::from(owed),
            Rounding::Ceil,
        )?)?;
        let left = shares.sub_c(burned)?;
        let remaining_value_at_request = to_u64(mul_div(
            u128::from(value_at_request),
            u128::from(left),
            u128::from(shares),
            Rounding::Floor,
        )?)?;
        Ok(WithdrawalPayout {
            paid,
            shares_burned: burned,
            remaining_value_at_request,
            ..full
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    /// The claims at the band edges computed once for the value and the reserve: every
    /// valuation and the payout as before, errors included.
    #[test]
    fn vault_valuations_sharing_the_claims_are_the_same(
        c in prop_oneof![4 => 0u64..=10_000_000_000_000_000, 1 => any::<u64>()],
        net in prop_oneof![4 => (-5_000_000i128..=5_000_000).prop_map(|n| n * 100_000_000), 1 => signed(100)],
        entry in prop_oneof![4 => (-100_000_000_000i128..=100_000_000_000).prop_map(|x| x * 1_000_000_000_000_000), 1 => signed(128)],
        basis in prop_oneof![4 => (-1_000_000_000_000i128..=1_000_000_000_000).prop_map(|x| x * 1_000_000_000_000), 1 => signed(128)],
        oi in magnitude(128),
        index in index(), units in units(), o in oracle(),
        supply in any::<u64>(), locked in prop_oneof![2 => Just(0u64), 1 => any::<u64>()],
        shares in prop_oneof![1 => Just(0u64), 8 => any::<u64>()],
        at_request in any::<u64>(),
    ) {
        let agg = Aggregates { net_base: net, long_base: oi / 2, short_base: oi / 2, entry_quote: entry, funding_basis: basis };
        let v = crate::vault::VaultView { collateral: c, supply, aggregates: &agg, units, funding_index: index, locked };
        let p = RiskParams::default_for_tests();
        let shares = shares.min(supply);
        prop_assert_eq!(crate::vault::equity_band(&v, &o), vault_before::equity_band(&v, &o));
        prop_assert_eq!(crate::vault::value_of_shares_floor(&v, &o, shares), vault_before::value_of_shares_floor(&v, &o, shares));
        prop_assert_eq!(crate::vault::reserve_ceil(&v, &o, &p), vault_before::reserve_ceil(&v, &o, &p));
        prop_assert_eq!(crate::vault::max_withdrawal_floor(&v, &o, &p), vault_before::max_withdrawal_floor(&v, &o, &p));
        prop_assert_eq!(
            crate::vault::withdrawal_payout(&v, &o, &p, shares, at_request),
            vault_before::withdrawal_payout(&v, &o, &p, shares, at_request)
        );
    }
}

/// The liquidation as it was: the health check computing the rest's equity again.
fn liquidate_before(
    pos: &Position,
    ctx: &TradeContext,
    insurance: u64,
    m: &MarketView,
) -> EngineResult<crate::liquidation::LiquidationOutcome> {
    use crate::liquidation::{liquidate_part, liquidation_size};
    if pos.base == 0 {
        return Err(crate::EngineError::PositionEmpty);
    }
    let equity = equity_floor(pos, m)?;
    if equity >= i128::from(maintenance_margin_ceil(pos, m.params)?) {
        return Err(crate::EngineError::PositionHealthy);
    }
    let size = pos.base.unsigned_abs();
    let closed = liquidation_size(pos, ctx, m)?.max(1);
    let out = liquidate_part(pos, ctx, insurance, m, closed)?.0;
    if out.position.base != 0 {
        let before = equity.mul_c(i128::from(out.position.base.unsigned_abs()))?;
        let after = equity_floor(&out.position, m)?.mul_c(i128::from(size))?;
        if after < before {
            return Ok(liquidate_part(pos, ctx, insurance, m, size)?.0);
        }
    }
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(30_000))]

    /// The health check of a partial liquidation from the rest's equity the close
    /// computed: the same outcome, errors included.
    #[test]
    fn liquidation_reusing_the_rest_equity_is_the_same(
        pos in position(), o in oracle(), index in index(), units in units(),
        c in prop_oneof![4 => 0u64..=10_000_000_000_000_000, 1 => any::<u64>()],
        net in prop_oneof![4 => (-5_000_000i128..=5_000_000).prop_map(|n| n * 100_000_000), 1 => signed(100)],
        insurance in any::<u64>(), skew_balance in any::<u64>(), unfunded in any::<u64>(),
        margin_bp in 0i64..=2_000, near in any::<bool>(),
    ) {
        let params = RiskParams::default_for_tests();
        let m = MarketView { params: &params, units, oracle: o, funding_index: index };
        // Half the cases near maintenance: the margin a fraction of the size, entered
        // a few percent away from the price, the funding settled.
        let pos = if near {
            let base = pos.base / 1_000;
            let entry_price = (o.price / 10_000).saturating_mul(10_000 + (margin_bp % 600) as u128 - 300);
            Position {
                base,
                margin: base.unsigned_abs() as i64 / 10_000 * margin_bp / 10,
                entry_quote: units.quote_of(i128::from(base), entry_price, Rounding::Ceil).unwrap_or(0),
                funding_basis: units.funding_quote(i128::from(base), index, Rounding::Ceil).unwrap_or(0),
                ..pos
            }
        } else {
            pos
        };
        let ctx = TradeContext {
            vault_collateral: c,
            aggregates: Aggregates { net_base: net, long_base: 1 << 100, short_base: 1 << 100, ..Aggregates::default() },
            insurance,
            skew: crate::skew::SkewLedger { balance: skew_balance, unfunded, ..Default::default() },
            ..TradeContext::default()
        };
        prop_assert_eq!(
            crate::liquidation::liquidate(&pos, &ctx, insurance, &m),
            liquidate_before(&pos, &ctx, insurance, &m)
        );
    }
}
