//! What the pages show, as data: the CLI's own reports (`market show`, `vault show`,
//! `position show`, `request list`, `vault statement`, the same structs and the same
//! code) and what only the page adds (funding a year, open interest in USD against its
//! caps, the hedge ratio against its band, the last cranks, liquidatable positions,
//! the series of the charts).

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_engine::math::Rounding;
use hedge_engine::{PRICE_PRECISION, RATIO_PRECISION};
use hedge_vault::events::{
    BadDebtResolved, FundingUpdated, PositionLiquidated, VaultDeposited, VaultWithdrawn,
};
use serde::Serialize;

use crate::chain::decode_event;
use crate::client::Client;
use crate::index::{Counts, Index, Indexed};
use crate::reports::{self, statement, views};
use crate::units::share_decimals;

/// The band the hedge ratio is held to (PROTOCOL section 3, revision 4; the
/// backtest's "in band" measure): within 5% of the target.
pub const BAND: f64 = 0.05;

#[derive(Debug, Serialize)]
pub struct MarketPage {
    /// `hedge market show MARKET --json`.
    pub market: views::MarketReport,
    /// `hedge vault show MARKET --owner 11111111111111111111111111111111 --json` (no
    /// holder: the vault alone).
    pub vault: views::VaultReport,
    /// `hedge request list MARKET --all --json`.
    pub requests: reports::RequestsReport,
    pub hedge: Hedge,
    pub funding: Funding,
    pub open_interest: OpenInterest,
    /// Positions the program would liquidate at the price now (the keeper's test: its
    /// liquidation succeeds on a copy of the market).
    pub liquidatable: Vec<String>,
    pub last_funding_crank: Option<Crank>,
    pub last_request_execution: Option<Crank>,
    pub index: Counts,
    /// Cluster time the page was read at.
    pub now: i64,
}

#[derive(Debug, Serialize)]
pub struct Hedge {
    /// `N / (h*C)`, e.g. 1.004217.
    pub ratio: f64,
    pub band_low: f64,
    pub band_high: f64,
    pub in_band: bool,
}

#[derive(Debug, Serialize)]
pub struct Funding {
    /// The rate now, a year (365 days), percent; positive: longs pay.
    pub annual_percent: f64,
    pub direction: &'static str,
}

#[derive(Debug, Serialize)]
pub struct OpenInterest {
    pub long_usd: f64,
    pub short_usd: f64,
    pub cap_usd: u64,
    pub per_position_cap_usd: u64,
    /// The larger side against the cap, percent.
    pub used_percent: f64,
}

