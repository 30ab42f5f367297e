//! The skew potential and its ledger (PROTOCOL section 4, revisions 4 and 5).
//!
//! The market's skew is the hedge imbalance `x = N - h*C`; the potential `Phi(x)` is
//! what a change of it costs or is paid. [`settle`] is the one function every change
//! of the skew passes through (trades, deposits, withdrawals, liquidations,
//! deleveraging): a rise is owed and what is paid of it is collected into the skew
//! ledger `K`; what an exit or a forced close cannot pay is recorded as unfunded
//! (`U`); a fall first pays down `U`, and of the rest a rebate is paid out of `K`
//! only, at most the rebate share of it and the charge's steepest slope times the
//! skew moved. So every token rebated was collected before, by construction.
//!
//! This module depends only on the arithmetic and the parameters: the hedge target
//! lives here, and the position and vault modules both use it from here.

use crate::math::{mul_div, to_i128, to_u64, Rounding, SafeMath};
use crate::params::RiskParams;
use crate::{EngineError, EngineResult, RATIO_PRECISION};

/// Hedge target `h * C`, base, rounded down.
pub fn hedge_target_floor(collateral: u64, params: &RiskParams) -> EngineResult<u128> {
    mul_div(
        u128::from(collateral),
        u128::from(params.hedge_ratio),
        u128::from(RATIO_PRECISION),
        Rounding::Floor,
    )
}

/// The market's skew, the hedge imbalance `x = N - h * C`, base units, with the
/// target rounded down.
pub fn skew(net_base: i128, collateral: u64, params: &RiskParams) -> EngineResult<i128> {
    net_base.sub_c(to_i128(hedge_target_floor(collateral, params)?)?)
}

/// The skew scale in force, `S = max(skew_scale, skew_scale_ratio * C)`, base,
/// rounded down (PROTOCOL section 4, revision 4).
pub fn skew_scale_in_force(collateral: u64, params: &RiskParams) -> EngineResult<u128> {
    let by_vault = mul_div(
        u128::from(collateral),
        u128::from(params.skew_scale_ratio),
        u128::from(RATIO_PRECISION),
        Rounding::Floor,
    )?;
    Ok(by_vault.max(u128::from(params.skew_scale)))
}

/// The skew potential `Phi(x)` at scale `scale`, tokens, rounded as asked:
/// `impact_fee_ratio * x^2 / S` for `|x| <= S`, `impact_fee_ratio * (2|x| - S)`
/// beyond (its slope never exceeds `2 * impact_fee_ratio`).
pub fn skew_potential(x: i128, scale: u128, params: &RiskParams, r: Rounding) -> EngineResult<u128> {
    if scale == 0 {
        return Err(EngineError::DivisionByZero);
    }
    let a = x.unsigned_abs();
    let k = u128::from(params.impact_fee_ratio);
    let one = u128::from(RATIO_PRECISION);
    if a <= scale {
        mul_div(a.mul_c(k)?, a, scale.mul_c(one)?, r)
    } else {
        mul_div(k, a.mul_c(2)?.sub_c(scale)?, one, r)
    }
}

/// A state of the market as the potential sees it: traders' net base `N` and the
/// vault's collateral `C`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkewPoint {
    /// `N`, base units.
    pub net_base: i128,
    /// `C`, tokens.
    pub collateral: u64,
}

impl SkewPoint {
    /// `x = N - h*C` at this point.
    pub fn skew(&self, params: &RiskParams) -> EngineResult<i128> {
        skew(self.net_base, self.collateral, params)
    }

    /// `Phi(x)` at this point (at the scale in force for its `C`), rounded as asked.
    pub fn potential(&self, params: &RiskParams, r: Rounding) -> EngineResult<u128> {
        skew_potential(
            self.skew(params)?,
            skew_scale_in_force(self.collateral, params)?,
            params,
            r,
        )
    }
}

/// What changes the skew; it decides who pays a rise and whether a fall is rebated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkewCause {
    /// A risk-increasing trade: owes its rise in full (then held to initial margin).
    Increase,
    /// A risk-reducing trade: pays its rise up to the equity it leaves.
    Reduce,
    /// A vault deposit: owes its rise in full, out of its amount; its rebate joins
    /// `C` with it (so it moves the skew itself).
    Deposit,
    /// A vault withdrawal: pays its rise up to its gross payment.
    Withdrawal,
    /// A liquidation or an auto-deleveraging: pays its rise up to the equity it
    /// leaves, and is never rebated.
    Forced,
}

