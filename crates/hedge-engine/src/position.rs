//! Trader positions: equity in tokens, margin requirements, fills and fees, trades
//! (increase, reduce, flip, close), funding settlement against the snapshot, and the
//! liquidation price shown to users. The market keeps [`Aggregates`] of all positions
//! so the vault can be valued in O(1).

use crate::math::{mul_div, mul_div_signed, to_i128, to_i64, to_u64, Rounding, SafeMath};
use crate::oracle::OraclePrice;
use crate::params::RiskParams;
use crate::skew::{settle, SkewCause, SkewLedger, SkewPoint, SkewSettlement};
use crate::{EngineError, EngineResult, FUNDING_INDEX_PRECISION, QUOTE_PRECISION, RATIO_PRECISION};

/// `FUNDING_INDEX_PRECISION / QUOTE_PRECISION` = 1e9: index units per quote unit.
const INDEX_TO_QUOTE: u128 = (FUNDING_INDEX_PRECISION as u128) / QUOTE_PRECISION;

/// The unit conversions of one market: its token's `10^decimals`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Units {
    /// `10^decimals` of the collateral mint.
    pub scale: u128,
}

impl Units {
    /// USD value (quote, 1e18) of `base` native units at `price` (1e18 per whole token).
    pub fn quote_of(&self, base: i128, price: u128, r: Rounding) -> EngineResult<i128> {
        mul_div_signed(base, price, self.scale, r)
    }

    /// Native token units worth `quote` USD at `price`.
    pub fn tokens_of(&self, quote: i128, price: u128, r: Rounding) -> EngineResult<i128> {
        if price == 0 {
            return Err(EngineError::DivisionByZero);
        }
        mul_div_signed(quote, self.scale, price, r)
    }

    /// Funding basis (quote) of `base` at cumulative `index` (1e27 USD per whole token).
    pub fn funding_quote(&self, base: i128, index: i128, r: Rounding) -> EngineResult<i128> {
        // base * index / (scale * 1e9); split the signs so the rounding stays exact.
        let d = self.scale.mul_c(INDEX_TO_QUOTE)?;
        let neg = (base < 0) != (index < 0);
        let m = mul_div(
            base.unsigned_abs(),
            index.unsigned_abs(),
            d,
            if neg { r.flip() } else { r },
        )?;
        let m = to_i128(m)?;
        Ok(if neg { m.wrapping_neg() } else { m })
    }
}

/// One trader position, as the engine sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// Signed size in native units (long > 0).
    pub base: i64,
    /// Entry notional `sum(base * fill)` in quote (1e18 USD); its sign is the base's.
    pub entry_quote: i128,
    /// Margin in native units. Negative only transiently, as debt owed to the vault
    /// that a liquidation resolves.
    pub margin: i64,
    /// Funding snapshot `base * index` in quote at the last settlement.
    pub funding_basis: i128,
    /// Revision 6: the market's gap index (`WaitingBid::gap_index`) at the last
    /// settlement: what of this position's funding since then the deposits in escrow
    /// paid for, per unit of base (`MarketState::settle_into`).
    pub gap_snapshot: u64,
}

/// Traders' aggregates, kept incrementally by every position change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Aggregates {
    /// `N`: traders' net base (the vault's perp is `-N`).
    pub net_base: i128,
    /// Sum of long sizes (open interest, long side), native units.
    pub long_base: u128,
    /// Sum of short sizes' magnitudes, native units.
    pub short_base: u128,
    /// Sum of positions' entry notionals, quote.
    pub entry_quote: i128,
    /// Sum of positions' funding bases, quote.
    pub funding_basis: i128,
}

impl Aggregates {
    /// Removes `old` and adds `new` (one position's change).
    pub fn replace(&mut self, old: &Position, new: &Position) -> EngineResult<()> {
        let mut next = *self;
        next.net_base = next
            .net_base
            .sub_c(i128::from(old.base))?
            .add_c(i128::from(new.base))?;
        for (p, sign_add) in [(old, false), (new, true)] {
            let mag = u128::from(p.base.unsigned_abs());
            let side = if p.base > 0 {
                &mut next.long_base
            } else {
                &mut next.short_base
            };
            *side = if sign_add {
                side.add_c(mag)?
            } else {
                side.sub_c(mag)?
            };
        }
        next.entry_quote = next.entry_quote.sub_c(old.entry_quote)?.add_c(new.entry_quote)?;
        next.funding_basis = next
            .funding_basis
            .sub_c(old.funding_basis)?
            .add_c(new.funding_basis)?;
        *self = next;
        Ok(())
    }