#[derive(Debug, Serialize)]
pub struct Crank {
    pub signature: String,
    pub time: Option<i64>,
    pub seconds_ago: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct WalletPage {
    pub owner: String,
    /// `hedge vault show MARKET --owner OWNER --json`.
    pub vault: views::VaultReport,
    /// `hedge position show MARKET --owner OWNER --json`, if the wallet has a position.
    pub position: Option<views::PositionReport>,
    /// `hedge request list MARKET --json` run by the owner: their pending requests and
    /// their claims, each with its command.
    pub requests: reports::RequestsReport,
    /// `hedge vault statement MARKET --owner OWNER --json`.
    pub statement: statement::Statement,
    /// `hedge position statement MARKET --owner OWNER --json`, if it ever traded.
    pub trader: Option<reports::trader::TraderStatement>,
    /// `hedge insurance show` and `hedge insurance statement MARKET --owner OWNER
    /// --json`, if it ever staked (the market's creator staked its seed).
    pub insurance: reports::staker::InsuranceReport,
    pub stake: Option<reports::staker::StakerStatement>,
    /// Set when the wallet has nothing in this market.
    pub note: Option<String>,
}

fn f(x: i128, decimals: u8) -> f64 {
    x as f64 / 10f64.powi(i32::from(decimals))
}

/// The funding rate (1e12 a day) as percent a year.
pub fn annual_percent(rate_per_day: i64) -> f64 {
    rate_per_day as f64 * 365.0 / 1e10
}

/// The market page's data.
pub async fn market_page(client: &mut Client, index: &mut Index, market: &Pubkey) -> Result<MarketPage> {
    let report = reports::market(client, market, None).await?;
    let vault = reports::vault(client, market, None, &Pubkey::default()).await?;
    let requests = reports::requests(client, market, None, &Pubkey::default()).await?;
    let m = client.market(market, None).await?;
    let p = client.price(&m).await?.price;
    let now = client.chain.unix_time().await?;
    let st = crate::keeper::accrued(&m.state, &p, now)?;
    let params = st.params;
    let ratio = hedge_engine::vault::hedge_ratio_floor(st.collateral, &st.aggregates, &params).unwrap_or(0)
        as f64
        / f64::from(RATIO_PRECISION as u32);
    let usd = |base: u128| {
        st.units
            .quote_of(base as i128, p.price, Rounding::Floor)
            .map(|q| q as f64 / PRICE_PRECISION as f64)
            .unwrap_or(f64::NAN)
    };
    let (long_usd, short_usd) = (usd(m.state.long_base), usd(m.state.short_base));
    let rate = st.funding.rate;
    let positions = crate::keeper::chain::scan(client, market).await?;
    let liquidatable = crate::keeper::decide::liquidatable(&positions, &st, &p, &p)
        .into_iter()
        .map(|k| k.to_string())
        .collect();
    index.sync(&mut client.chain).await?;
    let crank = |e: Option<Indexed>| {
        e.map(|e| Crank {
            signature: e.signature,
            time: e.block_time,
            seconds_ago: e.block_time.map(|t| now - t),
        })
    };
    let last_funding_crank = crank(index.last_event("FundingUpdated")?);
    let last_execution = [
        "VaultDeposited",
        "VaultWithdrawn",
        "PositionTraded",
        "MarginWithdrawn",
        "InsuranceUnstaked",
    ]
    .iter()
    .map(|n| index.last_event(n))
    .collect::<Result<Vec<_>>>()?
    .into_iter()
    .flatten()
    .max_by_key(|e| e.seq);
    Ok(MarketPage {
        market: report,
        vault,
        requests,
        hedge: Hedge {
            ratio,
            band_low: 1.0 - BAND,
            band_high: 1.0 + BAND,
            in_band: (ratio - 1.0).abs() <= BAND,
        },
        funding: Funding {
            annual_percent: annual_percent(rate),
            direction: match rate.signum() {
                1 => "longs pay the vault",
                -1 => "the vault pays longs",
                _ => "none",
            },
        },
        open_interest: OpenInterest {
            long_usd,
            short_usd,
            cap_usd: params.max_open_interest_usd,
            per_position_cap_usd: params.max_position_usd,
            used_percent: if params.max_open_interest_usd == 0 {
                0.0
            } else {
                long_usd.max(short_usd) / params.max_open_interest_usd as f64 * 100.0
            },
        },
        liquidatable,
        last_funding_crank,
        last_request_execution: crank(last_execution),
        index: index.counts()?,
        now,
    })
}

/// The wallet page's data.
pub async fn wallet_page(
    client: &mut Client,
    index: &mut Index,
    market: &Pubkey,
    owner: &Pubkey,
) -> Result<WalletPage> {
    let vault = reports::vault(client, market, None, owner).await?;
    let position = reports::position(client, market, None, owner).await?;
    let requests = reports::requests(client, market, Some(*owner), owner).await?;
    index.sync(&mut client.chain).await?;
    let history = index.history()?;
    let statement = statement::for_owner_from(client, &history, market, None, owner).await?;
    let trader = reports::trader::for_owner_from(client, &history, market, None, owner).await?;
    let trader = (!trader.fills.is_empty() || position.is_some()).then_some(trader);
    let insurance = reports::staker::insurance(client, market, None, owner).await?;
    let stake = reports::staker::for_owner_from(client, &history, market, None, owner).await?;
    let stake = (stake.shares_now > 0 || !stake.staked_tokens.trim_start_matches(['0', '.']).is_empty())
        .then_some(stake);
    let nothing = position.is_none()
        && trader.is_none()
        && stake.is_none()
        && requests.requests.is_empty()
        && requests.claims.is_empty()
        && statement.deposits.is_empty()
        && statement.withdrawals.is_empty()
        && vault.your_shares.trim_start_matches(['0', '.']).is_empty();
    Ok(WalletPage {
        owner: owner.to_string(),
        vault,
        position,
        requests,
        statement,
        trader,
        insurance,
        stake,
        note: nothing.then(|| {
            format!("{owner} has no shares, position, stake, request, claim or history in this market")
        }),
    })
}

/// One point of the charts: the market after a funding crank.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub time: i64,
    pub price_usd: f64,
    /// A whole share's value, tokens and USD (none before the first deposit).
    pub share_value_tokens: Option<f64>,
    pub share_value_usd: Option<f64>,
    pub hedge_ratio: f64,
    pub funding_annual_percent: f64,
    pub insurance_tokens: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Marker {
    pub time: i64,
    pub tokens: f64,
}

/// The charts' series, from the index.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Series {
    pub points: Vec<Point>,
    pub liquidations: Vec<Marker>,
    pub socialized: Vec<Marker>,
    /// Funding cranks indexed (the points are at most [`MAX_POINTS`] of them).
    pub cranks: usize,
}

/// Points drawn at most (evenly spaced among the cranks, the last always kept).
pub const MAX_POINTS: usize = 600;

