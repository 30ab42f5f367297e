//! What `show` commands print, computed with the engine from fetched accounts: share
//! value, live delta per share and hedge ratio for the vault; equity, margin ratio and
//! liquidation price for a position.

use anchor_lang::prelude::Pubkey;
use hedge_engine::math::Rounding;
use hedge_engine::oracle::OraclePrice;
use hedge_engine::position::{
    equity_floor, funding_owed_quote, initial_margin_ceil, liquidation_price, maintenance_margin_ceil,
    unrealized_pnl_quote, withdrawable_margin_floor, Position as EnginePosition,
};
use hedge_engine::vault::{
    equity_band, hedge_imbalance, hedge_ratio_floor, hedge_target_floor, max_withdrawal_floor, reserve_ceil,
    value_of_shares_floor, VaultView,
};
use hedge_engine::{PRICE_PRECISION, RATIO_PRECISION};
use hedge_vault::state::Market;
use serde::Serialize;

use crate::units::{format_amount, format_price, format_ratio, share_decimals};

#[derive(Debug, Serialize)]
pub struct MarketReport {
    pub market: String,
    pub mint: String,
    pub decimals: u8,
    pub oracle_kind: String,
    pub oracle: String,
    pub price: String,
    pub confidence: String,
    pub price_age_seconds: i64,
    pub vault_collateral: String,
    pub traders_net_long: String,
    pub open_interest_long: String,
    pub open_interest_short: String,
    pub hedge_target: String,
    pub hedge_imbalance: String,
    pub funding_rate_per_day: String,
    pub insurance_fund: String,
    /// The insurance fund's income still locked (revision 5), left out of an
    /// unstake's value until it unlocks.
    pub insurance_locked: String,
    /// The skew ledger `K` (PROTOCOL section 4, revision 5): what the skew potential
    /// collected and has not rebated or released, apart from the vault's collateral.
    pub skew_ledger: String,
    /// Rises of the potential owed and never paid: the next falls pay it down before
    /// any rebate.
    pub skew_unfunded: String,
    /// Cumulative: collected into the ledger, rebated out of it, released into `C`.
    pub skew_collected: String,
    pub skew_rebated: String,
    pub skew_released: String,
    pub positions: u64,
    pub paused: bool,
    pub reduce_only: bool,
    pub settled: bool,
    pub total_socialized: String,
    pub max_open_interest_usd: u64,
    /// The open interest at which a `stress_move` gap would lose exactly the insurance
    /// fund (PROTOCOL section 5 sizes the cap to this); a number, as its sibling
    /// `max_open_interest_usd` (at most `u64::MAX` USD).
    pub stress_sized_open_interest_usd: Option<u64>,
    /// Set when the configured cap exceeds the stress-sized one.
    pub warning: Option<String>,
    pub admin: String,
    pub guardian: String,
}

pub fn market_report(
    key: &Pubkey,
    m: &Market,
    oracle: &Pubkey,
    price: &OraclePrice,
    age: i64,
) -> MarketReport {
    let d = m.decimals;
    let params = m.risk_params();
    let target = hedge_target_floor(m.collateral, &params).unwrap_or(0);
    let imbalance = hedge_imbalance(m.collateral, &m.aggregates(), &params).unwrap_or(0);
    let stress = m
        .units()
        .ok()
        .and_then(|u| {
            hedge_engine::position::stress_sized_open_interest_usd(m.insurance, u, price.price, &params).ok()
        })
        .flatten();
    MarketReport {
        market: key.to_string(),
        mint: m.collateral_mint.to_string(),
        decimals: d,
        oracle_kind: format!("{:?}", m.oracle_kind()),
        oracle: oracle.to_string(),
        price: format_price(price.price, 6),
        confidence: format_price(price.conf, 6),
        price_age_seconds: age,
        vault_collateral: format_amount(m.collateral.into(), d),
        traders_net_long: format_amount(m.net_base, d),
        open_interest_long: format_amount(m.long_base as i128, d),
        open_interest_short: format_amount(m.short_base as i128, d),
        hedge_target: format_amount(target as i128, d),
        hedge_imbalance: format_amount(imbalance, d),
        funding_rate_per_day: format!("{}%", crate::pyth::decimal(i128::from(m.funding_rate), -10)),
        insurance_fund: format_amount(m.insurance.into(), d),
        insurance_locked: format_amount(m.insurance_locked.into(), d),
        skew_ledger: format_amount(m.skew_ledger.into(), d),
        skew_unfunded: format_amount(m.skew_unfunded.into(), d),
        skew_collected: format_amount(m.skew_collected as i128, d),
        skew_rebated: format_amount(m.skew_rebated as i128, d),
        skew_released: format_amount(m.skew_released as i128, d),
        positions: m.position_count,
        paused: m.is_paused(),
        reduce_only: m.is_reduce_only(),
        settled: m.is_settled(),
        total_socialized: format_amount(m.total_socialized.into(), d),
        max_open_interest_usd: params.max_open_interest_usd,
        stress_sized_open_interest_usd: stress.map(|c| u64::try_from(c).unwrap_or(u64::MAX)),
        warning: stress
            .filter(|c| u128::from(params.max_open_interest_usd) > *c)
            .map(|c| {
                format!(
                "the open-interest cap ({} USD) exceeds what the insurance fund covers on a {} gap ({} USD)",
                params.max_open_interest_usd,
                format_ratio(u64::from(params.stress_move)),
                c
            )
            }),
        admin: m.admin.to_string(),
        guardian: m.guardian.to_string(),
    }
}

