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
    BadDebtResolved, FundingUpdated, PositionLiquidated, PositionTraded, VaultDeposited, VaultWithdrawn,
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
    /// What the holders' shares are worth and have earned.
    pub holders: Holders,
    /// The largest open positions.
    pub positions: PositionsTable,
    /// The last deposits, withdrawals, trades and liquidations, newest first.
    pub activity: Vec<Activity>,
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
pub struct Holders {
    /// The shares outstanding at the share's USD value now (`vault.shares_outstanding`
    /// x `vault.share_value_usd`).
    pub tvl_usd: f64,
    /// The share's USD value, annualized, over the last 7 and 30 days and since the
    /// first deposit, percent (compounded: `(v1/v0)^(365 days/dt) - 1`); none when the
    /// history is shorter than the window (or than a day since the start).
    pub apy_7d_percent: Option<f64>,
    pub apy_30d_percent: Option<f64>,
    pub apy_since_start_percent: Option<f64>,
    /// When the share's value was first recorded (the first crank after a deposit).
    pub since: Option<i64>,
}

/// Positions shown at most (the largest by size).
pub const MAX_POSITIONS: usize = 50;

#[derive(Debug, Serialize)]
pub struct PositionsTable {
    /// Open positions (not flat).
    pub open: usize,
    /// The largest [`MAX_POSITIONS`], as `hedge position show` reports each.
    pub largest: Vec<views::PositionReport>,
}

/// Activity rows shown.
pub const MAX_ACTIVITY: usize = 30;

#[derive(Debug, Serialize)]
pub struct Activity {
    pub time: Option<i64>,
    pub signature: String,
    /// deposit, withdrawal, trade or liquidation.
    pub kind: &'static str,
    pub owner: String,
    /// Tokens deposited or paid out; a trade's or a liquidation's size, signed for a trade.
    pub amount: String,
    pub price_usd: f64,
    /// Fees and rewards of the row, tokens.
    pub fees: String,
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
    /// What the wallet earned as a keeper, if it executed or liquidated anything.
    pub keeper: Option<reports::keeper::KeeperRewards>,
    /// Cluster time the page was read at.
    pub now: i64,
    /// Set when the wallet has nothing in this market.
    pub note: Option<String>,
}

fn f(x: i128, decimals: u8) -> f64 {
    x as f64 / 10f64.powi(i32::from(decimals))
}

/// Who pays funding at `rate` with `long_base` of longs open: nobody when no long is
/// open (the vault's short faces only longs).
pub fn direction(rate: i64, long_base: u128) -> &'static str {
    match (rate.signum(), long_base) {
        (0, _) => "none",
        (_, 0) => "nobody: no long is open",
        (1, _) => "longs pay the vault",
        _ => "the vault pays longs",
    }
}

/// The funding rate (1e12 a day) as percent a year.
pub fn annual_percent(rate_per_day: i64) -> f64 {
    rate_per_day as f64 * 365.0 / 1e10
}

/// The market page's data.
pub async fn market_page(
    client: &mut Client,
    index: &mut Index,
    series: &SeriesBuilder,
    market: &Pubkey,
) -> Result<MarketPage> {
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
    let mut open: Vec<_> = positions.iter().filter(|(_, x)| x.base != 0).collect();
    open.sort_by_key(|(k, x)| (std::cmp::Reverse(x.base.unsigned_abs()), *k));
    let largest = open
        .iter()
        .take(MAX_POSITIONS)
        .map(|(k, x)| views::position_report(k, &x.owner, &x.engine(), &m.state, &p, now))
        .collect::<Result<Vec<_>>>()?;
    let num = |s: &str| s.parse::<f64>().unwrap_or(0.0);
    let share_usd = num(&vault.share_value_usd);
    let now_point = (share_usd > 0.0).then_some((now, share_usd));
    let holders = Holders {
        tvl_usd: num(&vault.shares_outstanding) * share_usd,
        apy_7d_percent: now_point.and_then(|n| apy(series.points(), n, Some(7 * 86_400))),
        apy_30d_percent: now_point.and_then(|n| apy(series.points(), n, Some(30 * 86_400))),
        apy_since_start_percent: now_point.and_then(|n| apy(series.points(), n, None)),
        since: series
            .points()
            .iter()
            .find(|x| x.share_value_usd.is_some())
            .map(|x| x.time),
    };
    let activity = activity(index, m.state.decimals)?;
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
            direction: direction(rate, m.state.long_base),
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
        holders,
        positions: PositionsTable {
            open: open.len(),
            largest,
        },
        activity,
        index: index.counts()?,
        now,
    })
}