/// The series of the charts of a market whose token has `decimals`, from the events
/// indexed: the vault after each funding crank (its equity, the share supply followed
/// through deposits and withdrawals), liquidations and socialized losses.
pub fn series(index: &Index, decimals: u8) -> Result<Series> {
    let events = index.events(&[
        "FundingUpdated",
        "VaultDeposited",
        "VaultWithdrawn",
        "PositionLiquidated",
        "BadDebtResolved",
    ])?;
    let share_unit = 10f64.powi(i32::from(share_decimals(decimals)));
    let mut supply: i128 = 0;
    let mut out = Series::default();
    let mut time = 0i64;
    for e in &events {
        time = e.block_time.unwrap_or(time);
        if let Some(u) = decode_event::<FundingUpdated>(&e.data) {
            let price = u.price as f64 / PRICE_PRECISION as f64;
            let share = (supply > 0 && u.vault_equity != i128::MIN)
                .then(|| f(u.vault_equity, decimals) / supply as f64 * share_unit);
            out.points.push(Point {
                time,
                price_usd: price,
                share_value_tokens: share,
                share_value_usd: share.map(|s| s * price),
                hedge_ratio: u.hedge_ratio as f64 / RATIO_PRECISION as f64,
                funding_annual_percent: annual_percent(u.rate),
                insurance_tokens: f(u.insurance.into(), decimals),
            });
        } else if let Some(d) = decode_event::<VaultDeposited>(&e.data) {
            supply += i128::from(d.shares);
        } else if let Some(w) = decode_event::<VaultWithdrawn>(&e.data) {
            supply -= i128::from(w.shares);
        } else if let Some(l) = decode_event::<PositionLiquidated>(&e.data) {
            out.liquidations.push(Marker {
                time,
                tokens: f(l.closed.into(), decimals),
            });
        } else if let Some(b) = decode_event::<BadDebtResolved>(&e.data) {
            if b.socialized > 0 {
                out.socialized.push(Marker {
                    time,
                    tokens: f(b.socialized.into(), decimals),
                });
            }
        }
    }
    out.cranks = out.points.len();
    out.points = thin(std::mem::take(&mut out.points), MAX_POINTS);
    Ok(out)
}

/// The charts' last point: the market now, as the page's cards show it (the card's
/// share value, from `hedge vault show`; the hedge ratio, the rate and the insurance
/// fund accrued to now), so a chart ends where the cards are, also when a deposit or a
/// withdrawal came after the last funding crank (the cranks' points price the supply
/// of their own time).
pub async fn live_point(client: &mut Client, market: &Pubkey) -> Result<Point> {
    let vault = reports::vault(client, market, None, &Pubkey::default()).await?;
    let m = client.market(market, None).await?;
    let p = client.price(&m).await?.price;
    let now = client.chain.unix_time().await?;
    let st = crate::keeper::accrued(&m.state, &p, now)?;
    let supply = client.mint_supply(&m.keys.share_mint).await?;
    let shown = |v: &str| v.parse::<f64>().ok().filter(|_| supply > 0);
    Ok(Point {
        time: now,
        price_usd: p.price as f64 / PRICE_PRECISION as f64,
        share_value_tokens: shown(&vault.share_value_tokens),
        share_value_usd: shown(&vault.share_value_usd),
        hedge_ratio: hedge_engine::vault::hedge_ratio_floor(st.collateral, &st.aggregates, &st.params)
            .unwrap_or(0) as f64
            / RATIO_PRECISION as f64,
        funding_annual_percent: annual_percent(st.funding.rate),
        insurance_tokens: f(st.insurance.into(), m.state.decimals),
    })
}

/// `series` ending at `now` (see [`live_point`]): a crank at the same second is
/// replaced by it, an older one kept.
pub fn ending_at(mut s: Series, now: Point) -> Series {
    if s.points.last().is_some_and(|p| p.time >= now.time) {
        s.points.pop();
    }
    s.points.push(now);
    s
}

/// At most `n` of `v`, evenly spaced, the first and last kept.
fn thin<T: Clone>(v: Vec<T>, n: usize) -> Vec<T> {
    if v.len() <= n || n < 2 {
        return v;
    }
    let last = v.len() - 1;
    (0..n).map(|i| v[i * last / (n - 1)].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_spaces_the_rest_evenly() {
        let v: Vec<u32> = (0..1_000).collect();
        let t = thin(v.clone(), 5);
        assert_eq!(t, [0, 249, 499, 749, 999]);
        assert_eq!(thin(v[..3].to_vec(), 5), [0, 1, 2]);
    }

    #[test]
    fn funding_a_day_at_1e12_is_percent_a_year_over_365_days() {
        // 0.01% a day = 1e8 at 1e12 -> 3.65% a year.
        assert!((annual_percent(100_000_000) - 3.65).abs() < 1e-12);
        assert!((annual_percent(-100_000_000) + 3.65).abs() < 1e-12);
    }
}