#[derive(Debug, Serialize)]
pub struct VaultReport {
    pub market: String,
    pub shares_outstanding: String,
    pub collateral: String,
    pub equity_low: String,
    pub equity_high: String,
    /// Tokens per whole share (1 share = 10^(decimals+3) units), at the low edge.
    pub share_value_tokens: String,
    pub share_value_usd: String,
    /// `(C - N) / supply`: the vault's remaining price exposure per share, in tokens.
    pub live_delta_per_share: String,
    pub hedge_ratio: String,
    pub reserve: String,
    pub max_withdrawal_now: String,
    /// The largest `C` the insurance fund lets the vault have hedged (PROTOCOL
    /// section 3, hedge capacity): deposits beyond it wait in escrow.
    pub hedgeable_collateral: String,
    /// Deposits waiting in escrow for hedge capacity.
    pub waiting_deposits: String,
    /// The vault's income still locked (revision 4's profit unlocking), left out of
    /// the share price until it unlocks.
    pub locked_income: String,
    pub your_shares: String,
    pub your_value: String,
    pub your_pending_withdrawal_shares: String,
}

pub struct VaultInputs<'a> {
    pub market: &'a Market,
    pub key: &'a Pubkey,
    pub supply: u64,
    pub price: &'a OraclePrice,
    pub now: i64,
    pub user_shares: u64,
    pub pending: u64,
}

/// What `shares` of a vault with `supply` outstanding are worth now, tokens: the
/// program's `value_of_shares_floor` on the state accrued to now.
pub fn shares_value(
    m: &Market,
    supply: u64,
    price: &OraclePrice,
    now: i64,
    shares: u64,
) -> anyhow::Result<u64> {
    if shares == 0 || supply == 0 {
        return Ok(0);
    }
    let st = crate::keeper::accrued(m, price, now)?;
    value_of(&st.vault_view(supply), price, shares)
}

/// [`shares_value`], and the part of the vault's income still locked that is theirs
/// (their value with the lock released, less their value now): it reaches the share
/// price as it unlocks.
pub fn shares_value_and_locked(
    m: &Market,
    supply: u64,
    price: &OraclePrice,
    now: i64,
    shares: u64,
) -> anyhow::Result<(u64, u64)> {
    if shares == 0 || supply == 0 {
        return Ok((0, 0));
    }
    let st = crate::keeper::accrued(m, price, now)?;
    let view = st.vault_view(supply);
    let value = value_of(&view, price, shares)?;
    let unlocked = VaultView { locked: 0, ..view };
    let all = value_of(&unlocked, price, shares)?;
    Ok((value, all.saturating_sub(value)))
}

/// `value_of_shares_floor`, zero for no shares or an empty vault.
fn value_of(v: &VaultView, price: &OraclePrice, shares: u64) -> anyhow::Result<u64> {
    if shares == 0 || v.supply == 0 {
        return Ok(0);
    }
    value_of_shares_floor(v, price, shares).map_err(|e| anyhow::anyhow!("engine: {e:?}"))
}