/// The share's USD value annualized, percent, from the point `window` seconds before
/// `now` (`(time, share value USD)`; the last recorded at or before it) or, for
/// `None`, from the first point with a share value; compounded over 365 days. `None`
/// when the history does not reach back that far, or spans less than a day.
pub fn apy(points: &[Point], now: (i64, f64), window: Option<i64>) -> Option<f64> {
    let valued = points
        .iter()
        .filter_map(|p| p.share_value_usd.map(|v| (p.time, v)));
    let (t0, v0) = match window {
        Some(w) => valued.take_while(|(t, _)| *t <= now.0 - w).last()?,
        None => valued.take_while(|(t, _)| *t < now.0).next()?,
    };
    let dt = (now.0 - t0) as f64;
    if dt < 86_400.0 || v0 <= 0.0 {
        return None;
    }
    let r = ((now.1 / v0).powf(365.0 * 86_400.0 / dt) - 1.0) * 100.0;
    r.is_finite().then_some(r)
}

/// The market's last deposits, withdrawals, trades and liquidations, newest first.
fn activity(index: &Index, decimals: u8) -> Result<Vec<Activity>> {
    let names = [
        "VaultDeposited",
        "VaultWithdrawn",
        "PositionTraded",
        "PositionLiquidated",
    ];
    let tokens = |x: i128| crate::units::format_amount(x, decimals);
    let usd = |p: u128| p as f64 / PRICE_PRECISION as f64;
    Ok(index
        .recent(&names, MAX_ACTIVITY)?
        .into_iter()
        .filter_map(|e| {
            let row = |kind, owner: Pubkey, amount, price, fees| Activity {
                time: e.block_time,
                signature: e.signature.clone(),
                kind,
                owner: owner.to_string(),
                amount,
                price_usd: usd(price),
                fees,
            };
            if let Some(d) = decode_event::<VaultDeposited>(&e.data) {
                Some(row(
                    "deposit",
                    d.owner,
                    tokens(d.amount.into()),
                    d.price,
                    tokens(d.skew_fee.into()),
                ))
            } else if let Some(w) = decode_event::<VaultWithdrawn>(&e.data) {
                Some(row(
                    "withdrawal",
                    w.owner,
                    tokens(w.paid.into()),
                    w.price,
                    tokens(w.skew_fee.into()),
                ))
            } else if let Some(t) = decode_event::<PositionTraded>(&e.data) {
                Some(row(
                    "trade",
                    t.owner,
                    tokens(t.delta_base.into()),
                    t.fill_price,
                    tokens(t.fee.into()),
                ))
            } else {
                decode_event::<PositionLiquidated>(&e.data).map(|l| {
                    row(
                        "liquidation",
                        l.owner,
                        tokens(l.closed.into()),
                        l.fill_price,
                        tokens((u128::from(l.liquidator_reward) + u128::from(l.insurance_reward)) as i128),
                    )
                })
            }
        })
        .collect())
}

