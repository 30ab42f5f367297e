//! The hedging vault: equity from the traders' aggregates in O(1), share mint and burn
//! at the band edge least favourable to the person acting (with virtual shares against
//! inflation attacks), the reserve and the withdrawal limit, the hedge target.

use crate::math::{mul_div, to_i128, to_i64, to_u64, Rounding, SafeMath};
use crate::oracle::OraclePrice;
use crate::params::RiskParams;
use crate::position::{net_long_cap_floor, Aggregates, Units};
pub use crate::skew::hedge_target_floor;
use crate::{EngineError, EngineResult, RATIO_PRECISION, VIRTUAL_ASSETS, VIRTUAL_SHARES};

/// Inputs to every vault valuation.
#[derive(Clone, Copy, Debug)]
pub struct VaultView<'a> {
    /// `C`: tokens the vault holds (its collateral, never its equity).
    pub collateral: u64,
    /// Shares outstanding (pending withdrawals included until burnt).
    pub supply: u64,
    /// Traders' aggregates.
    pub aggregates: &'a Aggregates,
    /// Unit conversions.
    pub units: Units,
    /// Cumulative funding index now.
    pub funding_index: i128,
    /// Income still locked (PROTOCOL section 3, profit unlocking), tokens: held in
    /// `C`, not yet in the share price.
    pub locked: u64,
}

/// Traders' funding owed since the aggregate snapshot, `N * I - B` in quote, rounded
/// as asked. It does not depend on the price, so a valuation at several prices (the
/// two band edges) computes it once per rounding direction.
fn funding_owed(v: &VaultView, r: Rounding) -> EngineResult<i128> {
    let a = v.aggregates;
    v.units
        .funding_quote(a.net_base, v.funding_index, r)?
        .sub_c(a.funding_basis)
}

/// Traders' total claim on the vault in tokens at `price`, `(N * P - E - owed) / P`,
/// rounded as asked; `owed` is their funding owed rounded the other way (it lowers
/// their claim).
fn claim_tokens(v: &VaultView, owed: i128, price: u128, r: Rounding) -> EngineResult<i128> {
    let a = v.aggregates;
    let value = v.units.quote_of(a.net_base, price, r)?;
    let q = value.sub_c(a.entry_quote)?.sub_c(owed)?;
    v.units.tokens_of(q, price, r)
}

/// Traders' total claim on the vault in tokens at `price`:
/// `(N * P - E - funding_owed) / P`, rounded as asked.
pub fn traders_pnl_tokens(v: &VaultView, price: u128, r: Rounding) -> EngineResult<i128> {
    claim_tokens(v, funding_owed(v, r.flip())?, price, r)
}

/// Equity at `price` rounded as `r`, with the owed funding rounded as `r` (the
/// claim, rounded the other way, subtracts it).
fn equity_with(v: &VaultView, owed: i128, price: u128, r: Rounding) -> EngineResult<i128> {
    i128::from(v.collateral).sub_c(claim_tokens(v, owed, price, r.flip())?)
}

/// Vault equity in tokens at `price`: `C - traders' claim`, rounded as asked.
pub fn equity_at(v: &VaultView, price: u128, r: Rounding) -> EngineResult<i128> {
    equity_with(v, funding_owed(v, r)?, price, r)
}

/// The equity shares are priced on, at both edges of the confidence band: `(low,
/// high)`, the low one rounded down, the high one rounded up, the income still locked
/// left out of both (PROTOCOL section 3, profit unlocking) unless equity no longer
/// covers it.
pub fn equity_band(v: &VaultView, oracle: &OraclePrice) -> EngineResult<(i128, i128)> {
    equity_band_of(v, oracle, claims_ceil(v, oracle)?)
}

/// Traders' claims at the bid and at the ask, rounded up, their owed funding rounded
/// down: what the low edge of [`equity_band`] subtracts from `C` and what
/// [`reserve_ceil`] counts as gains (a withdrawal needs both: computed once).
fn claims_ceil(v: &VaultView, oracle: &OraclePrice) -> EngineResult<[i128; 2]> {
    let (bid, ask) = (oracle.bid()?, oracle.ask()?);
    let owed = funding_owed(v, Rounding::Floor)?;
    Ok([
        claim_tokens(v, owed, bid, Rounding::Ceil)?,
        claim_tokens(v, owed, ask, Rounding::Ceil)?,
    ])
}