pub fn vault_report(i: &VaultInputs) -> anyhow::Result<VaultReport> {
    let m = i.market;
    let d = m.decimals;
    // The program's state with funding accrued to now, as every instruction sees it.
    let st = crate::keeper::accrued(m, i.price, i.now)?;
    let (agg, params, units) = (st.aggregates, st.params, st.units);
    let v = st.vault_view(i.supply);
    let e = |x: hedge_engine::EngineError| anyhow::anyhow!("engine: {x:?}");
    let (low, high) = equity_band(&v, i.price).map_err(e)?;
    let share_unit = 10u64.pow(u32::from(share_decimals(d)));
    let one_share_value = value_of(&v, i.price, share_unit).unwrap_or(0);
    let usd = units
        .quote_of(one_share_value.into(), i.price.price, Rounding::Floor)
        .unwrap_or(0);
    let delta = if i.supply == 0 {
        0
    } else {
        (i128::from(m.collateral) - m.net_base) * i128::from(share_unit) / i128::from(i.supply)
    };
    let your_value = value_of(&v, i.price, i.user_shares)?;
    Ok(VaultReport {
        market: i.key.to_string(),
        shares_outstanding: format_amount(i.supply.into(), share_decimals(d)),
        collateral: format_amount(m.collateral.into(), d),
        equity_low: format_amount(low, d),
        equity_high: format_amount(high, d),
        share_value_tokens: format_amount(one_share_value.into(), d),
        share_value_usd: crate::pyth::decimal(usd / (PRICE_PRECISION as i128 / 1_000_000), -6),
        live_delta_per_share: format_amount(delta, d),
        hedge_ratio: format_ratio(hedge_ratio_floor(m.collateral, &agg, &params).unwrap_or(0)),
        reserve: format_amount(reserve_ceil(&v, i.price, &params).unwrap_or(0) as i128, d),
        max_withdrawal_now: format_amount(max_withdrawal_floor(&v, i.price, &params).unwrap_or(0).into(), d),
        hedgeable_collateral: format_amount(st.hedgeable_collateral(i.price).unwrap_or(0).into(), d),
        waiting_deposits: format_amount(m.waiting_deposits.into(), d),
        locked_income: format_amount(st.profit.locked.into(), d),
        your_shares: format_amount(i.user_shares.into(), share_decimals(d)),
        your_value: format_amount(your_value.into(), d),
        your_pending_withdrawal_shares: format_amount(i.pending.into(), share_decimals(d)),
    })
}

#[derive(Debug, Serialize)]
pub struct PositionReport {
    pub position: String,
    pub owner: String,
    pub base: String,
    pub side: &'static str,
    pub entry_price: String,
    pub margin: String,
    pub equity: String,
    /// equity / notional (in tokens, `|base|`); "-" for a flat position
    pub margin_ratio: String,
    pub unrealized_pnl_usd: String,
    pub funding_owed_usd: String,
    pub initial_margin: String,
    pub maintenance_margin: String,
    pub liquidation_price: String,
    pub withdrawable: String,
    pub liquidatable: bool,
}

pub fn position_report(
    key: &Pubkey,
    owner: &Pubkey,
    p: &EnginePosition,
    m: &Market,
    price: &OraclePrice,
    now: i64,
) -> anyhow::Result<PositionReport> {
    let d = m.decimals;
    let st = crate::keeper::accrued(m, price, now)?;
    let (params, units) = (st.params, st.units);
    let view = st.view(*price);
    let e = |x: hedge_engine::EngineError| anyhow::anyhow!("engine: {x:?}");
    let equity = equity_floor(p, &view).map_err(e)?;
    let size = i128::from(p.base.unsigned_abs());
    let ratio = if size == 0 {
        0
    } else {
        (equity.max(0) * i128::from(RATIO_PRECISION) / size) as u64
    };
    let entry = if p.base == 0 {
        "-".to_string()
    } else {
        let px = p.entry_quote.unsigned_abs() * units.scale / u128::from(p.base.unsigned_abs());
        format_price(px, 6)
    };
    let usd = |q: i128| crate::pyth::decimal(q / (PRICE_PRECISION as i128 / 1_000_000), -6);
    Ok(PositionReport {
        position: key.to_string(),
        owner: owner.to_string(),
        base: format_amount(p.base.into(), d),
        side: if p.base > 0 {
            "long"
        } else if p.base < 0 {
            "short"
        } else {
            "flat"
        },
        entry_price: entry,
        margin: format_amount(p.margin.into(), d),
        equity: format_amount(equity, d),
        // A flat position has no notional: no ratio to show.
        margin_ratio: if size == 0 {
            "-".into()
        } else {
            format_ratio(ratio)
        },
        unrealized_pnl_usd: usd(unrealized_pnl_quote(p, units, price.price).map_err(e)?),
        funding_owed_usd: usd(funding_owed_quote(p, units, view.funding_index).map_err(e)?),
        initial_margin: format_amount(initial_margin_ceil(p, &params).map_err(e)?.into(), d),
        maintenance_margin: format_amount(maintenance_margin_ceil(p, &params).map_err(e)?.into(), d),
        liquidation_price: match liquidation_price(p, units, &params).map_err(e)? {
            Some(u128::MAX) => "never (fully collateralized)".into(),
            Some(px) => format_price(px, 6),
            None => "none".into(),
        },
        withdrawable: format_amount(withdrawable_margin_floor(p, &view).map_err(e)?.into(), d),
        liquidatable: hedge_engine::position::is_liquidatable(p, &view).map_err(e)?,
    })
}
