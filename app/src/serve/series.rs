//! The charts' series: a point per funding crank folded from the event index (and
//! kept, so each request folds in only what is new), a wallet's deposits and
//! withdrawals, the live point that ends every chart, and the holders' APY over them.

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_engine::{PRICE_PRECISION, RATIO_PRECISION};
use hedge_vault::events::{
    BadDebtResolved, FundingUpdated, PositionLiquidated, VaultDeposited, VaultWithdrawn,
};
use serde::Serialize;

use crate::chain::decode_event;
use crate::client::Client;
use crate::index::Index;
use crate::reports;
use crate::units::share_decimals;

pub(super) fn f(x: i128, decimals: u8) -> f64 {
    x as f64 / 10f64.powi(i32::from(decimals))
}

/// The funding rate (1e12 a day) as percent a year.
pub fn annual_percent(rate_per_day: i64) -> f64 {
    rate_per_day as f64 * 365.0 / 1e10
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
    /// The index's rebuild count when folding began ([`Index::rebuilds`]): a rebuilt
    /// index numbers its transactions anew, so the series starts over.
    rebuilds: u64,
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
        if index.rebuilds() != self.rebuilds {
            *self = SeriesBuilder {
                rebuilds: index.rebuilds(),
                ..SeriesBuilder::default()
            };
        }
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
    fn funding_a_day_at_1e12_is_percent_a_year_over_365_days() {
        // 0.01% a day = 1e8 at 1e12 -> 3.65% a year.
        assert!((annual_percent(100_000_000) - 3.65).abs() < 1e-12);
        assert!((annual_percent(-100_000_000) + 3.65).abs() < 1e-12);
    }
}