/// [`equity_band`] from the claims [`claims_ceil`] computed. (Every error the claims
/// and the subtractions can raise past the first claim is `MathOverflow`, so their
/// order does not change the result.)
#[inline(always)]
fn equity_band_of(v: &VaultView, oracle: &OraclePrice, claims: [i128; 2]) -> EngineResult<(i128, i128)> {
    let (bid, ask) = (oracle.bid()?, oracle.ask()?);
    let locked = i128::from(v.locked);
    let c = i128::from(v.collateral);
    let low = c.sub_c(claims[0])?.min(c.sub_c(claims[1])?);
    let owed = funding_owed(v, Rounding::Ceil)?;
    let high = equity_with(v, owed, bid, Rounding::Ceil)?.max(equity_with(v, owed, ask, Rounding::Ceil)?);
    // A vault whose equity no longer covers its locked income has lost it: nothing is
    // left out then (the loss counted at once).
    let locked = if locked < low { locked } else { 0 };
    Ok((low.sub_c(locked)?, high.sub_c(locked)?))
}

/// The vault's income locked and unlocking linearly to `end` (PROTOCOL section 3,
/// revision 4, as Yearn v3 vaults unlock profit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProfitLock {
    /// Tokens still locked at `last`.
    pub locked: u64,
    /// Unix seconds `locked` was measured at.
    pub last: i64,
    /// Unix seconds at which everything is unlocked.
    pub end: i64,
}

impl ProfitLock {
    /// The lock at `now` (not before `last`): `locked * (end - now) / (end - last)`,
    /// rounded up (what is still locked never reaches the share price early).
    pub fn at(&self, now: i64) -> EngineResult<ProfitLock> {
        if now <= self.last {
            return Ok(*self);
        }
        if now >= self.end || self.locked == 0 {
            return Ok(ProfitLock {
                locked: 0,
                last: now,
                end: now,
            });
        }
        let left = mul_div(
            u128::from(self.locked),
            self.end.sub_c(now)?.unsigned_abs().into(),
            self.end.sub_c(self.last)?.unsigned_abs().into(),
            Rounding::Ceil,
        )?;
        Ok(ProfitLock {
            locked: to_u64(left)?,
            last: now,
            end: self.end,
        })
    }

    /// Locks `gain` at `last` for `window` seconds, re-averaging the end with what is
    /// still locked: `end' = last + (L * (end - last) + g * window) / (L + g)`, rounded
    /// up. A zero window (or gain) locks nothing.
    pub fn add(&self, gain: u64, window: u32) -> EngineResult<ProfitLock> {
        if gain == 0 || window == 0 {
            return Ok(*self);
        }
        let l = u128::from(self.locked);
        let left = self.end.sub_c(self.last)?.max(0).unsigned_abs();
        let total = l.add_c(u128::from(gain))?;
        let weighted = l
            .mul_c(u128::from(left))?
            .add_c(u128::from(gain).mul_c(u128::from(window))?)?;
        // total > 0: gain > 0.
        let span = to_i64(to_i128(weighted.div_ceil(total))?)?;
        Ok(ProfitLock {
            locked: to_u64(total)?,
            last: self.last,
            end: self.last.add_c(span)?,
        })
    }
}

/// Shares for `amount` of assets against a pool of `assets` with `supply` shares:
/// `amount * (supply + VS) / (assets + VA)`, rounded down. The vault and the
/// insurance fund both price their shares with this.
pub fn shares_for_amount_floor(amount: u64, supply: u64, assets: u128) -> EngineResult<u64> {
    to_u64(mul_div(
        u128::from(amount),
        u128::from(supply).add_c(VIRTUAL_SHARES)?,
        assets.add_c(VIRTUAL_ASSETS)?,
        Rounding::Floor,
    )?)
}

/// Assets for `shares`: `shares * (assets + VA) / (supply + VS)`, rounded down.
pub fn amount_for_shares_floor(shares: u64, supply: u64, assets: u128) -> EngineResult<u64> {
    to_u64(mul_div(
        u128::from(shares),
        assets.add_c(VIRTUAL_ASSETS)?,
        u128::from(supply).add_c(VIRTUAL_SHARES)?,
        Rounding::Floor,
    )?)
}

/// The equity a deposit is priced on: the higher band edge, rounded up, with the
/// income still locked *included* (PROTOCOL section 3, revision 5): a depositor pays
/// for locked income and receives it back as it unlocks, so he buys no share of
/// income earned before him. Withdrawals are priced without it ([`equity_band`]).
pub fn deposit_equity_ceil(v: &VaultView, oracle: &OraclePrice) -> EngineResult<i128> {
    let (bid, ask) = (oracle.bid()?, oracle.ask()?);
    let owed = funding_owed(v, Rounding::Ceil)?;
    Ok(equity_with(v, owed, bid, Rounding::Ceil)?.max(equity_with(v, owed, ask, Rounding::Ceil)?))
}

