//! Liquidation (PROTOCOL section 5): how much of an unhealthy position to close, the
//! reward (liquidator first, insurance fund after, capped at the remaining equity),
//! the bad-debt waterfall (margin, then insurance fund, then vault shareholders), and
//! auto-deleveraging when traders' gains breach the vault's own margin.

use crate::math::{mul_div, to_i64, to_u64, Rounding, SafeMath};
use crate::position::{
    close_part_quote, equity_floor, equity_floor_settled, maintenance_margin_ceil, realized_tokens,
    Aggregates, MarketView, Position, TradeContext,
};
use crate::skew::{SkewCause, SkewPoint, SkewSettlement};
use crate::vault::{equity_at, VaultView};
use crate::{EngineError, EngineResult, RATIO_PRECISION};

/// What a liquidation does; the caller applies it and moves the tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationOutcome {
    /// The position after (margin zeroed if bad debt was written off).
    pub position: Position,
    /// Aggregates after.
    pub aggregates: Aggregates,
    /// `C` after (realized PnL and socialized loss applied).
    pub vault_collateral: u64,
    /// Insurance fund ledger after (reward added, bad debt covered).
    pub insurance: u64,
    /// Base closed, native units.
    pub closed: u64,
    /// Fill, 1e18 USD per whole token: the oracle moved against the position.
    pub fill_price: u128,
    /// Realized PnL moved to margin, tokens.
    pub realized_pnl: i64,
    /// Paid to the liquidator's token account, tokens.
    pub liquidator_reward: u64,
    /// Paid to the insurance fund, tokens.
    pub insurance_reward: u64,
    /// Debt left after closing everything, tokens.
    pub bad_debt: u64,
    /// Part of the bad debt the insurance fund paid to the vault.
    pub insurance_covered: u64,
    /// Part of the bad debt the vault's shareholders absorbed.
    pub socialized: u64,
    /// The skew potential's settlement of the close: its rise paid from the equity
    /// left after the rewards (the rest unfunded), never rebated.
    pub skew: SkewSettlement,
}

/// The fill of a liquidation: the oracle moved against the position.
fn liquidation_fill(pos: &Position, m: &MarketView) -> EngineResult<u128> {
    if pos.base > 0 {
        m.oracle.bid()
    } else {
        m.oracle.ask()
    }
}

/// Base to close: just enough that the rest sits at the target margin
/// `(r_m + r_i) / 2` after paying the fee, the cost of the fill (the spread to the
/// oracle and the conversion of realized PnL at the band edge, measured exactly by
/// closing the whole position on paper: the close is linear in size) and the skew
/// potential's rise (per unit, that of closing the whole position: an upper bound for
/// any part of it, the potential being convex along the way); everything when equity
/// is not positive, when the rest would be below the minimum size, or when closing
/// cannot raise the ratio. Rounded up (closing slightly more is safer).
pub fn liquidation_size(pos: &Position, ctx: &TradeContext, m: &MarketView) -> EngineResult<u64> {
    liquidation_size_at(pos, ctx, m, equity_floor(pos, m)?)
}

