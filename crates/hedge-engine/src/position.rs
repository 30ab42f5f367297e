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

/// Whether a change of size from `base` to `new_base` reduces risk: toward zero on the
/// same side (closing included). A flip opens exposure on the other side, so it is a
/// risk-increasing trade.
pub fn is_risk_reducing(base: i64, new_base: i64) -> bool {
    base != 0
        && new_base.unsigned_abs() < base.unsigned_abs()
        && (new_base == 0 || (new_base > 0) == (base > 0))
}

/// The market state a trade is checked against (before the trade).
#[derive(Clone, Copy, Debug, Default)]
pub struct TradeContext {
    /// `C`, tokens the vault holds.
    pub vault_collateral: u64,
    /// Traders' aggregates.
    pub aggregates: Aggregates,
    /// The insurance fund, tokens: it sizes the stress cap on open interest.
    pub insurance: u64,
    /// The skew ledger the trade's potential is settled against.
    pub skew: SkewLedger,
    /// A settled market: no skew potential is charged or rebated.
    pub settled: bool,
    /// Revision 6: the deposits in escrow, which count in the hedge base (the skew
    /// and the over-hedge cap) while they wait for their hedge; 0 before it.
    pub waiting_for_hedge: u64,
    /// Revision 6: the pending withdrawals' value at request, out of the hedge base.
    pub leaving_hedge: u64,
}

/// The hedge base `C + E - W` (revision 6; at least 0): the vault's collateral, the
/// deposits waiting for their hedge, less the pending withdrawals' value at request.
/// Before revision 6 both are 0 and it is `C`. The one formula the market's skew point,
/// funding and a trade's context all use.
pub fn hedge_base(collateral: u64, waiting: u64, leaving: u64) -> u64 {
    collateral.saturating_add(waiting).saturating_sub(leaving)
}

impl TradeContext {
    /// The hedge base with `C` at `collateral`.
    pub fn hedge_base(&self, collateral: u64) -> u64 {
        hedge_base(collateral, self.waiting_for_hedge, self.leaving_hedge)
    }

    /// The base of the over-hedge cap (revision 6): the hedge base with the escrow
    /// counted up to `max(C, skew_scale)`. Longs opened against deposits in escrow
    /// hold the vault over-hedged on `C` until those deposits execute, and a refusal
    /// at execution (the vault's equity gone at that price) returns them whole: a
    /// 100x escrow let longs over-hedge the vault 102x, a bet against the holders at
    /// fair odds (found by the second attack on revision 6). Counted up to `C` the
    /// vault is at most about twice over-hedged meanwhile (`skew_scale` at least, so
    /// a small vault still takes deposits); an empty vault (`C = 0` before the trade:
    /// no holder to carry it) counts all of it, so the first deposits find their
    /// longs at once.
    pub fn cap_base(&self, collateral: u64, skew_scale: u64) -> u64 {
        let counted = if self.vault_collateral == 0 {
            self.waiting_for_hedge
        } else {
            self.waiting_for_hedge.min(collateral.max(skew_scale))
        };
        hedge_base(collateral, counted, self.leaving_hedge)
    }
}

impl TradeContext {
    /// Settles the skew's change from the state before the trade to `after`, caused
    /// by `cause` (PROTOCOL section 4): through [`crate::skew::settle`], or nothing
    /// on a settled market.
    pub fn settle_skew(
        &self,
        after: SkewPoint,
        cause: SkewCause,
        room: u64,
        params: &RiskParams,
    ) -> EngineResult<SkewSettlement> {
        if self.settled {
            return Ok(SkewSettlement {
                ledger: self.skew,
                ..SkewSettlement::default()
            });
        }
        let before = SkewPoint {
            net_base: self.aggregates.net_base,
            collateral: self.hedge_base(self.vault_collateral),
        };
        let after = SkewPoint {
            collateral: self.hedge_base(after.collateral),
            ..after
        };
        settle(&self.skew, before, after, cause, room, params)
    }
}