/// Shares minted for depositing `amount`: `amount * (S + VS) / (E_high + VA)`, rounded
/// down, with equity at the band edge that gives the depositor fewer shares and the
/// income still locked included ([`deposit_equity_ceil`]).
/// Refused when equity at the oracle price is not positive while shares are
/// outstanding (the market is winding down).
pub fn shares_for_deposit_floor(v: &VaultView, oracle: &OraclePrice, amount: u64) -> EngineResult<u64> {
    if amount == 0 {
        return Err(EngineError::ZeroAmount);
    }
    if v.supply > 0 && equity_at(v, oracle.price, Rounding::Floor)? <= 0 {
        return Err(EngineError::VaultEquityNotPositive);
    }
    let high = deposit_equity_ceil(v, oracle)?;
    let equity = u128::try_from(high.max(0)).map_err(|_| EngineError::MathOverflow)?;
    let shares = mul_div(
        u128::from(amount),
        u128::from(v.supply).add_c(VIRTUAL_SHARES)?,
        equity.add_c(VIRTUAL_ASSETS)?,
        Rounding::Floor,
    )?;
    // More shares than the mint can hold: a vault whose shares are worth next to
    // nothing (it lost nearly everything) cannot price a deposit; it is refunded.
    if shares > u128::from(u64::MAX.sub_c(v.supply)?) {
        return Err(EngineError::SharePriceTooLow);
    }
    let shares = to_u64(shares)?;
    if shares == 0 {
        return Err(EngineError::DepositTooSmall);
    }
    Ok(shares)
}

/// Tokens paid for burning `shares`: `shares * (E_low + VA) / (S + VS)`, rounded down,
/// with equity at the band edge least favourable to the withdrawer.
pub fn value_of_shares_floor(v: &VaultView, oracle: &OraclePrice, shares: u64) -> EngineResult<u64> {
    if shares == 0 {
        return Err(EngineError::ZeroAmount);
    }
    value_of_shares_with(v, oracle, shares, claims_ceil(v, oracle)?)
}

/// [`value_of_shares_floor`] for `shares > 0` with the claims [`claims_ceil`] computed.
#[inline(always)]
fn value_of_shares_with(
    v: &VaultView,
    oracle: &OraclePrice,
    shares: u64,
    claims: [i128; 2],
) -> EngineResult<u64> {
    let (low, _) = equity_band_of(v, oracle, claims)?;
    if low <= 0 {
        return Ok(0);
    }
    let value = amount_for_shares_floor(shares, v.supply, low.unsigned_abs())?;
    Ok(value.min(v.collateral))
}

/// Hedge imbalance `N - h * C`, base (positive: traders longer than the target).
pub fn hedge_imbalance(collateral: u64, agg: &Aggregates, params: &RiskParams) -> EngineResult<i128> {
    agg.net_base
        .sub_c(to_i128(hedge_target_floor(collateral, params)?)?)
}

/// The vault's hedge ratio `N / (h * C)`, precision [`RATIO_PRECISION`], rounded down;
/// zero when traders are not net long; `u32::MAX` saturates an empty vault.
pub fn hedge_ratio_floor(collateral: u64, agg: &Aggregates, params: &RiskParams) -> EngineResult<u64> {
    if agg.net_base <= 0 {
        return Ok(0);
    }
    let target = hedge_target_floor(collateral, params)?;
    if target == 0 {
        return Ok(u64::from(u32::MAX));
    }
    let r = mul_div(
        agg.net_base.unsigned_abs(),
        u128::from(RATIO_PRECISION),
        target,
        Rounding::Floor,
    )?;
    Ok(to_u64(r).unwrap_or(u64::MAX))
}

/// Refuses a deposit that would leave the vault's hedge ratio below the depositor's
/// minimum (slippage protection).
pub fn check_min_hedge_ratio(
    collateral_after: u64,
    agg: &Aggregates,
    params: &RiskParams,
    min_hedge_ratio: u32,
) -> EngineResult<()> {
    if min_hedge_ratio == 0 {
        return Ok(());
    }
    if hedge_ratio_floor(collateral_after, agg, params)? < u64::from(min_hedge_ratio) {
        return Err(EngineError::HedgeRatioBelowMinimum);
    }
    Ok(())
}