/// [`liquidation_size`] for a position whose `equity_floor` is `equity` (computed
/// once by the caller).
fn liquidation_size_at(
    pos: &Position,
    ctx: &TradeContext,
    m: &MarketView,
    equity: i128,
) -> EngineResult<u64> {
    let size = pos.base.unsigned_abs();
    if equity <= 0 {
        return Ok(size);
    }
    let r = u128::from(RATIO_PRECISION);
    let target = u128::from(m.params.maintenance_margin_ratio)
        .add_c(u128::from(m.params.initial_margin_ratio))?
        .checked_div(2)
        .ok_or(EngineError::DivisionByZero)?;
    let (_, all_quote) = close_part_quote(pos, size, liquidation_fill(pos, m)?, m.units)?;
    let realized_all = realized_tokens(all_quote, m)?;
    let closed_all = i128::from(pos.margin).add_c(i128::from(realized_all))?;
    let fill_cost = equity.sub_c(closed_all)?.max(0).unsigned_abs();
    let after_all = SkewPoint {
        net_base: ctx.aggregates.net_base.sub_c(i128::from(pos.base))?,
        collateral: to_u64(
            i128::from(ctx.vault_collateral)
                .sub_c(i128::from(realized_all))?
                .max(0)
                .unsigned_abs(),
        )?,
    };
    let rise_all = ctx
        .settle_skew(after_all, SkewCause::Forced, u64::MAX, m.params)?
        .fee;
    let cost = u128::from(m.params.liquidation_fee_ratio)
        .add_c(mul_div(fill_cost, r, u128::from(size), Rounding::Ceil)?)?
        .add_c(mul_div(
            u128::from(rise_all),
            r,
            u128::from(size),
            Rounding::Ceil,
        )?)?;
    if target <= cost {
        return Ok(size);
    }
    // equity - x * cost = target * (size - x)  =>  x = (target*size - equity) / (target - cost)
    let need = u128::from(size).mul_c(target)?;
    let have = equity.unsigned_abs().mul_c(r)?;
    if need <= have {
        return Ok(0);
    }
    let x = mul_div(need.sub_c(have)?, 1, target.sub_c(cost)?, Rounding::Ceil)?;
    let x = to_u64(x.min(u128::from(size)))?;
    if size.sub_c(x)? < m.params.min_position_base {
        return Ok(size);
    }
    Ok(x)
}

/// Liquidates an unhealthy position (funding settled first by the caller). If the
/// partial close computed by [`liquidation_size`] would, through rounding, leave the
/// rest less healthy than before, the whole position is closed instead.
pub fn liquidate(
    pos: &Position,
    ctx: &TradeContext,
    insurance: u64,
    m: &MarketView,
) -> EngineResult<LiquidationOutcome> {
    if pos.base == 0 {
        return Err(EngineError::PositionEmpty);
    }
    // `is_liquidatable`, with the equity kept for the size and the health check.
    let equity = equity_floor(pos, m)?;
    let mm = maintenance_margin_ceil(pos, m.params)?;
    liquidate_at(pos, ctx, insurance, m, equity, mm)
}

/// The engine work of `MarketState::liquidate` after the funding settlement: a
/// non-empty position `pos` whose funding snapshot was just set at `m.funding_index`
/// (it owes no funding) is liquidated at `m` if it is below maintenance there
/// (`PositionHealthy` otherwise) and, when `confirm` is given (a pull market's
/// confirmation price, same funding index), below maintenance at `confirm` too
/// (`LiquidationNotConfirmed` otherwise). The maintenance margin is computed once.
#[inline(always)]
pub(crate) fn liquidate_settled(
    pos: &Position,
    ctx: &TradeContext,
    insurance: u64,
    m: &MarketView,
    confirm: Option<&MarketView>,
) -> EngineResult<LiquidationOutcome> {
    let equity = equity_floor_settled(pos, m)?;
    let mm = maintenance_margin_ceil(pos, m.params)?;
    let outcome = liquidate_at(pos, ctx, insurance, m, equity, mm)?;
    if let Some(c) = confirm {
        if equity_floor_settled(pos, c)? >= i128::from(mm) {
            return Err(EngineError::LiquidationNotConfirmed);
        }
    }
    Ok(outcome)
}

