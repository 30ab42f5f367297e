//! What the pages show, as data: the CLI's own reports (`market show`, `vault show`,
//! `position show`, `request list`, `vault statement`, the same structs and the same
//! code) and what only the page adds (funding a year, open interest in USD against its
//! caps, the hedge ratio against its band, the last cranks, liquidatable positions,
//! the series of the charts).

use anchor_lang::prelude::Pubkey;
use anyhow::Result;
use hedge_engine::math::Rounding;
use hedge_engine::{PRICE_PRECISION, RATIO_PRECISION};
use hedge_vault::events::{PositionLiquidated, PositionTraded, VaultDeposited, VaultWithdrawn};
use serde::Serialize;

use super::series::{annual_percent, apy, SeriesBuilder};
use crate::chain::decode_event;
use crate::client::Client;
use crate::index::{Counts, Index, Indexed};
use crate::reports::{self, statement, views};

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

/// The market page's data, from `index` and `series` as the caller synced them.
pub async fn market_page(
    client: &mut Client,
    // `&mut`: a shared reference to the SQLite connection is not `Send` across awaits.
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
    let liquidatable = reports::keeper::liquidatable_now(&positions, &st, &p);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funding_is_paid_only_when_longs_are_open() {
        assert_eq!(direction(5, 1), "longs pay the vault");
        assert_eq!(direction(-5, 1), "the vault pays longs");
        assert_eq!(direction(-5, 0), "nobody: no long is open");
        assert_eq!(direction(0, 7), "none");
    }
}