/// Reserve in tokens: `r_i * (OI_long + OI_short) + max(0, traders' net unrealized
/// gains)`, rounded up, with the gains at the band edge where they are largest.
pub fn reserve_ceil(v: &VaultView, oracle: &OraclePrice, params: &RiskParams) -> EngineResult<u128> {
    let margin = reserve_margin_ceil(v, params)?;
    reserve_of(margin, claims_ceil(v, oracle)?)
}

/// The margin part of [`reserve_ceil`]: `r_i * (OI_long + OI_short)`, rounded up.
fn reserve_margin_ceil(v: &VaultView, params: &RiskParams) -> EngineResult<u128> {
    mul_div(
        v.aggregates.open_interest()?,
        u128::from(params.initial_margin_ratio),
        u128::from(RATIO_PRECISION),
        Rounding::Ceil,
    )
}

/// [`reserve_ceil`] from its margin part and the claims [`claims_ceil`] computed.
fn reserve_of(margin: u128, claims: [i128; 2]) -> EngineResult<u128> {
    let gains = claims[0].max(claims[1]).max(0);
    margin.add_c(gains.unsigned_abs())
}

/// Largest amount that can leave the vault now: the most that keeps `C' >= reserve`
/// and `N <= (1 + k) * h * C'`.
pub fn max_withdrawal_floor(v: &VaultView, oracle: &OraclePrice, params: &RiskParams) -> EngineResult<u64> {
    max_withdrawal_under(v, params, reserve_ceil(v, oracle, params)?)
}

/// [`max_withdrawal_floor`] with the reserve ([`reserve_ceil`]) computed.
fn max_withdrawal_under(v: &VaultView, params: &RiskParams, reserve: u128) -> EngineResult<u64> {
    let c = u128::from(v.collateral);
    let by_reserve = c.saturating_sub(reserve);
    let n = v.aggregates.net_base;
    let by_hedge = if n <= 0 {
        c
    } else {
        // smallest C' with (1+k) h C' >= N
        let r = u128::from(RATIO_PRECISION);
        let factor = r
            .add_c(u128::from(params.over_hedge_cap))?
            .mul_c(u128::from(params.hedge_ratio))?;
        let min_c = mul_div(n.unsigned_abs(), r.mul_c(r)?, factor, Rounding::Ceil)?;
        c.saturating_sub(min_c)
    };
    to_u64(by_reserve.min(by_hedge))
}

/// Checks a withdrawal of `amount` against the limit; on refusal returns the largest
/// amount that can leave now, for the error message.
pub fn check_withdrawal(
    v: &VaultView,
    oracle: &OraclePrice,
    params: &RiskParams,
    amount: u64,
) -> core::result::Result<(), u64> {
    match max_withdrawal_floor(v, oracle, params) {
        Ok(max) => check_withdrawal_under(v, params, amount, max),
        Err(_) => Err(0),
    }
}

/// [`check_withdrawal`] with the largest amount that can leave now already computed
/// (`max`, [`max_withdrawal_floor`]'s result).
fn check_withdrawal_under(
    v: &VaultView,
    params: &RiskParams,
    amount: u64,
    max: u64,
) -> core::result::Result<(), u64> {
    if amount > max {
        return Err(max);
    }
    // Belt and braces: the cap formula itself.
    let after = v.collateral.saturating_sub(amount);
    match net_long_cap_floor(after, params) {
        Ok(cap) if v.aggregates.net_base <= 0 || v.aggregates.net_base.unsigned_abs() <= cap => Ok(()),
        _ => Err(max),
    }
}

/// What executing a vault withdrawal does (PROTOCOL section 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawalPayout {
    /// Value of the requested shares now, at the band edge least favourable to the
    /// withdrawer, tokens.
    pub value_now: u64,
    /// `min(value at request, value now)`, tokens: what the shares are owed.
    pub owed: u64,
    /// Paid now, tokens: all of `owed` if it fits the limit, else the largest amount
    /// that can leave now.
    pub paid: u64,
    /// Shares burnt for `paid`: all of them, or the part `paid` pays for, rounded up.
    pub shares_burned: u64,
    /// Value at request of the shares that stay queued, rounded down.
    pub remaining_value_at_request: u64,
    /// The largest amount that can leave the vault now.
    pub largest_now: u64,
    /// The skew potential's rise the payment caused, paid into the skew ledger
    /// (already taken off `paid`), tokens.
    pub skew_fee: u64,
    /// The part of the rise the gross payment could not cover, left unfunded.
    pub skew_unfunded: u64,
    /// The skew rebate out of the skew ledger, added to `paid`, tokens.
    pub skew_rebate: u64,
}

