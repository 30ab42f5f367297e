//! The third pass's compute-unit work checked against the code it replaced: the
//! funding a just-settled position owes is not computed again (it is zero), and the
//! liquidation's checks at the price and at the confirmation price share their
//! maintenance margin. Same results to the unit, same errors, over thousands of random
//! inputs with their edge values.

use crate::cu_equivalence::{index, oracle, position, units};
use crate::liquidation::{liquidate, liquidate_settled, LiquidationOutcome};
use crate::math::{mul_div_signed, to_i64, Rounding, SafeMath};
use crate::params::RiskParams;
use crate::position::*;
use crate::{EngineError, EngineResult};
use proptest::prelude::*;

/// `pos` with its funding snapshot set at `index` as a settlement sets it, or `None`
/// when that quote cannot be computed (the settlement fails before).
fn settled(pos: Position, units: Units, index: i128) -> Option<Position> {
    let funding_basis = units
        .funding_quote(i128::from(pos.base), index, Rounding::Ceil)
        .ok()?;
    Some(Position { funding_basis, ..pos })
}

/// The liquidation of `MarketState::liquidate` as it was, after the settlement: the
/// liquidation computing the funding owed, then `is_liquidatable` at the confirmation
/// price computing it and the maintenance margin again.
fn liquidate_settled_before(
    pos: &Position,
    ctx: &TradeContext,
    insurance: u64,
    m: &MarketView,
    confirm: Option<&MarketView>,
) -> EngineResult<LiquidationOutcome> {
    let outcome = liquidate(pos, ctx, insurance, m)?;
    if let Some(c) = confirm {
        if !is_liquidatable(pos, c)? {
            return Err(EngineError::LiquidationNotConfirmed);
        }
    }
    Ok(outcome)
}

/// `close_part_quote` as it was: the part's entry notional divided out even when the
/// whole position closes.
fn close_part_quote_before(
    pos: &Position,
    closed: u64,
    fill: u128,
    units: Units,
) -> EngineResult<(Position, i128)> {
    let mut next = *pos;
    if closed == 0 {
        return Ok((next, 0));
    }
    if closed > pos.base.unsigned_abs() {
        return Err(EngineError::MathOverflow);
    }
    let part_base = if pos.base > 0 {
        i128::from(closed)
    } else {
        i128::from(closed).wrapping_neg()
    };
    let part_entry = mul_div_signed(
        pos.entry_quote,
        u128::from(closed),
        u128::from(pos.base.unsigned_abs()),
        Rounding::Ceil,
    )?;
    let realized = units
        .quote_of(part_base, fill, Rounding::Floor)?
        .sub_c(part_entry)?;
    next.entry_quote = next.entry_quote.sub_c(part_entry)?;
    next.base = to_i64(i128::from(pos.base).sub_c(part_base)?)?;
    if next.base == 0 {
        next.entry_quote = 0;
    }
    Ok((next, realized))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// Closing a part, the whole position (half the cases) included.
    #[test]
    fn close_part_quote_of_everything_is_the_same(
        pos in position(), o in oracle(), units in units(), part in any::<u64>(), which in 0u8..6,
        entry_min in prop_oneof![9 => Just(false), 1 => Just(true)],
    ) {
        let pos = if entry_min { Position { entry_quote: i128::MIN, ..pos } } else { pos };
        let size = pos.base.unsigned_abs();
        let closed = match which {
            0..=2 => size,
            3 => part % size.saturating_add(1),
            4 => size.saturating_add(1),
            _ => part,
        };
        prop_assert_eq!(
            close_part_quote(&pos, closed, o.price, units),
            close_part_quote_before(&pos, closed, o.price, units)
        );
    }

    /// The equity of a position whose snapshot was just set, without the funding quote.
    #[test]
    fn equity_of_a_settled_position_is_the_same(
        pos in position(), o in oracle(), index in index(), units in units(),
    ) {
        let params = RiskParams::default_for_tests();
        let m = MarketView { params: &params, units, oracle: o, funding_index: index };
        if let Some(p) = settled(pos, units, index) {
            prop_assert_eq!(equity_floor_settled(&p, &m), equity_floor(&p, &m));
        }
    }

    /// The liquidation confirmed at a second price (or not at all), its funding
    /// settled: the same outcome, errors included. Half the cases near maintenance at
    /// both prices.
    #[test]
    fn confirmed_liquidation_of_a_settled_position_is_the_same(
        pos in position(), o in oracle(), oc in oracle(), index in index(), units in units(),
        c in prop_oneof![4 => 0u64..=10_000_000_000_000_000, 1 => any::<u64>()],
        net in prop_oneof![4 => (-5_000_000i128..=5_000_000).prop_map(|n| n * 100_000_000), 1 => any::<i64>().prop_map(i128::from)],
        insurance in any::<u64>(), skew_balance in any::<u64>(), unfunded in any::<u64>(),
        margin_bp in 0i64..=2_000, near in any::<bool>(), confirmed in 0u8..3, move_bp in 0u128..=400,
    ) {
        let params = RiskParams::default_for_tests();
        let m = MarketView { params: &params, units, oracle: o, funding_index: index };
        let pos = if near {
            let base = pos.base / 1_000;
            let entry_price = (o.price / 10_000).saturating_mul(10_000 + (margin_bp % 600) as u128 - 300);
            Position {
                base,
                margin: base.unsigned_abs() as i64 / 10_000 * margin_bp / 10,
                entry_quote: units.quote_of(i128::from(base), entry_price, Rounding::Ceil).unwrap_or(0),
                ..pos
            }
        } else {
            pos
        };
        let Some(pos) = settled(pos, units, index) else { return Ok(()) };
        // The confirmation: none (a legacy account), near the price, or any price.
        let oc = if near {
            crate::oracle::OraclePrice { price: (o.price / 10_000).saturating_mul(9_800 + move_bp).max(1), ..oc }
        } else {
            oc
        };
        let mc = MarketView { oracle: oc, ..m };
        let confirm = match confirmed { 0 => None, _ => Some(&mc) };
        let ctx = TradeContext {
            vault_collateral: c,
            aggregates: Aggregates { net_base: net, long_base: 1 << 100, short_base: 1 << 100, ..Aggregates::default() },
            insurance,
            skew: crate::skew::SkewLedger { balance: skew_balance, unfunded, ..Default::default() },
            ..TradeContext::default()
        };
        let new = if pos.base == 0 {
            Err(EngineError::PositionEmpty) // MarketState::liquidate refuses it first
        } else {
            liquidate_settled(&pos, &ctx, insurance, &m, confirm)
        };
        prop_assert_eq!(new, liquidate_settled_before(&pos, &ctx, insurance, &m, confirm));
    }
}