/// [`liquidate`] of a non-empty position whose `equity_floor` is `equity` and whose
/// maintenance margin is `mm` (computed once by the caller, in that order).
pub(crate) fn liquidate_at(
    pos: &Position,
    ctx: &TradeContext,
    insurance: u64,
    m: &MarketView,
    equity: i128,
    mm: u64,
) -> EngineResult<LiquidationOutcome> {
    if equity >= i128::from(mm) {
        return Err(EngineError::PositionHealthy);
    }
    let size = pos.base.unsigned_abs();
    let closed = liquidation_size_at(pos, ctx, m, equity)?.max(1);
    let (out, equity_part) = liquidate_part(pos, ctx, insurance, m, closed)?;
    if out.position.base != 0 {
        // Health: equity per unit of size, after vs before (cross-multiplied).
        let before = equity.mul_c(i128::from(out.position.base.unsigned_abs()))?;
        // `equity_floor(&out.position, m)`: the rest's equity before the rewards and
        // the skew charge, less them (only its margin moved since, by them).
        let rest = equity_part
            .sub_c(i128::from(out.liquidator_reward))?
            .sub_c(i128::from(out.insurance_reward))?
            .sub_c(i128::from(out.skew.paid))?;
        debug_assert_eq!(Ok(rest), equity_floor(&out.position, m));
        let after = rest.mul_c(i128::from(size))?;
        if after < before {
            return Ok(liquidate_part(pos, ctx, insurance, m, size)?.0);
        }
    }
    Ok(out)
}

/// Closes `closed` of `pos`; also returns the equity of what is left before the
/// rewards and the skew charge (`equity_floor` of the position after the close).
pub(crate) fn liquidate_part(
    pos: &Position,
    ctx: &TradeContext,
    insurance: u64,
    m: &MarketView,
    closed: u64,
) -> EngineResult<(LiquidationOutcome, i128)> {
    let fill = liquidation_fill(pos, m)?;
    let (mut next, realized_quote) = close_part_quote(pos, closed, fill, m.units)?;
    let realized = realized_tokens(realized_quote, m)?;
    next.margin = next.margin.add_c(realized)?;
    next.funding_basis = m
        .units
        .funding_quote(i128::from(next.base), m.funding_index, Rounding::Ceil)?;

    // Reward: min(f * closed, remaining equity), the liquidator's part first. `next`
    // was just re-snapshotted: it owes no funding.
    let equity_part = equity_floor_settled(&next, m)?;
    let available = equity_part.max(0).unsigned_abs();
    let r = u128::from(RATIO_PRECISION);
    let full = mul_div(
        u128::from(closed),
        u128::from(m.params.liquidation_fee_ratio),
        r,
        Rounding::Ceil,
    )?;
    let liq_full = mul_div(
        full,
        u128::from(m.params.liquidator_reward_share),
        r,
        Rounding::Floor,
    )?;
    let liquidator_reward = liq_full.min(available);
    let insurance_reward = full.sub_c(liq_full)?.min(available.sub_c(liquidator_reward)?);
    let (liquidator_reward, insurance_reward) = (to_u64(liquidator_reward)?, to_u64(insurance_reward)?);
    next.margin = next
        .margin
        .sub_c(to_i64(i128::from(liquidator_reward))?)?
        .sub_c(to_i64(i128::from(insurance_reward))?)?;

    // Waterfall: margin is exhausted; the fund pays the rest to the vault; what it
    // cannot cover is socialized (C falls).
    let mut insurance_after = insurance.add_c(insurance_reward)?;
    let (mut bad_debt, mut covered, mut socialized) = (0u64, 0u64, 0u64);
    if next.base == 0 && next.margin < 0 {
        bad_debt = next.margin.unsigned_abs();
        covered = bad_debt.min(insurance_after);
        socialized = bad_debt.sub_c(covered)?;
        insurance_after = insurance_after.sub_c(covered)?;
        next.margin = 0;
    }
    let collateral = i128::from(ctx.vault_collateral)
        .sub_c(i128::from(realized))?
        .sub_c(i128::from(socialized))?;
    let vault_collateral =
        to_u64(u128::try_from(collateral).map_err(|_| EngineError::VaultInsufficientCollateral)?)?;
    // The skew potential of the close, from the state before to the state the close
    // and the waterfall leave: paid from the equity that remains (none after bad
    // debt), the rest unfunded; a forced close is never rebated (PROTOCOL section 5).
    // That equity is what was available less the rewards, exactly: only the margin
    // changed since, by them (and a bad debt leaves a flat position with nothing).
    let room = to_u64(
        available
            .sub_c(u128::from(liquidator_reward))?
            .sub_c(u128::from(insurance_reward))?,
    )?;
    debug_assert_eq!(i128::from(room), equity_floor(&next, m).map_or(-1, |e| e.max(0)));
    let after = SkewPoint {
        net_base: ctx
            .aggregates
            .net_base
            .sub_c(i128::from(pos.base))?
            .add_c(i128::from(next.base))?,
        collateral: vault_collateral,
    };
    let skew = ctx.settle_skew(after, SkewCause::Forced, room, m.params)?;
    next.margin = next.margin.sub_c(to_i64(i128::from(skew.paid))?)?;
    let mut aggregates = ctx.aggregates;
    aggregates.replace(pos, &next)?;
    let out = LiquidationOutcome {
        position: next,
        aggregates,
        vault_collateral,
        insurance: insurance_after,
        closed,
        fill_price: fill,
        realized_pnl: realized,
        liquidator_reward,
        insurance_reward,
        bad_debt,
        insurance_covered: covered,
        socialized,
        skew,
    };
    Ok((out, equity_part))
}