    /// Gross open interest, native units.
    pub fn open_interest(&self) -> EngineResult<u128> {
        self.long_base.add_c(self.short_base)
    }
}

/// Everything a position computation needs about the market at this moment.
#[derive(Clone, Copy, Debug)]
pub struct MarketView<'a> {
    /// Risk parameters.
    pub params: &'a RiskParams,
    /// Unit conversions.
    pub units: Units,
    /// The accepted oracle price.
    pub oracle: OraclePrice,
    /// Cumulative funding index now (funding accrued up to now).
    pub funding_index: i128,
}

/// `ceil(|base| * ratio / RATIO_PRECISION)`: a requirement of `ratio` of notional, in
/// tokens (PROTOCOL section 2).
pub fn requirement_ceil(base: i64, ratio: u32) -> EngineResult<u64> {
    let r = mul_div(
        u128::from(base.unsigned_abs()),
        u128::from(ratio),
        u128::from(RATIO_PRECISION),
        Rounding::Ceil,
    )?;
    to_u64(r)
}

/// Unrealized PnL of a position at `price`, quote, rounded down.
pub fn unrealized_pnl_quote(p: &Position, units: Units, price: u128) -> EngineResult<i128> {
    units
        .quote_of(i128::from(p.base), price, Rounding::Floor)?
        .sub_c(p.entry_quote)
}

/// Funding the position owes since its snapshot (positive: it pays), quote, rounded up.
pub fn funding_owed_quote(p: &Position, units: Units, index: i128) -> EngineResult<i128> {
    units
        .funding_quote(i128::from(p.base), index, Rounding::Ceil)?
        .sub_c(p.funding_basis)
}

/// Equity in tokens at the oracle price:
/// `margin + (base * P - entry - funding_owed) / P`, rounded down.
pub fn equity_floor(p: &Position, m: &MarketView) -> EngineResult<i128> {
    let price = m.oracle.price;
    let pnl = unrealized_pnl_quote(p, m.units, price)?;
    let owed = funding_owed_quote(p, m.units, m.funding_index)?;
    let t = m.units.tokens_of(pnl.sub_c(owed)?, price, Rounding::Floor)?;
    i128::from(p.margin).add_c(t)
}

/// [`equity_floor`] of a position whose funding snapshot is the funding quote of its
/// base at `m.funding_index`, rounded up (just settled or re-snapshotted): the funding
/// it owes is exactly zero, so the snapshot's quote is not computed again (that
/// computation succeeded with the same operands, so no error is skipped either).
pub(crate) fn equity_floor_settled(p: &Position, m: &MarketView) -> EngineResult<i128> {
    debug_assert_eq!(funding_owed_quote(p, m.units, m.funding_index), Ok(0));
    let price = m.oracle.price;
    let pnl = unrealized_pnl_quote(p, m.units, price)?;
    let t = m.units.tokens_of(pnl, price, Rounding::Floor)?;
    i128::from(p.margin).add_c(t)
}

/// Initial margin requirement `r_i * |base|`, tokens, rounded up.
pub fn initial_margin_ceil(p: &Position, params: &RiskParams) -> EngineResult<u64> {
    requirement_ceil(p.base, params.initial_margin_ratio)
}

/// Maintenance margin requirement `r_m * |base|`, tokens, rounded up.
pub fn maintenance_margin_ceil(p: &Position, params: &RiskParams) -> EngineResult<u64> {
    requirement_ceil(p.base, params.maintenance_margin_ratio)
}

/// Whether the position is below maintenance at the oracle price.
pub fn is_liquidatable(p: &Position, m: &MarketView) -> EngineResult<bool> {
    if p.base == 0 {
        return Ok(false);
    }
    Ok(equity_floor(p, m)? < i128::from(maintenance_margin_ceil(p, m.params)?))
}

/// Largest margin withdrawal: `min(margin, equity - IM)`, never negative. Gains are
/// not withdrawn before they are realized.
pub fn withdrawable_margin_floor(p: &Position, m: &MarketView) -> EngineResult<u64> {
    let free = equity_floor(p, m)?.sub_c(i128::from(initial_margin_ceil(p, m.params)?))?;
    let max = free.min(i128::from(p.margin)).max(0);
    to_u64(max.unsigned_abs())
}