/// The keepers' page: [`reports::keeper::report`].
pub async fn keeper_page(
    client: &mut Client,
    index: &mut Index,
    market: &Pubkey,
) -> Result<reports::keeper::KeeperReport> {
    index.sync(&mut client.chain).await?;
    let history = index.history()?;
    reports::keeper::report(client, history, market).await
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
    let statement = statement::for_owner_from(client, history, market, None, owner).await?;
    let trader = reports::trader::for_owner_from(client, history, market, None, owner).await?;
    let trader = (!trader.fills.is_empty() || position.is_some()).then_some(trader);
    let insurance = reports::staker::insurance(client, market, None, owner).await?;
    let stake = reports::staker::for_owner_from(client, history, market, None, owner).await?;
    let stake = (stake.shares_now > 0 || !stake.staked_tokens.trim_start_matches(['0', '.']).is_empty())
        .then_some(stake);
    let (keepers, _) = reports::keeper::rewards(history, client.market(market, None).await?.state.decimals);
    let keeper = keepers.into_iter().find(|k| k.wallet == owner.to_string());
    let now = client.chain.unix_time().await?;
    let nothing = position.is_none()
        && keeper.is_none()
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
        keeper,
        now,
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
    /// With `?owner=`: that wallet's deposits (tokens executed) and withdrawals
    /// (tokens paid), marked on the share's chart.
    pub deposits: Vec<Marker>,
    pub withdrawals: Vec<Marker>,
    /// Funding cranks indexed (the points are at most [`MAX_POINTS`] of them).
    pub cranks: usize,
}

/// Points drawn at most (evenly spaced among the cranks, the last always kept).
pub const MAX_POINTS: usize = 600;

/// The charts' series of one market, built from its index and kept: each call folds
/// in only the events indexed since the last (the market page, the series and each
/// chart ask for it; decoding the whole history on every request cost 50 ms at
/// 100,000 events).
#[derive(Clone, Debug, Default)]
pub struct SeriesBuilder {
    /// The last transaction (`seq`) folded in.
    seq: i64,
    supply: i128,
    time: i64,
    /// Every crank's point, not thinned.
    all: Series,
}

/// The events the series is made of.
const SERIES_EVENTS: &[&str] = &[
    "FundingUpdated",
    "VaultDeposited",
    "VaultWithdrawn",
    "PositionLiquidated",
    "BadDebtResolved",
];

