//! A trade's execution: its context (the vault's hedge and caps), its fees and fill
//! price against the skew potential, the limit price, the open-interest caps, and
//! the position and aggregates it changes.

use super::*;

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
    let part_entry = if closed == pos.base.unsigned_abs() {
        // Everything: `entry * size / size` is `entry`, exactly (refused, as that
        // division refuses it, when its magnitude does not fit in `i128`).
        if pos.entry_quote == i128::MIN {
            return Err(EngineError::MathOverflow);
        }
        pos.entry_quote
    } else {
        mul_div_signed(
            pos.entry_quote,
            u128::from(closed),
            u128::from(pos.base.unsigned_abs()),
            Rounding::Ceil,
        )?
    };
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
            to_u64(equity_floor_settled(&next, m)?.max(0).unsigned_abs())?,
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

    // `next` was re-snapshotted at its new base above: it owes no funding.
    let equity = equity_floor_settled(&next, m)?;
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
pub(super) fn check_risk_increase(
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