/// What a trade does; the caller applies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeOutcome {
    /// The position after the trade.
    pub position: Position,
    /// The aggregates after the trade.
    pub aggregates: Aggregates,
    /// `C` after the trade.
    pub vault_collateral: u64,
    /// Fill price, 1e18 USD per whole token.
    pub fill_price: u128,
    /// Realized PnL moved to the trader's margin (negative: to the vault), tokens.
    pub realized_pnl: i64,
    /// Total fee (taker + impact), tokens, rounded up.
    pub fee: u64,
    /// The impact part of the fee: the skew potential's rise paid into the skew
    /// ledger, tokens.
    pub impact_fee: u64,
    /// The skew rebate paid out of the skew ledger into the margin, tokens.
    pub rebate: u64,
    /// Part of the fee for the insurance fund (its share of the taker fee), tokens.
    pub insurance_fee: u64,
    /// The skew potential's settlement (owed, paid, unfunded, rebated; the ledger
    /// after).
    pub skew: SkewSettlement,
    /// Whether the trade was risk-reducing.
    pub reducing: bool,
}

/// Taker fee of a trade of `delta` base: `ceil(|delta| * taker_fee_ratio)`, tokens.
pub fn taker_fee_ceil(delta: i64, params: &RiskParams) -> EngineResult<u64> {
    to_u64(mul_div(
        u128::from(delta.unsigned_abs()),
        u128::from(params.taker_fee_ratio),
        u128::from(RATIO_PRECISION),
        Rounding::Ceil,
    )?)
}

/// Splits a fee into (insurance fund, vault) parts; they sum to the fee.
pub fn split_fee(fee: u64, params: &RiskParams) -> EngineResult<(u64, u64)> {
    let ins = to_u64(mul_div(
        u128::from(fee),
        u128::from(params.insurance_fee_share),
        u128::from(RATIO_PRECISION),
        Rounding::Floor,
    )?)?;
    Ok((ins, fee.sub_c(ins)?))
}

/// The price an order actually gets per whole token (1e18 USD): its fill moved by the
/// skew potential's fee (against the trader) or rebate (for him) per unit, at the
/// oracle price `price`, rounded against the trader (PROTOCOL section 4, revision 5:
/// an order's limit bounds this, as GMX's acceptable price includes price impact, so
/// nobody who moves the skew before an order executes can make it pay more than its
/// limit allows).
pub fn effective_fill_price(
    delta: i64,
    fill: u128,
    fee: u64,
    rebate: u64,
    price: u128,
) -> EngineResult<u128> {
    let size = u128::from(delta.unsigned_abs());
    if size == 0 {
        return Err(EngineError::ZeroAmount);
    }
    let buy = delta > 0;
    // Per unit, in USD per whole token: tokens * price / size (native units cancel).
    let cost = mul_div(
        u128::from(fee),
        price,
        size,
        if buy { Rounding::Ceil } else { Rounding::Floor },
    )?;
    let gain = mul_div(
        u128::from(rebate),
        price,
        size,
        if buy { Rounding::Floor } else { Rounding::Ceil },
    )?;
    if buy {
        Ok(fill.add_c(cost)?.saturating_sub(gain))
    } else {
        Ok(fill.saturating_sub(cost).add_c(gain)?)
    }
}

/// Refuses a fill worse than the order's limit (zero: no limit): a buy above it, a
/// sell below it.
pub fn check_limit_price(delta: i64, fill: u128, limit: u128) -> EngineResult<()> {
    let worse = limit != 0 && if delta > 0 { fill > limit } else { fill < limit };
    if worse {
        return Err(EngineError::SlippageExceeded);
    }
    Ok(())
}

/// Traders' net long cap `(1 + k) * h * C`, base, rounded down.
pub fn net_long_cap_floor(collateral: u64, params: &RiskParams) -> EngineResult<u128> {
    let r = u128::from(RATIO_PRECISION);
    let factor = r
        .add_c(u128::from(params.over_hedge_cap))?
        .mul_c(u128::from(params.hedge_ratio))?;
    mul_div(u128::from(collateral), factor, r.mul_c(r)?, Rounding::Floor)
}

/// USD value of `base` at `price` in whole USD, rounded up (for caps).
pub fn usd_ceil(base: u128, units: Units, price: u128) -> EngineResult<u128> {
    let q = mul_div(base, price, units.scale, Rounding::Ceil)?;
    mul_div(q, 1, QUOTE_PRECISION, Rounding::Ceil)
}