/// Vault equity at the oracle price and `ratio` of `|N|` (rounded up), or `None` when
/// traders are flat (the vault has no position to margin). The vault is short `N` when
/// traders are net long and long `|N|` when they are net short; either can breach.
fn vault_margin(v: &VaultView, m: &MarketView, ratio: u32) -> EngineResult<Option<(i128, u128)>> {
    let n = v.aggregates.net_base;
    if n == 0 {
        return Ok(None);
    }
    let eq = equity_at(v, m.oracle.price, Rounding::Floor)?;
    let req = mul_div(
        n.unsigned_abs(),
        u128::from(ratio),
        u128::from(RATIO_PRECISION),
        Rounding::Ceil,
    )?;
    Ok(Some((eq, req)))
}

/// Whether traders' gains breach the vault's maintenance margin: `E < r_m * |N|`.
pub fn vault_in_breach(v: &VaultView, m: &MarketView) -> EngineResult<bool> {
    Ok(match vault_margin(v, m, m.params.maintenance_margin_ratio)? {
        None => false,
        Some((eq, mm)) => eq < 0 || eq.unsigned_abs() < mm,
    })
}

/// Whether the vault is back above initial margin: `E >= r_i * |N|` (ends reduce-only).
pub fn vault_restored(v: &VaultView, m: &MarketView) -> EngineResult<bool> {
    Ok(match vault_margin(v, m, m.params.initial_margin_ratio)? {
        None => true,
        Some((eq, im)) => eq >= 0 && eq.unsigned_abs() >= im,
    })
}

/// What an auto-deleveraging does; the caller applies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeleverageOutcome {
    /// The position after (closed).
    pub position: Position,
    /// Aggregates after.
    pub aggregates: Aggregates,
    /// `C` after (the realized gain paid).
    pub vault_collateral: u64,
    /// Realized gain moved to the margin, tokens.
    pub realized: i64,
    /// The skew potential's settlement of the close, paid from the equity it leaves,
    /// never rebated.
    pub skew: SkewSettlement,
}

