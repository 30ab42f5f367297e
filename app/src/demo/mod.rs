//! `hedge demo`: a backtest's story told through the real program on the embedded
//! chain. A market for a token with a Pyth price is created with the project's
//! defaults (the creator stakes the seed of the insurance fund); the backtest's
//! population (hedgers, hedge takers, leveraged speculators, insurance
//! stakers) acts at the backtest's cadence (15-minute steps through each day's open,
//! extremes and close), every action a signed transaction; the keeper's pass runs
//! every step. The engine-level simulation runs alongside, and after every step the
//! market's ledgers and share supply on the chain must equal it (every account at
//! the end). At the end the first hedger withdraws everything, and the report
//! compares their USD value with and without the hedge.

use anyhow::{anyhow, bail, Result};
use hedge_vault::events::VaultWithdrawn;

use crate::backtest::path::{self, Day};
use crate::backtest::replay::Replay;
use crate::backtest::{self, Options, Run};
use crate::chain::Chain;
use crate::client::Client;
use crate::ix;

mod report;

pub use report::{render, DemoReport};

/// The built-in series: data/ETH-USD.csv, compiled in.
const BUILTIN_CSV: &str = include_str!("../../../data/ETH-USD.csv");
const BUILTIN_NAME: &str = "built-in: data/ETH-USD.csv";
/// The built-in window: the May 2021 crash (ETH fell from 4,362 to 1,737 USD within
/// the window, 43% within May 19).
pub const BUILTIN_FROM: &str = "2021-05-12";
pub const BUILTIN_DAYS: usize = 14;

#[derive(Clone, Debug, Default)]
pub struct DemoOptions {
    /// A `Date,Open,High,Low,Close` CSV; the built-in ETH series when `None`.
    pub prices: Option<std::path::PathBuf>,
    /// First day (`YYYY-MM-DD`); the series' first when `None` (the built-in window's
    /// when the series is built in).
    pub from: Option<String>,
    /// Days to run (at least 2); the rest of the series when `None` (14 built in).
    pub days: Option<usize>,
    /// The hedgers' opening deposit and the backtest's other knobs (sub-step, seed).
    pub backtest: Options,
    /// Print a line per day (to stderr).
    pub verbose: bool,
}

fn tokens(v: i128) -> f64 {
    crate::units::whole(v, backtest::DECIMALS)
}

/// The days the demo runs, and where they came from.
pub fn window(opts: &DemoOptions) -> Result<(String, Vec<Day>)> {
    let (name, all, from, days) = match &opts.prices {
        Some(p) => (
            p.display().to_string(),
            path::read_ohlc(p)?,
            opts.from.clone(),
            opts.days,
        ),
        None => (
            BUILTIN_NAME.to_string(),
            path::parse_ohlc(BUILTIN_CSV, BUILTIN_NAME)?,
            Some(opts.from.clone().unwrap_or_else(|| BUILTIN_FROM.to_string())),
            Some(opts.days.unwrap_or(BUILTIN_DAYS)),
        ),
    };
    let start = match &from {
        Some(d) => all
            .iter()
            .position(|x| &x.date == d)
            .ok_or_else(|| anyhow!("{name} has no day {d}"))?,
        None => 0,
    };
    let end = days.map_or(all.len(), |n| (start + n.max(2)).min(all.len()));
    if end - start < 2 {
        bail!("{name}: fewer than two days from {}", all[start].date);
    }
    Ok((name, all[start..end].to_vec()))
}

/// Runs the story.
pub async fn run(opts: &DemoOptions) -> Result<DemoReport> {
    Ok(run_kept(opts).await?.report)
}

/// The story told, and the chain it was told on (for `hedge demo --serve`).
pub struct Finished {
    pub report: DemoReport,
    pub client: Client,
    pub market: anchor_lang::prelude::Pubkey,
    /// The hedger the story follows.
    pub holder: anchor_lang::prelude::Pubkey,
}

