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