/// Executes a withdrawal of `shares` whose value at request was `value_at_request`: pays
/// `min(value at request, value now)` if it keeps `C' >= reserve` and
/// `N <= (1 + k) * h * C'`; otherwise pays the largest amount that can leave now and
/// burns the shares it pays for (rounded up), the rest staying queued. Refused with
/// `WithdrawalTooSmall` when the shares are owed nothing.
pub fn withdrawal_payout(
    v: &VaultView,
    oracle: &OraclePrice,
    params: &RiskParams,
    shares: u64,
    value_at_request: u64,
) -> EngineResult<WithdrawalPayout> {
    if shares == 0 {
        return Err(EngineError::ZeroAmount);
    }
    // The claims at the band edges are the same in the value and in the reserve.
    let claims = claims_ceil(v, oracle)?;
    let value_now = value_of_shares_with(v, oracle, shares, claims)?;
    let owed = value_now.min(value_at_request);
    if owed == 0 {
        return Err(EngineError::WithdrawalTooSmall);
    }
    let largest_now = max_withdrawal_under(v, params, reserve_of(reserve_margin_ceil(v, params)?, claims)?)?;
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
    // `check_withdrawal` without computing the limit a second time.
    if check_withdrawal_under(v, params, owed, largest_now).is_ok() {
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
    // paid < owed: burn ceil(shares * paid / owed) < = shares.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::{execute_trade, MarketView, Position, TradeContext};
    use crate::{PRICE_PRECISION, QUOTE_PRECISION};

    const SOL: Units = Units { scale: 1_000_000_000 };
    const ONE: u64 = 1_000_000_000;

    fn oracle(usd: u128) -> OraclePrice {
        OraclePrice {
            price: usd * PRICE_PRECISION,
            conf: 0,
            publish_time: 0,
        }
    }

    fn view(c: u64, s: u64, agg: &Aggregates) -> VaultView<'_> {
        VaultView {
            collateral: c,
            supply: s,
            aggregates: agg,
            units: SOL,
            funding_index: 0,
            locked: 0,
        }
    }

    #[test]
    fn first_deposit_mints_a_thousand_shares_per_unit() {
        let agg = Aggregates::default();
        let v = view(0, 0, &agg);
        assert_eq!(
            shares_for_deposit_floor(&v, &oracle(100), 10 * ONE),
            Ok(10_000 * ONE)
        );
        assert_eq!(
            shares_for_deposit_floor(&v, &oracle(100), 0),
            Err(EngineError::ZeroAmount)
        );
    }

    #[test]
    fn vault_equity_is_collateral_minus_traders_claim() {
        // Traders long 10 tokens at 100; price 125: they gain 250 USD = 2 tokens.
        let agg = Aggregates {
            net_base: 10 * i128::from(ONE),
            long_base: 10 * u128::from(ONE),
            short_base: 0,
            entry_quote: 1000 * QUOTE_PRECISION as i128,
            funding_basis: 0,
        };
        let v = view(10 * ONE, 10_000 * ONE, &agg);
        assert_eq!(
            equity_at(&v, 125 * PRICE_PRECISION, Rounding::Floor),
            Ok(8 * i128::from(ONE))
        );
        // In USD the vault is flat: 8 tokens * 125 = 1000 = 10 tokens * 100.
        assert_eq!(
            equity_at(&v, 100 * PRICE_PRECISION, Rounding::Floor),
            Ok(10 * i128::from(ONE))
        );
        assert_eq!(
            equity_at(&v, 80 * PRICE_PRECISION, Rounding::Floor),
            Ok(12_500_000_000)
        );
    }

    #[test]
    fn deposit_uses_the_high_edge_and_withdrawal_the_low_edge() {
        let agg = Aggregates {
            net_base: 10 * i128::from(ONE),
            long_base: 10 * u128::from(ONE),
            short_base: 0,
            entry_quote: 1000 * QUOTE_PRECISION as i128,
            funding_basis: 0,
        };
        let v = view(10 * ONE, 10_000 * ONE, &agg);
        let o = OraclePrice {
            price: 100 * PRICE_PRECISION,
            conf: PRICE_PRECISION,
            publish_time: 0,
        };
        let (low, high) = equity_band(&v, &o).unwrap();
        // E(P) = C - N + E/P: at 99 -> 10.10101.., at 101 -> 9.90099..
        assert_eq!(low, 9_900_990_099);
        assert_eq!(high, 10_101_010_102);
        let shares = shares_for_deposit_floor(&v, &o, ONE).unwrap();
        assert_eq!(
            shares,
            (u128::from(ONE) * (10_000 * u128::from(ONE) + 1000) / (10_101_010_102 + 1)) as u64
        );
        let paid = value_of_shares_floor(&v, &o, 1_000 * ONE).unwrap();
        assert_eq!(
            paid,
            ((1_000 * u128::from(ONE)) * (9_900_990_099 + 1) / (10_000 * u128::from(ONE) + 1000)) as u64
        );
    }

    #[test]
    fn withdrawal_limit_keeps_the_reserve_and_the_over_hedge_cap() {
        let p = RiskParams::default_for_tests(); // r_i 10%, k 10%, h 100%
                                                 // Traders long 10 tokens at 100, no gains. C = 20 tokens.
        let agg = Aggregates {
            net_base: 10 * i128::from(ONE),
            long_base: 10 * u128::from(ONE),
            short_base: 0,
            entry_quote: 1000 * QUOTE_PRECISION as i128,
            funding_basis: 0,
        };
        let v = view(20 * ONE, 20_000 * ONE, &agg);
        // reserve 1 token; hedge cap needs C' >= 10/1.1 = 9.090909091 tokens.
        assert_eq!(reserve_ceil(&v, &oracle(100), &p), Ok(u128::from(ONE)));
        assert_eq!(
            max_withdrawal_floor(&v, &oracle(100), &p),
            Ok(20 * ONE - 9_090_909_091)
        );
        assert_eq!(
            check_withdrawal(&v, &oracle(100), &p, 11 * ONE),
            Err(20 * ONE - 9_090_909_091)
        );
        assert_eq!(check_withdrawal(&v, &oracle(100), &p, 10 * ONE), Ok(()));
        // Traders' gains at 200: 10 * 100 USD = 5 tokens, reserve 6 tokens.
        assert_eq!(reserve_ceil(&v, &oracle(200), &p), Ok(6 * u128::from(ONE)));
    }

    #[test]
    fn min_hedge_ratio_refuses_a_deposit_into_an_unused_vault() {
        let p = RiskParams::default_for_tests();
        let agg = Aggregates {
            net_base: 5 * i128::from(ONE),
            ..Default::default()
        };
        // After depositing to C = 10, hedge ratio 50%.
        assert_eq!(hedge_ratio_floor(10 * ONE, &agg, &p), Ok(500_000));
        assert_eq!(check_min_hedge_ratio(10 * ONE, &agg, &p, 500_000), Ok(()));
        assert_eq!(
            check_min_hedge_ratio(10 * ONE, &agg, &p, 500_001),
            Err(EngineError::HedgeRatioBelowMinimum)
        );
        assert_eq!(hedge_imbalance(10 * ONE, &agg, &p), Ok(-5 * i128::from(ONE)));
    }

    #[test]
    fn winding_down_vault_refuses_deposits() {
        // Traders gained more than C.
        let agg = Aggregates {
            net_base: 10 * i128::from(ONE),
            long_base: 10 * u128::from(ONE),
            entry_quote: 100 * QUOTE_PRECISION as i128,
            ..Default::default()
        };
        let v = view(ONE, 1000 * ONE, &agg);
        assert_eq!(
            shares_for_deposit_floor(&v, &oracle(100), ONE),
            Err(EngineError::VaultEquityNotPositive)
        );
        assert_eq!(value_of_shares_floor(&v, &oracle(100), ONE), Ok(0));
    }

    #[test]
    fn a_trade_through_the_engine_keeps_vault_equity_consistent() {
        let p = RiskParams::default_for_tests();
        let m = MarketView {
            params: &p,
            units: SOL,
            oracle: oracle(100),
            funding_index: 0,
        };
        let pos = Position {
            margin: ONE as i64,
            ..Default::default()
        };
        let ctx = TradeContext {
            insurance: 1_000_000_000_000_000,
            vault_collateral: 10 * ONE,
            aggregates: Aggregates::default(),
            ..Default::default()
        };
        let out = execute_trade(&pos, &ctx, 5 * ONE as i64, &m).unwrap();
        let v = view(out.vault_collateral, 10_000 * ONE, &out.aggregates);
        // At an unchanged price with zero conf the vault gained exactly its fee share.
        let fee_to_vault = out.fee - out.insurance_fee;
        assert_eq!(
            equity_at(&v, 100 * PRICE_PRECISION, Rounding::Floor),
            Ok(i128::from(10 * ONE + fee_to_vault))
        );
    }

    /// A withdrawal the limit cannot take whole pays the largest amount that can leave
    /// now, burns the shares that pays for (rounded up), and leaves the rest queued
    /// with its value at request scaled down.
    #[test]
    fn a_withdrawal_above_the_limit_is_paid_in_part_and_the_rest_stays_queued() {
        let p = RiskParams::default_for_tests(); // r_i 10%, k 10%, h 100%
        let agg = Aggregates {
            net_base: 10 * i128::from(ONE),
            long_base: 10 * u128::from(ONE),
            short_base: 0,
            entry_quote: 1000 * QUOTE_PRECISION as i128,
            funding_basis: 0,
        };
        // C = 20 tokens, 20,000 shares; the hedge cap lets 20 - 9.090909091 leave.
        let v = view(20 * ONE, 20_000 * ONE, &agg);
        let largest = 20 * ONE - 9_090_909_091;
        // 15,000 shares are worth 15 tokens (at request and now).
        let out = withdrawal_payout(&v, &oracle(100), &p, 15_000 * ONE, 15 * ONE).unwrap();
        // (20e9 + 1) / (20,000e9 + 1000) is exactly 1/1000: 15 tokens.
        assert_eq!(out.owed, 15 * ONE);
        assert_eq!(out.largest_now, largest);
        assert_eq!(out.paid, largest);
        // ceil(15,000e9 * 10.909090909 / 15)
        let burned = (15_000 * u128::from(ONE) * u128::from(largest)).div_ceil(15 * u128::from(ONE)) as u64;
        assert_eq!(out.shares_burned, burned);
        let left = 15_000 * ONE - burned;
        assert_eq!(
            out.remaining_value_at_request,
            (u128::from(15 * ONE) * u128::from(left) / (15_000 * u128::from(ONE))) as u64
        );
        // Small enough: paid whole.
        let out = withdrawal_payout(&v, &oracle(100), &p, 5_000 * ONE, 5 * ONE).unwrap();
        assert_eq!((out.paid, out.shares_burned), (5 * ONE, 5_000 * ONE));
        // The lower of the two values is what is owed.
        let out = withdrawal_payout(&v, &oracle(100), &p, 5_000 * ONE, 3 * ONE).unwrap();
        assert_eq!(out.paid, 3 * ONE);
        // Nothing can leave (traders' 10 tokens exceed 1.1 * C = 9.9): nothing is
        // paid, everything stays queued.
        let full = VaultView {
            collateral: 9 * ONE,
            ..v
        };
        let out = withdrawal_payout(&full, &oracle(100), &p, 1_000 * ONE, ONE).unwrap();
        assert_eq!((out.paid, out.shares_burned, out.largest_now), (0, 0, 0));
        assert_eq!(out.remaining_value_at_request, ONE);
        // Shares worth nothing are owed nothing: refused by name.
        assert_eq!(
            withdrawal_payout(&v, &oracle(100), &p, 1, 0),
            Err(EngineError::WithdrawalTooSmall)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

        /// Computing the owed funding once per valuation gives what evaluating each
        /// edge on its own gave (the first implementation), to the unit.
        #[test]
        fn shared_funding_matches_per_edge_evaluation(
            c in 0u64..=10_000_000 * ONE,
            n in -5_000_000i128..=5_000_000,
            entry_usd in 1u128..=100_000,
            index in -(10i128.pow(30))..=10i128.pow(30),
            basis in -(10i128.pow(24))..=10i128.pow(24),
            usd in 1u128..=100_000,
            conf_bp in 0u128..=500,
        ) {
            let net = n * i128::from(ONE) / 10;
            let agg = Aggregates {
                net_base: net,
                long_base: net.unsigned_abs(),
                short_base: 0,
                entry_quote: net * entry_usd as i128 * 1_000_000_000,
                funding_basis: basis,
            };
            let v = VaultView { collateral: c, supply: 1, aggregates: &agg, units: SOL, funding_index: index, locked: 0 };
            let o = OraclePrice { price: usd * PRICE_PRECISION, conf: usd * PRICE_PRECISION * conf_bp / 10_000, publish_time: 0 };
            // The first implementation, written out: every evaluation computes its own
            // owed funding.
            let first_pnl = |price: u128, r: Rounding| -> EngineResult<i128> {
                let value = SOL.quote_of(agg.net_base, price, r)?;
                let owed = SOL.funding_quote(agg.net_base, index, r.flip())?.sub_c(basis)?;
                SOL.tokens_of(value.sub_c(agg.entry_quote)?.sub_c(owed)?, price, r)
            };
            let first_equity = |price: u128, r: Rounding| -> EngineResult<i128> {
                i128::from(c).sub_c(first_pnl(price, r.flip())?)
            };
            let per_edge = || -> EngineResult<(i128, i128)> {
                let (bid, ask) = (o.bid()?, o.ask()?);
                Ok((
                    first_equity(bid, Rounding::Floor)?.min(first_equity(ask, Rounding::Floor)?),
                    first_equity(bid, Rounding::Ceil)?.max(first_equity(ask, Rounding::Ceil)?),
                ))
            };
            proptest::prop_assert_eq!(equity_at(&v, o.price, Rounding::Floor), first_equity(o.price, Rounding::Floor));
            proptest::prop_assert_eq!(equity_band(&v, &o), per_edge());
            let p = RiskParams::default_for_tests();
            let reserve = || -> EngineResult<u128> {
                let margin = mul_div(agg.open_interest()?, u128::from(p.initial_margin_ratio), u128::from(RATIO_PRECISION), Rounding::Ceil)?;
                let gains = first_pnl(o.bid()?, Rounding::Ceil)?
                    .max(first_pnl(o.ask()?, Rounding::Ceil)?)
                    .max(0);
                margin.add_c(gains.unsigned_abs())
            };
            proptest::prop_assert_eq!(reserve_ceil(&v, &o, &p), reserve());
        }

        /// The withdrawal payout reuses the limit it computed instead of computing it
        /// again for the check: the same payout as the previous implementation
        /// (written out below, with `check_withdrawal`), errors included.
        #[test]
        fn payout_equals_the_one_checking_the_limit_again(
            c in 0u64..=10_000_000 * ONE,
            n in -5_000_000i128..=5_000_000,
            entry_usd in 1u128..=100_000,
            usd in 1u128..=100_000,
            conf_bp in 0u128..=500,
            supply in 1u64..=100_000_000 * ONE,
            shares_bp in 1u64..=10_000,
            at_request in 0u64..=20_000_000 * ONE,
        ) {
            let net = n * i128::from(ONE) / 10;
            let agg = Aggregates {
                net_base: net,
                long_base: net.unsigned_abs(),
                short_base: 0,
                entry_quote: net * entry_usd as i128 * 1_000_000_000,
                funding_basis: 0,
            };
            let v = VaultView { collateral: c, supply, aggregates: &agg, units: SOL, funding_index: 0, locked: 0 };
            let o = OraclePrice { price: usd * PRICE_PRECISION, conf: usd * PRICE_PRECISION * conf_bp / 10_000, publish_time: 0 };
            let p = RiskParams::default_for_tests();
            let shares = (u128::from(supply) * u128::from(shares_bp) / 10_000).max(1) as u64;
            let previous = || -> EngineResult<WithdrawalPayout> {
                let value_now = value_of_shares_floor(&v, &o, shares)?;
                let owed = value_now.min(at_request);
                if owed == 0 {
                    return Err(EngineError::WithdrawalTooSmall);
                }
                let largest_now = max_withdrawal_floor(&v, &o, &p)?;
                let full = WithdrawalPayout {
                    value_now, owed, paid: owed, shares_burned: shares, remaining_value_at_request: 0,
                    largest_now, skew_fee: 0, skew_unfunded: 0, skew_rebate: 0,
                };
                if check_withdrawal(&v, &o, &p, owed).is_ok() {
                    return Ok(full);
                }
                let paid = largest_now.min(owed);
                if paid == 0 {
                    return Ok(WithdrawalPayout { paid: 0, shares_burned: 0, remaining_value_at_request: at_request, ..full });
                }
                let burned = to_u64(mul_div(u128::from(shares), u128::from(paid), u128::from(owed), Rounding::Ceil)?)?;
                let left = shares.sub_c(burned)?;
                let remaining_value_at_request = to_u64(mul_div(u128::from(at_request), u128::from(left), u128::from(shares), Rounding::Floor)?)?;
                Ok(WithdrawalPayout { paid, shares_burned: burned, remaining_value_at_request, ..full })
            };
            proptest::prop_assert_eq!(withdrawal_payout(&v, &o, &p, shares, at_request), previous());
        }
    }
}