/// Runs the story and keeps its chain.
pub async fn run_kept(opts: &DemoOptions) -> Result<Finished> {
    let (source, days) = window(opts)?;
    let (mut r, mut run) = Replay::start(Chain::embedded().await?, &days, &opts.backtest).await?;
    let mut rep = DemoReport::new(&r, &run, &days, &source);
    let mut day_seen = 0;
    while !run.done() {
        let step = run.step;
        let passes = r
            .step(&mut run)
            .await
            .map_err(|e| anyhow!("sub-step {step}: {e:#}"))?;
        for pass in &passes {
            rep.book_pass(pass);
        }
        r.check_market(&run).await?;
        rep.steps_checked += 1;
        let s = &run.series;
        if opts.verbose && s.day_share.len() > day_seen {
            day_seen = s.day_share.len();
            let i = day_seen - 1;
            eprintln!(
                "{} price {:>10.2} share {:>10.4} USD hedge ratio {:>6.1}% funding {:+.1}% a year insurance {:.2} liquidations {}",
                s.dates[i],
                s.day_price[i],
                s.day_share[i],
                s.day_hedge_ratio[i] * 100.0,
                s.day_funding[i] * 100.0,
                s.day_insurance[i],
                rep.liquidations
            );
        }
    }
    r.check_all(&run).await?;
    rep.backtest = Some(run.report(&source)?);

    // The end: the traders close their positions (orders executed at the next due
    // time), then the first hedger, who stayed all along, withdraws everything.
    let holder = *run
        .agents
        .hedgers
        .first()
        .ok_or_else(|| anyhow!("the population has no hedger"))?;
    let last = *run.path.last().expect("a path");
    let params = r.market().await?.state()?.params;
    r.wait(i64::from(params.execution_delay), last.usd, &mut rep)
        .await?;
    for (_, p) in crate::keeper::chain::scan(&mut r.client, &r.keys.market).await? {
        if p.base != 0 && p.pending_requests == 0 {
            let ix = ix::position_request_trade(&r.keys, &p.owner, -p.base, 0);
            r.send_as(ix, &p.owner).await?;
        }
    }
    r.wait(i64::from(params.execution_delay), last.usd, &mut rep)
        .await?;
    let share_account = Client::ata(&holder, &r.keys.share_mint);
    let shares = r.client.token_balance(&share_account).await?;
    let o = ix::OwnerAccounts {
        owner: holder,
        token: Client::ata(&holder, &r.keys.mint),
        shares: share_account,
    };
    // What the shares are worth at the price's centre, without the income still
    // locked (what a share is withdrawn for): what leaving cost is measured from it,
    // as the backtest measures every exit.
    let value_mid = {
        let m = r.client.market(&r.keys.market, Some(r.oracle)).await?;
        let p = r.client.price(&m).await?.price;
        let mid = hedge_engine::oracle::OraclePrice { conf: 0, ..p };
        let supply = r.client.mint_supply(&r.keys.share_mint).await?;
        let now = r.client.chain.unix_time().await?;
        crate::reports::views::shares_value(&m.state, supply, &mid, now, shares)?
    };
    let ix = ix::vault_request_withdraw(&r.keys, &o, shares);
    r.send_as(ix, &holder).await?;
    let mut paid = 0;
    for _ in 0..4 {
        let pass = r
            .wait(i64::from(params.withdraw_delay), last.usd, &mut rep)
            .await?;
        let done = pass
            .events::<VaultWithdrawn>()
            .iter()
            .filter(|e| e.owner == holder)
            .fold(false, |_, e| {
                paid += e.paid;
                e.shares_remaining == 0
            });
        if done {
            break;
        }
    }
    if paid == 0 {
        bail!("the holder's withdrawal paid nothing");
    }
    let statement =
        crate::reports::statement::for_owner(&mut r.client, &r.keys.market, Some(r.oracle), &holder).await?;
    // Every hedger, the holder first, each from its own statement and what its flows
    // cost (the holder's last exit measured above).
    let mut costs = run.series.costs_by_owner.clone();
    let c = costs.entry(holder).or_default();
    c.left += value_mid as f64;
    c.exit_cost += value_mid as f64 - paid as f64;
    let mut hedgers = Vec::new();
    for h in &run.agents.hedgers {
        let s = if *h == holder {
            statement.clone()
        } else {
            crate::reports::statement::for_owner(&mut r.client, &r.keys.market, Some(r.oracle), h).await?
        };
        if s.deposits.is_empty() {
            continue;
        }
        hedgers.push(report::HedgerRow::of(
            &s,
            &costs.get(h).copied().unwrap_or_default(),
        ));
    }
    rep.finish(&mut r, holder, last.usd, paid, statement, hedgers)
        .await?;
    Ok(Finished {
        report: rep,
        market: r.keys.market,
        client: r.client,
        holder,
    })
}

impl Replay {
    /// Moves the clock `seconds` on, publishes `usd` then, and runs the keeper's
    /// requests and funding.
    async fn wait(&mut self, seconds: i64, usd: f64, rep: &mut DemoReport) -> Result<crate::keeper::Pass> {
        let now = self.client.chain.unix_time().await?;
        self.publish(now + seconds, usd).await?;
        let pass = self.pass(&Run::second_pass()).await?;
        rep.book_pass(&pass);
        Ok(pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_window_is_the_may_2021_crash() {
        let (name, days) = window(&DemoOptions::default()).unwrap();
        assert_eq!(name, BUILTIN_NAME);
        assert_eq!(days.len(), BUILTIN_DAYS);
        assert_eq!(days[0].date, "2021-05-12");
        assert_eq!(days[13].date, "2021-05-25");
        let low = days.iter().map(|d| d.low).fold(f64::MAX, f64::min);
        assert_eq!(low, 1737.46875);
    }

    #[test]
    fn a_window_names_a_missing_day() {
        let opts = DemoOptions {
            from: Some("2019-01-01".into()),
            ..Default::default()
        };
        let e = window(&opts).unwrap_err().to_string();
        assert_eq!(e, "built-in: data/ETH-USD.csv has no day 2019-01-01");
    }
}
