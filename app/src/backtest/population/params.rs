//! The population's parameters (docs/BACKTESTS.md, "The population"): sizes as
//! fractions of the initial deposit, the takers' outside venue and its funding, a
//! shock of takers leaving at once.

use serde::Serialize;

/// The population's parameters. Sizes are fractions of the initial deposit `D`.
#[derive(Clone, Debug, Serialize)]
pub struct Population {
    /// Tokens the hedgers deposit at the start (`D`), whole tokens.
    pub deposit_tokens: u64,
    /// Hedgers at the start, sharing `D`.
    pub hedgers: usize,
    /// New hedgers per day (Poisson), each depositing `hedger_size * D`.
    pub hedger_arrivals_per_day: f64,
    pub hedger_size: f64,
    /// Chance per day that a hedger other than the first leaves (withdraws all).
    pub hedger_exit_per_day: f64,
    /// New speculators per day (Poisson).
    pub speculator_arrivals_per_day: f64,
    /// Mean notional of a speculator's position, fraction of `D` (exponential).
    pub speculator_size: f64,
    /// Leverages and their weights.
    pub leverage_mix: Vec<(u64, f64)>,
    /// Chance a speculator goes long.
    pub speculator_long: f64,
    /// Take profit when the gain reaches this multiple of the margin.
    pub take_profit: f64,
    /// Cut the loss when it reaches this fraction of the margin.
    pub stop_loss: f64,
    /// Mean holding time, days (exponential).
    pub speculator_hold_days: f64,
    /// Funding arbitrageurs: each holds a long of up to `arb_capital * D` notional
    /// at 2x while longs are paid more than `arb_enter` a year, and leaves below
    /// `arb_exit`.
    pub arbitrageurs: usize,
    pub arb_capital: f64,
    pub arb_enter: f64,
    pub arb_exit: f64,
    /// Insurance stakers keep the stress-sized cap at `staker_cover` times the hedge
    /// target's open interest, staking up to `staker_budget * D` in all, valued in
    /// USD at the first price they see (capital committed in dollars: in a falling
    /// market the same dollars buy more tokens).
    pub staker_cover: f64,
    pub staker_budget: f64,
    /// Legacy (revision 3's study): arbitrageurs sized in tokens of `D`, one threshold,
    /// long only. Otherwise the hedge takers below.
    pub legacy: bool,
    /// Hedge takers (docs/BACKTESTS.md, "The population"): how many, and their capital
    /// together as a multiple of the vault's collateral `C` (the counterparties'
    /// depth), each holding up to `depth * C / takers` tokens of notional.
    pub takers: usize,
    pub depth: f64,
    /// The funding rate they earn on the other side of their hedge (a centralized
    /// exchange's perpetual), a year: by default a constant 10.95%, the industry's
    /// fixed interest component, 0.01% per 8 hours; or a daily series
    /// (`--external-funding`, e.g. data/funding/ETH-USDT-binance.csv).
    pub external_funding: ExternalFunding,
    /// Round-trip cost of their external hedge, fraction of notional.
    pub external_cost: f64,
    /// Days over which they count funding carry when deciding.
    pub horizon_days: f64,
    /// Each taker's required edge is drawn uniformly in `[0, max_edge]` (fraction of
    /// notional), its exit carry uniformly in `[exit_low, exit_high]` a year, and it
    /// looks at the market every 1 to `max_delay_steps` sub-steps (staggered).
    pub max_edge: f64,
    pub exit_low: f64,
    pub exit_high: f64,
    pub max_delay_steps: u64,
    /// Each taker's capital, as a share of its largest notional (`depth * C /
    /// takers`) when it first looks, in USD; `None`: as much margin as it wants
    /// (`--taker-capital`). With a capital, its margin comes out of it, a
    /// liquidation takes it, and a taker liquidated stays out `taker_return_days`
    /// and comes back with its capital renewed.
    pub taker_capital: Option<f64>,
    pub taker_return_days: f64,
    /// A share of the takers leaves at once on a day and stays out for some days
    /// (`--exit-shock SHARE@DAY[:DAYS]`).
    pub exit_shock: Option<ExitShock>,
}

/// Takers leaving at once (docs/BACKTESTS.md, the stress table).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ExitShock {
    /// Share of the takers that leave, in [0, 1].
    pub share: f64,
    /// Days after the run's start.
    pub day: f64,
    /// Days they stay out.
    pub out_days: f64,
}