impl SeriesBuilder {
    /// Folds in the events of `index` after the last seen, for a token of `decimals`:
    /// the vault after each funding crank (its equity, the share supply followed
    /// through deposits and withdrawals), liquidations and socialized losses.
    pub fn update(&mut self, index: &Index, decimals: u8) -> Result<()> {
        let share_unit = 10f64.powi(i32::from(share_decimals(decimals)));
        let out = &mut self.all;
        for e in index.events_after(SERIES_EVENTS, self.seq)? {
            self.seq = e.seq;
            self.time = e.block_time.unwrap_or(self.time);
            let time = self.time;
            if let Some(u) = decode_event::<FundingUpdated>(&e.data) {
                let price = u.price as f64 / PRICE_PRECISION as f64;
                let share = (self.supply > 0 && u.vault_equity != i128::MIN)
                    .then(|| f(u.vault_equity, decimals) / self.supply as f64 * share_unit);
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
                self.supply += i128::from(d.shares);
            } else if let Some(w) = decode_event::<VaultWithdrawn>(&e.data) {
                self.supply -= i128::from(w.shares);
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
        Ok(())
    }

    /// Every crank's point so far.
    pub fn points(&self) -> &[Point] {
        &self.all.points
    }

    /// The series as drawn: at most [`MAX_POINTS`] points.
    pub fn series(&self) -> Series {
        Series {
            points: thin_slice(&self.all.points, MAX_POINTS),
            liquidations: self.all.liquidations.clone(),
            socialized: self.all.socialized.clone(),
            deposits: Vec::new(),
            withdrawals: Vec::new(),
            cranks: self.all.cranks,
        }
    }
}

/// `owner`'s deposits and withdrawals in the index: when, and the tokens executed or paid.
pub fn flows_of(index: &Index, owner: &Pubkey, decimals: u8) -> Result<(Vec<Marker>, Vec<Marker>)> {
    let (mut d, mut w) = (Vec::new(), Vec::new());
    for e in index.owner_events(owner, &["VaultDeposited", "VaultWithdrawn"])? {
        let time = e.block_time.unwrap_or(0);
        if let Some(x) = decode_event::<VaultDeposited>(&e.data) {
            d.push(Marker {
                time,
                tokens: f(x.amount.into(), decimals),
            });
        } else if let Some(x) = decode_event::<VaultWithdrawn>(&e.data) {
            w.push(Marker {
                time,
                tokens: f(x.paid.into(), decimals),
            });
        }
    }
    Ok((d, w))
}

/// The series of the charts of a market whose token has `decimals`, from the events
/// indexed (see [`SeriesBuilder`]).
pub fn series(index: &Index, decimals: u8) -> Result<Series> {
    let mut b = SeriesBuilder::default();
    b.update(index, decimals)?;
    Ok(b.series())
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
fn thin_slice<T: Clone>(v: &[T], n: usize) -> Vec<T> {
    if v.len() <= n || n < 2 {
        return v.to_vec();
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
        let t = thin_slice(&v, 5);
        assert_eq!(t, [0, 249, 499, 749, 999]);
        assert_eq!(thin_slice(&v[..3], 5), [0, 1, 2]);
    }

    fn point(time: i64, share: Option<f64>) -> Point {
        Point {
            time,
            price_usd: 1.0,
            share_value_tokens: share,
            share_value_usd: share,
            hedge_ratio: 1.0,
            funding_annual_percent: 0.0,
            insurance_tokens: 0.0,
        }
    }

    /// A worked example: a share worth 100 USD 30 days ago, 100.5 7 days ago, 101 now.
    #[test]
    fn apy_compounds_the_window_to_a_year_and_needs_history_that_long() {
        let day = 86_400;
        let now = 40 * day;
        let mut pts = vec![point(0, None), point(now - 35 * day, Some(99.0))];
        pts.push(point(now - 30 * day, Some(100.0)));
        pts.push(point(now - 7 * day, Some(100.5)));
        pts.push(point(now - day, Some(100.9)));
        let n = (now, 101.0);
        let d7 = apy(&pts, n, Some(7 * day)).unwrap();
        assert!(
            (d7 - ((101.0f64 / 100.5).powf(365.0 / 7.0) - 1.0) * 100.0).abs() < 1e-9,
            "{d7}"
        );
        let d30 = apy(&pts, n, Some(30 * day)).unwrap();
        assert!(
            (d30 - ((1.01f64).powf(365.0 / 30.0) - 1.0) * 100.0).abs() < 1e-9,
            "{d30}"
        );
        // Since start: from the first point with a share value (99 USD, 35 days ago).
        let all = apy(&pts, n, None).unwrap();
        assert!((all - ((101.0f64 / 99.0).powf(365.0 / 35.0) - 1.0) * 100.0).abs() < 1e-9);
        // The window reaches before the first valued point: none.
        assert_eq!(apy(&pts, n, Some(36 * day)), None);
        // Less than a day since the start: none.
        assert_eq!(apy(&[point(now - 3_600, Some(1.0))], n, None), None);
        // A falling share gives a negative figure.
        assert!(apy(&pts, (now, 99.0), Some(7 * day)).unwrap() < 0.0);
    }

    #[test]
    fn funding_is_paid_only_when_longs_are_open() {
        assert_eq!(direction(5, 1), "longs pay the vault");
        assert_eq!(direction(-5, 1), "the vault pays longs");
        assert_eq!(direction(-5, 0), "nobody: no long is open");
        assert_eq!(direction(0, 7), "none");
    }

    #[test]
    fn funding_a_day_at_1e12_is_percent_a_year_over_365_days() {
        // 0.01% a day = 1e8 at 1e12 -> 3.65% a year.
        assert!((annual_percent(100_000_000) - 3.65).abs() < 1e-12);
        assert!((annual_percent(-100_000_000) + 3.65).abs() < 1e-12);
    }
}