/// Auto-deleverages a position (funding settled first by the caller): closes it
/// entirely at the oracle price, no fee, realizing its gain from `C`, and pays the
/// skew potential's rise of the close from the equity it leaves. Only a position
/// whose closing lowers the vault's requirement (`|N - base| < |N|`: it is on the side
/// of the traders' net position) and whose profit is real at the current price may be
/// deleveraged (PROTOCOL section 5).
pub fn auto_deleverage(
    pos: &Position,
    ctx: &TradeContext,
    m: &MarketView,
) -> EngineResult<DeleverageOutcome> {
    if pos.base == 0 {
        return Err(EngineError::PositionEmpty);
    }
    let n = ctx.aggregates.net_base;
    let n_after = n.sub_c(i128::from(pos.base))?;
    if n_after.unsigned_abs() >= n.unsigned_abs() {
        return Err(EngineError::DeleverageWrongSide);
    }
    let (mut next, realized_quote) = close_part_quote(pos, pos.base.unsigned_abs(), m.oracle.price, m.units)?;
    let realized = to_i64(
        m.units
            .tokens_of(realized_quote, m.oracle.price, Rounding::Floor)?,
    )?;
    if realized <= 0 {
        return Err(EngineError::PositionNotProfitable);
    }
    next.margin = next.margin.add_c(realized)?;
    next.funding_basis = 0;
    let collateral = i128::from(ctx.vault_collateral).sub_c(i128::from(realized))?;
    let collateral =
        to_u64(u128::try_from(collateral).map_err(|_| EngineError::VaultInsufficientCollateral)?)?;
    let room = next.margin.max(0).unsigned_abs();
    let after = SkewPoint {
        net_base: n_after,
        collateral,
    };
    let skew = ctx.settle_skew(after, SkewCause::Forced, room, m.params)?;
    next.margin = next.margin.sub_c(to_i64(i128::from(skew.paid))?)?;
    let mut agg = ctx.aggregates;
    agg.replace(pos, &next)?;
    Ok(DeleverageOutcome {
        position: next,
        aggregates: agg,
        vault_collateral: collateral,
        realized,
        skew,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oracle::OraclePrice;
    use crate::params::RiskParams;
    use crate::position::{execute_trade, is_liquidatable, Units};
    use crate::PRICE_PRECISION;

    const ONE: i64 = 1_000_000_000;
    const SOL: Units = Units { scale: 1_000_000_000 };

    fn view(p: &RiskParams, usd_cents: u128) -> MarketView<'_> {
        MarketView {
            params: p,
            units: SOL,
            oracle: OraclePrice {
                price: usd_cents * PRICE_PRECISION / 100,
                conf: 0,
                publish_time: 0,
            },
            funding_index: 0,
        }
    }

    /// A 10x long of 10 tokens at 100 USD with 1 token margin (fees off).
    fn ten_x_long(p: &RiskParams) -> (Position, TradeContext) {
        let m = view(p, 10_000);
        let pos = Position {
            margin: ONE,
            ..Default::default()
        };
        let ctx = TradeContext {
            insurance: 1_000_000_000_000_000,
            vault_collateral: 100 * ONE as u64,
            aggregates: Aggregates::default(),
            ..Default::default()
        };
        let out = execute_trade(&pos, &ctx, 10 * ONE, &m).unwrap();
        (
            out.position,
            TradeContext {
                insurance: 1_000_000_000_000_000,
                vault_collateral: out.vault_collateral,
                aggregates: out.aggregates,
                ..Default::default()
            },
        )
    }

    fn no_fees() -> RiskParams {
        let mut p = RiskParams::default_for_tests();
        p.taker_fee_ratio = 0;
        p.impact_fee_ratio = 0;
        p
    }

    #[test]
    fn healthy_and_empty_positions_are_refused() {
        let p = no_fees();
        let (pos, ctx) = ten_x_long(&p);
        assert_eq!(
            liquidate(&pos, &ctx, 0, &view(&p, 10_000)),
            Err(EngineError::PositionHealthy)
        );
        let empty = Position {
            margin: ONE,
            ..Default::default()
        };
        assert_eq!(
            liquidate(&empty, &ctx, 0, &view(&p, 10_000)),
            Err(EngineError::PositionEmpty)
        );
    }

    #[test]
    fn partial_liquidation_lands_between_maintenance_and_initial() {
        let p = no_fees();
        let (pos, ctx) = ten_x_long(&p);
        // At 95 USD: equity = 1 - 10 * 5 / 95 = 0.4737 token < MM 0.5 token.
        let m = view(&p, 9_500);
        assert!(is_liquidatable(&pos, &m).unwrap());
        let out = liquidate(&pos, &ctx, 0, &m).unwrap();
        assert!(out.closed > 0 && out.closed < 10 * ONE as u64, "{}", out.closed);
        let eq = equity_floor(&out.position, &m).unwrap();
        let size = out.position.base.unsigned_abs() as i128;
        // Between r_m (5%) and r_i (10%) of what remains, at the 7.5% target.
        assert!(eq * 1_000_000 >= size * 50_000, "{eq} vs {size}");
        assert!(eq * 1_000_000 <= size * 100_000, "{eq} vs {size}");
        assert_eq!(
            out.liquidator_reward + out.insurance_reward,
            (out.closed as u128 * 10_000).div_ceil(1_000_000) as u64
        );
        assert_eq!(out.bad_debt, 0);
    }

    #[test]
    fn underwater_position_is_closed_and_the_waterfall_runs_in_order() {
        let p = no_fees();
        let (pos, ctx) = ten_x_long(&p);
        // At 85 USD the long lost 150 USD = 1.76 tokens > 1 token margin.
        let m = view(&p, 8_500);
        let out = liquidate(&pos, &ctx, 10 * ONE as u64, &m).unwrap();
        assert_eq!(out.position.base, 0);
        assert_eq!(
            out.liquidator_reward + out.insurance_reward,
            0,
            "no equity, no reward"
        );
        assert!(out.bad_debt > 0);
        assert_eq!(out.insurance_covered, out.bad_debt);
        assert_eq!(out.socialized, 0);
        assert_eq!(out.insurance, 10 * ONE as u64 - out.bad_debt);
        // A fund too small: the rest is socialized.
        let out = liquidate(&pos, &ctx, 100_000_000, &m).unwrap();
        assert_eq!(out.insurance_covered, 100_000_000);
        assert_eq!(out.socialized, out.bad_debt - 100_000_000);
        assert_eq!(out.insurance, 0);
        assert_eq!(
            out.vault_collateral as i64,
            ctx.vault_collateral as i64 - out.realized_pnl - out.socialized as i64
        );
    }

    #[test]
    fn the_reward_is_capped_at_remaining_equity_liquidator_first() {
        let p = no_fees();
        let (pos, ctx) = ten_x_long(&p);
        // Just above bankruptcy: equity 11 - 1000/91.16 = 0.0303 token remains, less
        // than the liquidator's half of the 0.1-token fee.
        let m = view(&p, 9_116);
        let out = liquidate(&pos, &ctx, 0, &m).unwrap();
        let mm = maintenance_margin_ceil(&pos, &p).unwrap();
        assert!(mm > 0);
        let full = (out.closed as u128 * 10_000).div_ceil(1_000_000) as u64;
        assert!(out.liquidator_reward + out.insurance_reward <= full);
        // The cap binds here: the remaining equity is below the liquidator's half, so
        // the liquidator takes all of it and the insurance fund nothing.
        assert!(out.liquidator_reward < full / 2, "{out:?}");
        assert!(out.liquidator_reward > 0, "{out:?}");
        assert_eq!(out.insurance_reward, 0, "the liquidator is paid first");
        assert_eq!(out.position.base, 0);
    }

    #[test]
    fn vault_breach_and_restoration() {
        let p = no_fees();
        let (pos, ctx) = ten_x_long(&p);
        let agg = ctx.aggregates;
        // C = 10 tokens against a 10-token long.
        let v = VaultView {
            collateral: 10 * ONE as u64,
            supply: 1,
            aggregates: &agg,
            units: SOL,
            funding_index: 0,
            locked: 0,
        };
        assert!(!vault_in_breach(&v, &view(&p, 10_000)).unwrap());
        // At 1000 USD traders' claim is 9 tokens: equity 1 token > 0.5: no breach; at
        // 2000 USD it is 9.5 tokens, equity 0.5 = r_m * N: not below; at 2500 it is.
        assert!(vault_in_breach(&v, &view(&p, 250_000)).unwrap());
        let ctx = TradeContext {
            insurance: 1_000_000_000_000_000,
            vault_collateral: 10 * ONE as u64,
            aggregates: agg,
            ..Default::default()
        };
        let crate::liquidation::DeleverageOutcome {
            position: next,
            aggregates: agg2,
            vault_collateral: c2,
            realized,
            ..
        } = auto_deleverage(&pos, &ctx, &view(&p, 250_000)).unwrap();
        assert_eq!(next.base, 0);
        assert!(realized > 0);
        let v2 = VaultView {
            collateral: c2,
            supply: 1,
            aggregates: &agg2,
            units: SOL,
            funding_index: 0,
            locked: 0,
        };
        assert!(vault_restored(&v2, &view(&p, 250_000)).unwrap());
        assert_eq!(
            auto_deleverage(&pos, &ctx, &view(&p, 5_000)).map(|x| x.realized),
            Err(EngineError::PositionNotProfitable)
        );
    }

    /// PROTOCOL section 5 (revision 2): a net-short market leaves the vault long, and
    /// its equity can breach too when the price falls.
    #[test]
    fn a_net_long_vault_can_be_in_breach() {
        let p = no_fees();
        // Traders net short 10 tokens at 100 (the vault is long 10), C = 10 tokens.
        let agg = Aggregates {
            net_base: -10 * i128::from(ONE),
            long_base: 0,
            short_base: 10 * ONE as u128,
            entry_quote: -1000 * crate::QUOTE_PRECISION as i128,
            funding_basis: 0,
        };
        let v = VaultView {
            collateral: 10 * ONE as u64,
            supply: 1,
            aggregates: &agg,
            units: SOL,
            funding_index: 0,
            locked: 0,
        };
        // E(P) = C - N + E/P = 10 + 10 - 1000/P: at 100 it is 10 (fine); at 52.63 it is
        // 0.999 < 5% of 10 = ... the vault is long, so a fall hurts it.
        assert!(!vault_in_breach(&v, &view(&p, 10_000)).unwrap());
        assert!(vault_in_breach(&v, &view(&p, 5_100)).unwrap());
        assert!(!vault_restored(&v, &view(&p, 5_100)).unwrap());
    }

    /// Only a position on the side of the traders' net position (whose closing lowers
    /// the vault's requirement) and in profit at the oracle price can be deleveraged.
    #[test]
    fn deleveraging_needs_the_net_side_and_a_real_profit() {
        let p = no_fees();
        let (long, ctx) = ten_x_long(&p);
        // A short in profit while traders are net long: closing it would raise |N|.
        let short = Position {
            base: -2 * ONE,
            entry_quote: -200 * crate::QUOTE_PRECISION as i128,
            margin: ONE,
            funding_basis: 0,
            gap_snapshot: 0,
        };
        let mut ctx2 = ctx;
        ctx2.aggregates.replace(&Position::default(), &short).unwrap();
        assert_eq!(
            auto_deleverage(&short, &ctx2, &view(&p, 5_000)).map(|x| x.realized),
            Err(EngineError::DeleverageWrongSide)
        );
        // The long at a loss: not profitable.
        assert_eq!(
            auto_deleverage(&long, &ctx2, &view(&p, 9_000)).map(|x| x.realized),
            Err(EngineError::PositionNotProfitable)
        );
        // The long in profit: closed at the oracle price, its gain paid from C.
        let crate::liquidation::DeleverageOutcome {
            position: next,
            aggregates: _,
            vault_collateral: c,
            realized,
            ..
        } = auto_deleverage(&long, &ctx2, &view(&p, 11_000)).unwrap();
        assert_eq!(next.base, 0);
        // 10 tokens * 10 USD / 110 USD = 0.909090909 token
        assert_eq!(realized, 909_090_909);
        assert_eq!(c, ctx2.vault_collateral - 909_090_909);
        // A vault too small to pay the gain: a named refusal, not an overflow.
        let poor = TradeContext {
            vault_collateral: 100,
            ..ctx2
        };
        assert_eq!(
            auto_deleverage(&long, &poor, &view(&p, 11_000)).map(|x| x.realized),
            Err(EngineError::VaultInsufficientCollateral)
        );
    }
}