impl Default for Population {
    fn default() -> Self {
        Population {
            deposit_tokens: 1_000,
            hedgers: 4,
            hedger_arrivals_per_day: 0.1,
            hedger_size: 0.05,
            hedger_exit_per_day: 0.01,
            speculator_arrivals_per_day: 2.0,
            speculator_size: 0.025,
            leverage_mix: vec![(2, 0.3), (3, 0.3), (5, 0.25), (10, 0.15)],
            speculator_long: 0.6,
            take_profit: 1.0,
            stop_loss: 0.5,
            speculator_hold_days: 3.0,
            arbitrageurs: 8,
            arb_capital: 0.25,
            arb_enter: 0.10,
            arb_exit: 0.02,
            staker_cover: 1.5,
            staker_budget: 0.5,
            legacy: false,
            takers: 20,
            depth: 2.0,
            external_funding: ExternalFunding::constant(0.1095),
            external_cost: 0.0005,
            horizon_days: 7.0,
            max_edge: 0.001,
            exit_low: -0.05,
            exit_high: 0.02,
            max_delay_steps: 4,
            taker_capital: None,
            taker_return_days: 30.0,
            exit_shock: None,
        }
    }
}

impl Population {
    /// Revision 3's population, to compare (`--population legacy`).
    pub fn legacy() -> Population {
        Population {
            legacy: true,
            speculator_arrivals_per_day: 6.0,
            speculator_size: 0.05,
            ..Population::default()
        }
    }
}

/// The funding rate the hedge takers' short elsewhere earns, a year (positive: longs
/// pay shorts there): a constant, or a daily series held at each day's value (the
/// first day's before it, the last day's after it).
#[derive(Clone, Debug, Serialize)]
pub struct ExternalFunding {
    /// What it is: the constant, or the file it was read from.
    pub label: String,
    /// The constant, when there is no series.
    pub constant: f64,
    /// (day since 1970-01-01, rate a year), in order of day.
    #[serde(skip)]
    pub daily: Vec<(i64, f64)>,
}

impl ExternalFunding {
    pub fn constant(rate: f64) -> ExternalFunding {
        ExternalFunding {
            label: format!("{:+.2}%/yr", rate * 100.0),
            constant: rate,
            daily: Vec::new(),
        }
    }

    /// A `Date,Rate` CSV (a rate a year, as a fraction), e.g. the files in
    /// data/funding/.
    pub fn series(csv: &str, label: &str) -> anyhow::Result<ExternalFunding> {
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap_or("").split(',').map(str::trim).collect();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name))
                .ok_or_else(|| anyhow::anyhow!("{label}: no `{name}` column (a `Date,Rate` CSV)"))
        };
        let (d, r) = (col("Date")?, col("Rate")?);
        let mut daily = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            let bad = || anyhow::anyhow!("{label}: line {} is not a date and a rate: {line}", i + 2);
            let day = crate::backtest::path::unix_day(f.get(d).ok_or_else(bad)?).map_err(|_| bad())?;
            let rate: f64 = f.get(r).ok_or_else(bad)?.parse().map_err(|_| bad())?;
            if !rate.is_finite() {
                return Err(bad());
            }
            daily.push((day, rate));
        }
        daily.sort_by_key(|x| x.0);
        daily.dedup_by_key(|x| x.0);
        if daily.is_empty() {
            anyhow::bail!("{label}: no rates");
        }
        Ok(ExternalFunding {
            label: label.to_string(),
            constant: 0.0,
            daily,
        })
    }

    /// The mean of the daily rates over the `days` days up to `t`'s (the constant for
    /// a constant).
    pub fn trailing(&self, t: i64, days: i64) -> f64 {
        let n = days.max(1);
        (0..n).map(|i| self.at(t - i * 86_400)).sum::<f64>() / n as f64
    }

    /// The rate a year at unix time `t`.
    pub fn at(&self, t: i64) -> f64 {
        if self.daily.is_empty() {
            return self.constant;
        }
        let day = t.div_euclid(86_400);
        match self.daily.binary_search_by_key(&day, |x| x.0) {
            Ok(i) => self.daily[i].1,
            Err(0) => self.daily[0].1,
            Err(i) => self.daily[i - 1].1,
        }
    }
}