/// Removes `closed` units (toward zero) from `pos` at `fill`: returns the position
/// with base and entry notional reduced (margin untouched) and the realized PnL in
/// quote, `closed * fill - ceil(entry * closed / |base|)`.
pub fn close_part_quote(
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

/// Realized PnL in tokens: gains converted at the ask (fewer tokens), losses at the
/// bid (more tokens), both rounded toward minus infinity.
pub fn realized_tokens(realized_quote: i128, m: &MarketView) -> EngineResult<i64> {
    let conv = if realized_quote >= 0 {
        m.oracle.ask()?
    } else {
        m.oracle.bid()?
    };
    to_i64(m.units.tokens_of(realized_quote, conv, Rounding::Floor)?)
}

/// Executes a trade of signed `delta` base against the vault. Funding must have been
/// settled first ([`settle_funding`]); the position is re-snapshotted at the new size.
///
/// The fill is the oracle price moved against the taker by the confidence interval.
/// Realized PnL of the closed part is converted to tokens at the band edge least
/// favourable to the trader. Every trade settles the skew potential's change through
/// the skew ledger ([`TradeContext::settle_skew`]). Risk-increasing trades must keep
/// equity >= initial margin, the vault not net long, `N <= (1+k) h C`, the OI caps and
/// the minimum size; risk-reducing trades are refused only if they would leave the
/// position with negative equity (that is a liquidation's job).
pub fn execute_trade(
    pos: &Position,
    ctx: &TradeContext,
    delta: i64,
    m: &MarketView,
) -> EngineResult<TradeOutcome> {
    if delta == 0 {
        return Err(EngineError::ZeroAmount);
    }
    let new_base = pos.base.checked_add(delta).ok_or(EngineError::MathOverflow)?;
    let reducing = is_risk_reducing(pos.base, new_base);
    let fill = m.oracle.fill_price(i128::from(delta))?;

    // Split into the closing part (toward zero) and the opening part.
    let closing = pos.base != 0 && (delta > 0) != (pos.base > 0);
    let closed = if closing {
        delta.unsigned_abs().min(pos.base.unsigned_abs())
    } else {
        0
    };
    let (mut next, realized_quote) = close_part_quote(pos, closed, fill, m.units)?;
    // What remains of delta after the closing part opens on the trade's side.
    let opened = i128::from(new_base).sub_c(i128::from(next.base))?;
    if opened != 0 {
        next.entry_quote = next
            .entry_quote
            .add_c(m.units.quote_of(opened, fill, Rounding::Ceil)?)?;
    }
    next.base = new_base;
    if new_base == 0 {
        next.entry_quote = 0;
    }

    let realized = realized_tokens(realized_quote, m)?;
    let taker = taker_fee_ceil(delta, m.params)?;
    let (insurance_taker, vault_taker) = split_fee(taker, m.params)?;
    // C after the trade: its realized PnL and the vault's share of the taker fee. The
    // skew potential's payments go to and from the skew ledger, apart from C, so they
    // do not move the state they are priced on.
    let collateral = i128::from(ctx.vault_collateral)
        .sub_c(i128::from(realized))?
        .add_c(i128::from(vault_taker))?;
    if collateral < 0 {
        return Err(EngineError::VaultInsufficientCollateral);
    }
    let collateral = to_u64(collateral.unsigned_abs())?;
    let n_after = ctx
        .aggregates
        .net_base
        .sub_c(i128::from(pos.base))?
        .add_c(i128::from(new_base))?;
    next.margin = next.margin.add_c(realized)?.sub_c(to_i64(i128::from(taker))?)?;
    next.funding_basis = m
        .units
        .funding_quote(i128::from(new_base), m.funding_index, Rounding::Ceil)?;
    // The skew potential from the state before to the state the trade leaves
    // (PROTOCOL section 4): an increase owes its rise whole (and is then held to
    // initial margin), an exit pays at most the equity it leaves (never refused for
    // it); a fall is rebated out of the skew ledger.
    let (cause, room) = if reducing {
        (
            SkewCause::Reduce,
            to_u64(equity_floor(&next, m)?.max(0).unsigned_abs())?,
        )
    } else {
        (SkewCause::Increase, u64::MAX)
    };
    let after = SkewPoint {
        net_base: n_after,
        collateral,
    };
    let skew = ctx.settle_skew(after, cause, room, m.params)?;
    let (impact, rebate) = (skew.paid, skew.rebate);
    let fee = taker.add_c(impact)?;
    next.margin = next
        .margin
        .sub_c(to_i64(i128::from(impact))?)?
        .add_c(to_i64(i128::from(rebate))?)?;
    let mut agg = ctx.aggregates;
    agg.replace(pos, &next)?;

    let equity = equity_floor(&next, m)?;
    if reducing {
        if equity < 0 {
            return Err(EngineError::PositionBankrupt);
        }
    } else {
        check_risk_increase(&next, ctx, &agg, collateral, m)?;
        if equity < i128::from(initial_margin_ceil(&next, m.params)?) {
            return Err(EngineError::InsufficientMargin);
        }
    }
    Ok(TradeOutcome {
        position: next,
        aggregates: agg,
        vault_collateral: collateral,
        fill_price: fill,
        realized_pnl: realized,
        fee,
        impact_fee: impact,
        rebate,
        skew,
        insurance_fee: insurance_taker,
        reducing,
    })
}

/// The checks of a risk-increasing trade, in order: minimum size, the vault never net
/// long, the over-hedge cap, the configured market cap (long + short), the stress cap
/// (the larger side must fit what the insurance fund covers), the per-account cap.
fn check_risk_increase(
    next: &Position,
    ctx: &TradeContext,
    agg: &Aggregates,
    collateral: u64,
    m: &MarketView,
) -> EngineResult<()> {
    let new_base = next.base;
    if new_base != 0 && new_base.unsigned_abs() < m.params.min_position_base {
        return Err(EngineError::PositionBelowMinimumSize);
    }
    let n_before = ctx.aggregates.net_base;
    if agg.net_base < 0 && agg.net_base < n_before {
        return Err(EngineError::VaultWouldBeNetLong);
    }
    let base = ctx.cap_base(collateral, m.params.skew_scale);
    if agg.net_base > n_before && agg.net_base > to_i128(net_long_cap_floor(base, m.params)?)? {
        return Err(EngineError::OverHedgeCapExceeded);
    }
    let oi_usd = usd_ceil(agg.open_interest()?, m.units, m.oracle.price)?;
    if agg.open_interest()? > ctx.aggregates.open_interest()?
        && oi_usd > u128::from(m.params.max_open_interest_usd)
    {
        return Err(EngineError::MarketOpenInterestCapExceeded);
    }
    let side = agg.long_base.max(agg.short_base);
    let side_before = ctx.aggregates.long_base.max(ctx.aggregates.short_base);
    if side > side_before {
        if let Some(cap) = stress_sized_open_interest_usd(ctx.insurance, m.units, m.oracle.price, m.params)? {
            if usd_ceil(side, m.units, m.oracle.price)? > cap {
                return Err(EngineError::InsuranceCapacityExceeded);
            }
        }
    }
    let pos_usd = usd_ceil(u128::from(new_base.unsigned_abs()), m.units, m.oracle.price)?;
    if pos_usd > u128::from(m.params.max_position_usd) {
        return Err(EngineError::AccountOpenInterestCapExceeded);
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PRICE_PRECISION;

    const SOL: Units = Units { scale: 1_000_000_000 };
    const ONE: i64 = 1_000_000_000; // one token of 9 decimals

    fn params() -> RiskParams {
        RiskParams::default_for_tests()
    }

    fn view(params: &RiskParams, usd: u128, conf_cents: u128) -> MarketView<'_> {
        MarketView {
            params,
            units: SOL,
            oracle: OraclePrice {
                price: usd * PRICE_PRECISION,
                conf: conf_cents * PRICE_PRECISION / 100,
                publish_time: 0,
            },
            funding_index: 0,
        }
    }

    fn ctx(c: u64) -> TradeContext {
        TradeContext {
            insurance: 1_000_000_000_000_000,
            vault_collateral: c,
            aggregates: Aggregates::default(),
            ..Default::default()
        }
    }

    #[test]
    fn open_long_at_the_ask_into_an_under_hedged_vault_pays_the_taker_fee_only() {
        let p = params();
        let m = view(&p, 100, 10); // 100 USD, conf 0.10
        let pos = Position {
            margin: ONE,
            ..Default::default()
        };
        // C = 100 tokens, nobody long: skew -100 tokens; the long moves it to -95, so
        // it lowers the potential and pays no impact fee.
        let out = execute_trade(&pos, &ctx(100 * ONE as u64), 5 * ONE, &m).unwrap();
        assert_eq!(out.fill_price, 100_100_000_000_000_000_000);
        // entry = 5 tokens * 100.10 USD = 500.5 USD
        assert_eq!(out.position.entry_quote, 500_500_000_000_000_000_000);
        // taker 0.1% of 5 tokens = 0.005 token, 20% of it to the insurance fund.
        assert_eq!((out.fee, out.impact_fee), (5_000_000, 0));
        assert_eq!(out.insurance_fee, 1_000_000);
        assert_eq!(out.position.margin, ONE - 5_000_000);
        assert_eq!(out.vault_collateral, 100 * ONE as u64 + 4_000_000);
        assert!(!out.reducing);
    }

    #[test]
    fn a_long_into_a_hedged_vault_pays_the_increase_of_the_skew_potential() {
        let p = params();
        let m = view(&p, 100, 0);
        // The vault is exactly hedged: C = 100 tokens, traders long 100 tokens.
        let mut c = ctx(100 * ONE as u64);
        c.aggregates.net_base = 100 * i128::from(ONE);
        c.aggregates.long_base = 100 * ONE as u128;
        let pos = Position {
            margin: ONE,
            ..Default::default()
        };
        let out = execute_trade(&pos, &c, 5 * ONE, &m).unwrap();
        // The taker fee's vault share (0.004 token) raises the target: the skew goes
        // from 0 to 5 - 0.004 = 4.996 tokens, and the fee is
        // ceil(0.1% * 4.996e9^2 / 1e12) = ceil(24960.016) = 24961 units.
        assert_eq!(out.impact_fee, 24_961);
        assert_eq!(out.fee, 5_000_000 + 24_961);
        // The impact fee goes to the skew ledger (PROTOCOL section 4, revision 5), 20%
        // of the taker fee to the insurance fund.
        assert_eq!(out.insurance_fee, 1_000_000);
        assert_eq!((out.skew.paid, out.skew.ledger.balance), (24_961, 24_961));
        assert_eq!(out.vault_collateral, 100 * ONE as u64 + 4_000_000);
        assert_eq!(out.position.margin, ONE - 5_024_961);
        // A short from the same state moves the skew from 0 to -5.004: it pays too.
        c.aggregates.net_base = 100 * i128::from(ONE) + 5_000_000;
        let short = execute_trade(&pos, &c, -5 * ONE, &m).unwrap();
        assert!(short.impact_fee > 0, "{short:?}");
    }

    #[test]
    fn sending_a_trade_in_pieces_never_pays_less_fee() {
        let p = params();
        let m = view(&p, 100, 3);
        let mut c = ctx(100 * ONE as u64);
        c.aggregates.net_base = 100 * i128::from(ONE);
        c.aggregates.long_base = 100 * ONE as u128;
        let pos = Position {
            margin: 10 * ONE,
            ..Default::default()
        };
        let whole = execute_trade(&pos, &c, 10 * ONE, &m).unwrap();
        let (mut p2, mut c2, mut fees) = (pos, c, 0u64);
        for _ in 0..10 {
            let o = execute_trade(&p2, &c2, ONE, &m).unwrap();
            fees += o.fee;
            p2 = o.position;
            c2 = TradeContext {
                insurance: c2.insurance,
                vault_collateral: o.vault_collateral,
                aggregates: o.aggregates,
                ..Default::default()
            };
        }
        assert_eq!(p2.base, whole.position.base);
        assert!(fees >= whole.fee, "pieces {fees} < whole {}", whole.fee);
        assert!(whole.impact_fee > 0);
    }

    #[test]
    fn close_at_a_higher_price_realizes_the_gain_at_the_ask() {
        let p = params();
        let m = view(&p, 100, 0);
        let pos = Position {
            margin: ONE,
            ..Default::default()
        };
        let open = execute_trade(&pos, &ctx(100 * ONE as u64), 5 * ONE, &m).unwrap();
        let m2 = view(&p, 110, 0);
        let c2 = TradeContext {
            insurance: 1_000_000_000_000_000,
            vault_collateral: open.vault_collateral,
            aggregates: open.aggregates,
            ..Default::default()
        };
        let close = execute_trade(&open.position, &c2, -5 * ONE, &m2).unwrap();
        // gain 5 * 10 USD = 50 USD = 50/110 tokens = 0.454545454 tokens
        assert_eq!(close.realized_pnl, 454_545_454);
        assert!(close.reducing);
        assert_eq!(close.position.base, 0);
        assert_eq!(close.position.entry_quote, 0);
        assert_eq!(close.aggregates, Aggregates::default());
        // conservation: margin + C + insurance fees unchanged by trading
        let total_before = ONE + 100 * ONE;
        let total_after = close.position.margin
            + close.vault_collateral as i64
            + open.insurance_fee as i64
            + close.insurance_fee as i64;
        assert_eq!(total_before, total_after);
    }

    #[test]
    fn flip_realizes_the_old_side_and_opens_the_new_at_the_fill() {
        let p = params();
        let m = view(&p, 100, 0);
        let pos = Position {
            margin: 2 * ONE,
            ..Default::default()
        };
        let a = execute_trade(&pos, &ctx(100 * ONE as u64), 5 * ONE, &m).unwrap();
        let c = TradeContext {
            insurance: 1_000_000_000_000_000,
            vault_collateral: a.vault_collateral,
            aggregates: a.aggregates,
            ..Default::default()
        };
        // Flip to short 1: a short would make the vault net long -> refused.
        assert_eq!(
            execute_trade(&a.position, &c, -6 * ONE, &m),
            Err(EngineError::VaultWouldBeNetLong)
        );
        // With another long in the aggregates, the flip is allowed.
        let mut c2 = c;
        c2.aggregates.net_base += 10 * i128::from(ONE);
        c2.aggregates.long_base += 10 * ONE as u128;
        let f = execute_trade(&a.position, &c2, -6 * ONE, &m).unwrap();
        assert_eq!(f.position.base, -ONE);
        assert_eq!(f.position.entry_quote, -100 * QUOTE_PRECISION as i128);
        assert!(!f.reducing);
        assert_eq!(f.aggregates.long_base, 10 * ONE as u128);
        assert_eq!(f.aggregates.short_base, ONE as u128);
    }

    #[test]
    fn refusals_of_risk_increasing_trades_are_named() {
        let p = params();
        let m = view(&p, 100, 0);
        let pos = Position {
            margin: ONE,
            ..Default::default()
        };
        // 10% IM: 1 token of margin carries at most ~10 tokens.
        assert_eq!(
            execute_trade(&pos, &ctx(1000 * ONE as u64), 11 * ONE, &m),
            Err(EngineError::InsufficientMargin)
        );
        assert_eq!(
            execute_trade(&pos, &ctx(1000 * ONE as u64), 1, &m),
            Err(EngineError::PositionBelowMinimumSize)
        );
        // Over-hedge: C = 5 tokens, cap 1.1 * 5 = 5.5 tokens of net long.
        assert_eq!(
            execute_trade(&pos, &ctx(5 * ONE as u64), 6 * ONE, &m),
            Err(EngineError::OverHedgeCapExceeded)
        );
        assert_eq!(
            execute_trade(&pos, &ctx(5 * ONE as u64), 0, &m),
            Err(EngineError::ZeroAmount)
        );
        let mut small = p;
        small.max_position_usd = 500;
        let ms = view(&small, 100, 0);
        assert_eq!(
            execute_trade(&pos, &ctx(1000 * ONE as u64), 6 * ONE, &ms),
            Err(EngineError::AccountOpenInterestCapExceeded)
        );
        small.max_open_interest_usd = 500;
        small.max_position_usd = 500;
        let ms = view(&small, 100, 0);
        assert_eq!(
            execute_trade(&pos, &ctx(1000 * ONE as u64), 6 * ONE, &ms),
            Err(EngineError::MarketOpenInterestCapExceeded)
        );
    }

    /// PROTOCOL section 5 (revision 2): the larger side's open interest must fit what
    /// the insurance fund covers on a `stress_move` gap.
    #[test]
    fn the_stress_sized_cap_is_enforced_on_risk_increasing_trades() {
        let p = params(); // stress 50%, r_i 10%: 1 token of fund covers 2.5 of OI
        let m = view(&p, 100, 0);
        let pos = Position {
            margin: 10 * ONE,
            ..Default::default()
        };
        // A fund of 2 tokens covers 2 * 100 / 0.4 = 500 USD = 5 tokens of longs.
        let c = TradeContext {
            insurance: 2 * ONE as u64,
            ..ctx(1_000 * ONE as u64)
        };
        assert_eq!(
            execute_trade(&pos, &c, 5 * ONE + 1, &m),
            Err(EngineError::InsuranceCapacityExceeded)
        );
        let out = execute_trade(&pos, &c, 5 * ONE, &m).unwrap();
        // Reducing past the cap is never refused for it.
        let c2 = TradeContext {
            insurance: 0,
            vault_collateral: out.vault_collateral,
            aggregates: out.aggregates,
            ..Default::default()
        };
        assert!(execute_trade(&out.position, &c2, -ONE, &m).is_ok());
    }

    /// A reduction whose gain the vault cannot pay is refused by name, not by overflow.
    #[test]
    fn a_gain_the_vault_cannot_pay_is_a_named_refusal() {
        let p = params();
        let pos = Position {
            base: 5 * ONE,
            entry_quote: 500 * QUOTE_PRECISION as i128,
            margin: ONE,
            funding_basis: 0,
            gap_snapshot: 0,
        };
        let mut c = ctx(ONE as u64 / 10);
        c.aggregates.replace(&Position::default(), &pos).unwrap();
        // At 200 USD the long gains 500 USD = 2.5 tokens; the vault holds 0.1.
        assert_eq!(
            execute_trade(&pos, &c, -5 * ONE, &view(&p, 200, 0)),
            Err(EngineError::VaultInsufficientCollateral)
        );
    }

    #[test]
    fn limit_prices_refuse_worse_fills_only() {
        assert_eq!(check_limit_price(1, 101, 100), Err(EngineError::SlippageExceeded));
        assert_eq!(check_limit_price(1, 100, 100), Ok(()));
        assert_eq!(check_limit_price(-1, 99, 100), Err(EngineError::SlippageExceeded));
        assert_eq!(check_limit_price(-1, 101, 100), Ok(()));
        assert_eq!(check_limit_price(1, u128::MAX, 0), Ok(()));
        // The skew charge moves the price an order gets: a buy of 2 tokens at 100
        // paying 0.02 token of fee pays 101 a token; a sell rebated 0.02 gets 101.
        let p = 100 * PRICE_PRECISION;
        assert_eq!(
            effective_fill_price(2 * ONE, p, 20_000_000, 0, p),
            Ok(101 * PRICE_PRECISION)
        );
        assert_eq!(
            effective_fill_price(-2 * ONE, p, 0, 20_000_000, p),
            Ok(101 * PRICE_PRECISION)
        );
        assert_eq!(
            effective_fill_price(-2 * ONE, p, 20_000_000, 0, p),
            Ok(99 * PRICE_PRECISION)
        );
    }

    #[test]
    fn reducing_trades_ignore_caps_but_not_bankruptcy() {
        let p = params();
        let m = view(&p, 100, 0);
        let pos = Position {
            margin: ONE,
            ..Default::default()
        };
        let a = execute_trade(&pos, &ctx(100 * ONE as u64), 9 * ONE, &m).unwrap();
        // Caps shrink below the position: the reduction still goes through.
        let mut tight = p;
        tight.max_position_usd = 1;
        tight.max_open_interest_usd = 1;
        tight.min_position_base = 100 * ONE as u64;
        let mt = view(&tight, 100, 0);
        let c = TradeContext {
            insurance: 1_000_000_000_000_000,
            vault_collateral: 0,
            aggregates: a.aggregates,
            ..Default::default()
        };
        let r = execute_trade(&a.position, &c, -ONE, &mt).unwrap();
        assert!(r.reducing);
        // At 85 USD the 9-token long lost 135 USD = 1.59 tokens > margin: bankrupt.
        let low = view(&p, 85, 0);
        let c = TradeContext {
            insurance: 1_000_000_000_000_000,
            vault_collateral: a.vault_collateral,
            aggregates: a.aggregates,
            ..Default::default()
        };
        assert_eq!(
            execute_trade(&a.position, &c, -9 * ONE, &low),
            Err(EngineError::PositionBankrupt)
        );
    }

    #[test]
    fn withdrawable_margin_excludes_unrealized_gains() {
        let p = params();
        let m = view(&p, 100, 0);
        let pos = Position {
            margin: ONE,
            ..Default::default()
        };
        let a = execute_trade(&pos, &ctx(100 * ONE as u64), 5 * ONE, &m).unwrap();
        // equity = margin - fee; IM = 0.5 token
        let w = withdrawable_margin_floor(&a.position, &m).unwrap();
        assert_eq!(w, (a.position.margin - ONE / 2) as u64);
        // After a rise, equity is higher but only margin is withdrawable.
        let up = view(&p, 200, 0);
        assert_eq!(
            withdrawable_margin_floor(&a.position, &up).unwrap(),
            a.position.margin as u64
        );
    }

    #[test]
    fn liquidation_price_matches_the_closed_form() {
        let p = params(); // r_m = 5%
                          // 2x long at 100: margin 0.5 token per token -> 100 / (1 + 0.5 - 0.05) = 68.9655...
        let pos = Position {
            base: 2 * ONE,
            entry_quote: 200 * QUOTE_PRECISION as i128,
            margin: ONE,
            funding_basis: 0,
            gap_snapshot: 0,
        };
        let lp = liquidation_price(&pos, SOL, &p).unwrap().unwrap();
        assert_eq!(lp / (PRICE_PRECISION / 10_000), 689_655); // 68.9655 USD
                                                              // Equity at that price equals maintenance, up to rounding.
        let pp = RiskParams::default_for_tests();
        let m = MarketView {
            params: &pp,
            units: SOL,
            oracle: OraclePrice {
                price: lp,
                conf: 0,
                publish_time: 0,
            },
            funding_index: 0,
        };
        let eq = equity_floor(&pos, &m).unwrap();
        assert!((eq - 100_000_000).abs() <= 1, "{eq}");
        // 10x long: -5% ~ 100 / 1.05
        let pos = Position {
            base: 10 * ONE,
            entry_quote: 1000 * QUOTE_PRECISION as i128,
            margin: ONE,
            funding_basis: 0,
            gap_snapshot: 0,
        };
        let lp = liquidation_price(&pos, SOL, &p).unwrap().unwrap();
        assert_eq!(lp / (PRICE_PRECISION / 100), 9_523); // 95.238 USD
                                                         // Short with 2x: 100 / (1 + 0.05 - 0.5) = 181.8181
        let pos = Position {
            base: -2 * ONE,
            entry_quote: -200 * QUOTE_PRECISION as i128,
            margin: ONE,
            funding_basis: 0,
            gap_snapshot: 0,
        };
        let lp = liquidation_price(&pos, SOL, &p).unwrap().unwrap();
        assert_eq!(lp / (PRICE_PRECISION / 10_000), 1_818_181);
        // A short holding more than (1 + r_m) |base| is never liquidated by a rise.
        let pos = Position {
            base: -ONE,
            entry_quote: -100 * QUOTE_PRECISION as i128,
            margin: 2 * ONE,
            funding_basis: 0,
            gap_snapshot: 0,
        };
        assert_eq!(liquidation_price(&pos, SOL, &p).unwrap(), None);
    }

    #[test]
    fn funding_settles_against_the_snapshot() {
        let p = params();
        let mut m = view(&p, 100, 0);
        let mut pos = Position {
            base: 2 * ONE,
            entry_quote: 200 * QUOTE_PRECISION as i128,
            margin: ONE,
            funding_basis: 0,
            gap_snapshot: 0,
        };
        let mut agg = Aggregates::default();
        agg.replace(&Position::default(), &pos).unwrap();
        // Index rises by 1 USD per token: the 2-token long owes 2 USD = 0.02 token.
        m.funding_index = FUNDING_INDEX_PRECISION;
        let paid = settle_funding(&mut pos, &mut agg, &m).unwrap();
        assert_eq!(paid, 20_000_000);
        assert_eq!(pos.margin, ONE - 20_000_000);
        assert_eq!(funding_owed_quote(&pos, SOL, m.funding_index), Ok(0));
        assert_eq!(agg.funding_basis, pos.funding_basis);
        // Settling again moves nothing.
        assert_eq!(settle_funding(&mut pos, &mut agg, &m), Ok(0));
    }

    #[test]
    fn risk_reducing_classification() {
        assert!(is_risk_reducing(5, 3));
        assert!(is_risk_reducing(5, 0));
        assert!(is_risk_reducing(-5, -1));
        assert!(!is_risk_reducing(5, -1));
        assert!(!is_risk_reducing(5, 6));
        assert!(!is_risk_reducing(0, 1));
    }
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

#[cfg(test)]
mod stress_tests {
    use super::*;

    #[test]
    fn a_fund_of_4_tokens_covers_10_tokens_of_oi_on_a_50pct_gap_at_10pct_margin() {
        let p = RiskParams::default_for_tests(); // stress 50%, r_i 10%
        let units = Units { scale: 1_000_000_000 };
        let cap =
            stress_sized_open_interest_usd(4_000_000_000, units, 100 * crate::PRICE_PRECISION, &p).unwrap();
        // 4 tokens * 100 USD / 40% = 1000 USD of open interest.
        assert_eq!(cap, Some(1_000));
        let mut q = p;
        q.stress_move = q.initial_margin_ratio;
        assert_eq!(stress_sized_open_interest_usd(1, units, 1, &q).unwrap(), None);
    }
}