/// Settles the funding owed since the snapshot into margin and re-snapshots.
/// Returns the tokens moved to the vault (`C`); negative when the vault pays.
/// Owed funding is converted at the oracle price, rounded in the vault's favour.
pub fn settle_funding(p: &mut Position, agg: &mut Aggregates, m: &MarketView) -> EngineResult<i64> {
    // The new snapshot is the funding quote `funding_owed_quote` starts from (same
    // base, index and rounding): computed once.
    let basis = m
        .units
        .funding_quote(i128::from(p.base), m.funding_index, Rounding::Ceil)?;
    let owed = basis.sub_c(p.funding_basis)?;
    let tokens = to_i64(m.units.tokens_of(owed, m.oracle.price, Rounding::Ceil)?)?;
    let old = *p;
    let mut new = *p;
    new.margin = new.margin.sub_c(tokens)?;
    new.funding_basis = basis;
    agg.replace(&old, &new)?;
    *p = new;
    Ok(tokens)
}

/// Whether a change of size from `base` to `new_base` reduces risk: toward zero on the
/// same side (closing included). A flip opens exposure on the other side, so it is a
/// risk-increasing trade.
pub fn is_risk_reducing(base: i64, new_base: i64) -> bool {
    base != 0
        && new_base.unsigned_abs() < base.unsigned_abs()
        && (new_base == 0 || (new_base > 0) == (base > 0))
}

/// Oracle price at which the position's equity reaches maintenance margin (funding
/// settled), 1e18 USD per whole token. `None` when there is none: an empty position,
/// or a short holding more than `(1 + r_m) * |base|` margin, which no rise can bring
/// to maintenance (a coin-margined short's loss in tokens is at most `|base|`).
///
/// Long: `P = entry / (margin + base * (1 - r_m))`; short:
/// `P = |entry| / (|base| * (1 + r_m) - margin)`. For a fresh long at leverage `L` this
/// is `P_entry / (1 + 1/L - r_m)` (PROTOCOL section 2).
pub fn liquidation_price(p: &Position, units: Units, params: &RiskParams) -> EngineResult<Option<u128>> {
    if p.base == 0 {
        return Ok(None);
    }
    let mm = i128::from(maintenance_margin_ceil(p, params)?);
    let base = i128::from(p.base);
    // Tokens such that equity(P) - MM = margin + base - entry/P - MM = 0.
    let d = i128::from(p.margin).add_c(base)?.sub_c(mm)?;
    // entry/P = d  =>  P = entry * scale / d  (entry in quote, P per whole token).
    if d == 0 || (d > 0) != (p.entry_quote > 0) {
        return Ok(if p.base > 0 { Some(u128::MAX) } else { None });
    }
    let price = mul_div(
        p.entry_quote.unsigned_abs(),
        units.scale,
        d.unsigned_abs(),
        Rounding::Ceil,
    )?;
    Ok(Some(price))
}

/// Loss beyond traders' initial margin if the price gaps by `stress_move` against all
/// open interest at once, as a fraction of notional: `max(0, stress_move - r_i)`.
/// precision: 1e6
pub fn stress_loss_ratio(params: &RiskParams) -> u32 {
    params.stress_move.saturating_sub(params.initial_margin_ratio)
}

/// The market open-interest cap (whole USD) at which a `stress_move` gap cannot lose
/// more than `insurance` tokens: `insurance * P / (stress_move - r_i)`, rounded down.
/// `None` when a gap of that size loses nothing beyond margin. PROTOCOL section 5 asks
/// that `max_open_interest_usd` be sized to this; the admin sets it (through the
/// timelock) and clients warn when the configured cap exceeds it.
pub fn stress_sized_open_interest_usd(
    insurance: u64,
    units: Units,
    price: u128,
    params: &RiskParams,
) -> EngineResult<Option<u128>> {
    let loss = stress_loss_ratio(params);
    if loss == 0 {
        return Ok(None);
    }
    let fund_quote = units
        .quote_of(i128::from(insurance), price, Rounding::Floor)?
        .unsigned_abs();
    let cap_quote = mul_div(
        fund_quote,
        u128::from(RATIO_PRECISION),
        u128::from(loss),
        Rounding::Floor,
    )?;
    Ok(Some(cap_quote / QUOTE_PRECISION))
}

mod trade;
pub use trade::*;

#[cfg(test)]
mod tests;