impl SkewCause {
    /// Whether the rise is owed in full (a refusal is the caller's, if it cannot pay).
    const fn pays_in_full(self) -> bool {
        matches!(self, SkewCause::Increase | SkewCause::Deposit)
    }

    const fn rebated(self) -> bool {
        !matches!(self, SkewCause::Forced)
    }
}

/// The skew ledger: what the potential collected and has not paid out, and the rises
/// owed and never paid. The cumulative sums make `balance = collected - rebated -
/// released` checkable by anyone (invariant 9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkewLedger {
    /// `K`: tokens collected from rises and not yet rebated or released to `C`, held
    /// in the collateral token account apart from `C`.
    pub balance: u64,
    /// `U`: rises owed and not paid (an exit or a forced close whose equity could not
    /// cover them). The next falls of the potential pay it down before any rebate.
    pub unfunded: u64,
    /// Cumulative tokens collected into `K`.
    pub collected: u128,
    /// Cumulative tokens rebated out of `K`.
    pub rebated: u128,
    /// Cumulative tokens released from `K` into `C` (its surplus, and the whole
    /// ledger at settlement).
    pub released: u128,
    /// Cumulative rises recorded as unfunded.
    pub unfunded_total: u128,
}

/// What [`settle`] did for one change of the skew.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkewSettlement {
    /// The potential's rise owed, rounded up (zero on a fall).
    pub fee: u64,
    /// The part of `fee` paid, collected into `K`.
    pub paid: u64,
    /// The part of `fee` not paid, added to `U`.
    pub unfunded: u64,
    /// The part of the fall that paid down `U` (rebated to nobody).
    pub absorbed: u64,
    /// The rebate paid out of `K`, rounded down.
    pub rebate: u64,
    /// The ledger after.
    pub ledger: SkewLedger,
}

/// The rebate share in force: `skew_rebate_share`, never above 100% whatever the
/// parameters say (the range check refuses more; the engine does not rely on it).
fn rebate_share(params: &RiskParams) -> u128 {
    u128::from(params.skew_rebate_share).min(u128::from(RATIO_PRECISION))
}

/// The rebate of a rebatable fall `fall` for a change of the skew by `moved` base
/// units, out of a ledger holding `balance`: the smallest of the rebate share of the
/// fall, the per-action cap (the share of the charge's steepest slope,
/// `2 * impact_fee_ratio`, times the skew moved) and the balance; rounded down.
fn rebate_of(fall: u128, moved: u128, balance: u64, params: &RiskParams) -> EngineResult<u64> {
    let one = u128::from(RATIO_PRECISION);
    let share = rebate_share(params);
    let by_share = mul_div(fall, share, one, Rounding::Floor)?;
    let slope = u128::from(params.impact_fee_ratio).mul_c(2)?;
    let by_slope = mul_div(moved, share.mul_c(slope)?, one.mul_c(one)?, Rounding::Floor)?;
    let r = by_share.min(by_slope).min(u128::from(balance));
    to_u64(r)
}

/// Prices a change of the market from `before` to `after` caused by `cause`, whose
/// payer can pay at most `room` tokens of a rise when it is an exit or a forced
/// close (ignored otherwise), against `ledger`. Returns what is owed, paid, left
/// unfunded and rebated, and the ledger after (PROTOCOL section 4, revision 5):
///
/// - a rise `Phi(after) - Phi(before)` (`after` rounded up, `before` down) is owed;
///   an increase or a deposit owes it whole, anything else pays at most `room`; what
///   is paid goes into `K`, the rest into `U`;
/// - a fall first pays down `U` (capped at `Phi(before)`: it never stands for more
///   than the potential there is); of the rest a rebate is paid out of `K`, at most
///   the rebate share of it, the share of the steepest slope times `|x_after -
///   x_before|`, and `K`; a forced close is never rebated;
/// - a deposit's rebate joins `C` with it, which moves the skew further: the fall is
///   the smaller of the falls to `after` and to `after` plus the first rebate, so the
///   rebate never exceeds the share of the fall to the state it actually leaves (the
///   potential is convex along the way);
/// - revision 3's one-way market (`skew_rebate_share = 0`): only a risk-increasing
///   trade that grows `|x|` owes its rise, and nothing is rebated.
pub fn settle(
    ledger: &SkewLedger,
    before: SkewPoint,
    after: SkewPoint,
    cause: SkewCause,
    room: u64,
    params: &RiskParams,
) -> EngineResult<SkewSettlement> {
    let unchanged = SkewSettlement {
        ledger: *ledger,
        ..SkewSettlement::default()
    };
    // A change that leaves the market where it was (a deposit that waited joining
    // `C`, revision 6) settles nothing, not even a unit of rounding.
    if before == after {
        return Ok(unchanged);
    }
    let x_before = before.skew(params)?;
    let x_after = after.skew(params)?;
    let two_way = params.skew_is_two_way();
    if !two_way && (cause != SkewCause::Increase || x_after.unsigned_abs() <= x_before.unsigned_abs()) {
        return Ok(unchanged);
    }
    let phi_before = before.potential(params, Rounding::Floor)?;
    let phi_after = after.potential(params, Rounding::Ceil)?;
    let mut next = *ledger;
    // The unfunded rises never stand for more than the potential there is.
    let u = to_u64(u128::from(ledger.unfunded).min(phi_before))?;
    next.unfunded = u;
    if phi_after > phi_before {
        let fee = to_u64(phi_after.sub_c(phi_before)?)?;
        let paid = if cause.pays_in_full() { fee } else { fee.min(room) };
        let unfunded = fee.sub_c(paid)?;
        next.balance = next.balance.add_c(paid)?;
        next.collected = next.collected.add_c(u128::from(paid))?;
        next.unfunded = u.add_c(unfunded)?;
        next.unfunded_total = next.unfunded_total.add_c(u128::from(unfunded))?;
        return Ok(SkewSettlement {
            fee,
            paid,
            unfunded,
            absorbed: 0,
            rebate: 0,
            ledger: next,
        });
    }
    if !two_way {
        return Ok(unchanged);
    }
    let moved = x_after.sub_c(x_before)?.unsigned_abs();
    let mut fall = phi_before.sub_c(phi_after)?;
    let rebate_for = |fall: u128| -> EngineResult<(u64, u64)> {
        let absorbed = to_u64(fall.min(u128::from(u)))?;
        if !cause.rebated() {
            return Ok((absorbed, 0));
        }
        let rebatable = fall.sub_c(u128::from(absorbed))?;
        Ok((absorbed, rebate_of(rebatable, moved, ledger.balance, params)?))
    };
    let (mut absorbed, mut rebate) = rebate_for(fall)?;
    if cause == SkewCause::Deposit && rebate > 0 {
        let further = SkewPoint {
            collateral: after.collateral.add_c(rebate)?,
            ..after
        };
        let phi_further = further.potential(params, Rounding::Ceil)?;
        fall = fall.min(phi_before.saturating_sub(phi_further));
        (absorbed, rebate) = rebate_for(fall)?;
    }
    next.unfunded = u.sub_c(absorbed)?;
    next.balance = next.balance.sub_c(rebate)?;
    next.rebated = next.rebated.add_c(u128::from(rebate))?;
    Ok(SkewSettlement {
        fee: 0,
        paid: 0,
        unfunded: 0,
        absorbed,
        rebate,
        ledger: next,
    })
}

impl SkewLedger {
    /// What the ledger holds beyond what it keeps at `point` (PROTOCOL section 4,
    /// "how `K` reaches the shareholders"): `K - (Phi(x) + Phi(S))`, the potential of
    /// the present skew and that of a skew the size of the scale, both rounded up.
    pub fn surplus(&self, point: SkewPoint, params: &RiskParams) -> EngineResult<u64> {
        let scale = skew_scale_in_force(point.collateral, params)?;
        let keep = point.potential(params, Rounding::Ceil)?.add_c(skew_potential(
            to_i128(scale)?,
            scale,
            params,
            Rounding::Ceil,
        )?)?;
        to_u64(u128::from(self.balance).saturating_sub(keep))
    }

    /// Releases `amount` of `K` into `C` (the caller adds it to `C`).
    pub fn release(&self, amount: u64) -> EngineResult<SkewLedger> {
        Ok(SkewLedger {
            balance: self.balance.sub_c(amount)?,
            released: self.released.add_c(u128::from(amount))?,
            ..*self
        })
    }

    /// The ledger of a settled market: all of `K` released (the caller adds it to
    /// `C`), nothing unfunded any more.
    pub fn close(&self) -> EngineResult<SkewLedger> {
        Ok(SkewLedger {
            unfunded: 0,
            ..self.release(self.balance)?
        })
    }

    /// Invariant 9: `K = collected - rebated - released`.
    pub fn is_consistent(&self) -> bool {
        self.collected
            .checked_sub(self.rebated)
            .and_then(|x| x.checked_sub(self.released))
            == Some(u128::from(self.balance))
    }
}

#[cfg(test)]
mod tests;
