//! A backtest over several seeds: each run's measures of the hedge, their mean and
//! their worst (docs/BACKTESTS.md, "Measures").

use serde::Serialize;

use super::report::{HedgerCosts, Report};

/// The measures compared across seeds, one run each.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub seed: u64,
    pub effectiveness_daily: f64,
    pub effectiveness_hourly: f64,
    pub in_band_5: f64,
    pub net_exposure_worst: f64,
    pub share_return: f64,
    pub funding_annual: f64,
    pub socialized_tokens: f64,
    pub bad_debt_tokens: f64,
    #[serde(flatten)]
    pub costs: HedgerCosts,
}

/// Every run, then the mean and the worst of each measure (the lowest
/// effectiveness and in-band time, the largest exposure and socialized loss).
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub runs: Vec<Row>,
    pub mean: Row,
    pub worst: Row,
}

fn row(r: &Report) -> Row {
    Row {
        seed: r.seed,
        effectiveness_daily: r.hedge_effectiveness,
        effectiveness_hourly: r.hedge_effectiveness_hourly,
        in_band_5: r.in_band_5,
        net_exposure_worst: r.net_exposure_worst,
        share_return: r.share_return,
        funding_annual: r.funding_annual,
        socialized_tokens: r.socialized_tokens,
        bad_debt_tokens: r.bad_debt_tokens,
        costs: r.costs,
    }
}

pub fn summarize(reports: &[Report]) -> Summary {
    summarize_rows(reports.iter().map(row).collect())
}

/// The mean and the worst of `runs`.
pub fn summarize_rows(runs: Vec<Row>) -> Summary {
    let n = runs.len().max(1) as f64;
    let mean_of = |f: fn(&Row) -> f64| runs.iter().map(f).sum::<f64>() / n;
    let min_of = |f: fn(&Row) -> f64| runs.iter().map(f).fold(f64::INFINITY, f64::min);
    let max_of = |f: fn(&Row) -> f64| runs.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
    let costs: Vec<HedgerCosts> = runs.iter().map(|r| r.costs).collect();
    let mean = Row {
        seed: 0,
        effectiveness_daily: mean_of(|r| r.effectiveness_daily),
        effectiveness_hourly: mean_of(|r| r.effectiveness_hourly),
        in_band_5: mean_of(|r| r.in_band_5),
        net_exposure_worst: mean_of(|r| r.net_exposure_worst),
        share_return: mean_of(|r| r.share_return),
        funding_annual: mean_of(|r| r.funding_annual),
        socialized_tokens: mean_of(|r| r.socialized_tokens),
        bad_debt_tokens: mean_of(|r| r.bad_debt_tokens),
        costs: HedgerCosts::combine(&costs, |x| x.sum::<f64>() / n),
    };
    let worst = Row {
        seed: 0,
        effectiveness_daily: min_of(|r| r.effectiveness_daily),
        effectiveness_hourly: min_of(|r| r.effectiveness_hourly),
        in_band_5: min_of(|r| r.in_band_5),
        net_exposure_worst: max_of(|r| r.net_exposure_worst),
        share_return: min_of(|r| r.share_return),
        funding_annual: min_of(|r| r.funding_annual),
        socialized_tokens: max_of(|r| r.socialized_tokens),
        bad_debt_tokens: max_of(|r| r.bad_debt_tokens),
        costs: HedgerCosts::combine(&costs, |x| x.fold(f64::NEG_INFINITY, f64::max)),
    };
    Summary { runs, mean, worst }
}

impl Summary {
    /// The table `hedge backtest --seeds N` prints.
    pub fn render(&self, source: &str) -> String {
        let line = |name: &str, r: &Row| {
            format!(
                "  {name:<6} {:>9.4}% {:>9.4}% {:>8.2}% {:>9.2}% {:>+10.2}% {:>+9.2}% {:>11.4} {:>6.3}% {:>6.3}% {:>6.3}% {:>6.3}% {:>8.1} {:>9.2} {:>8.1}\n",
                r.effectiveness_daily * 100.0,
                r.effectiveness_hourly * 100.0,
                r.in_band_5 * 100.0,
                r.net_exposure_worst * 100.0,
                r.share_return * 100.0,
                r.funding_annual * 100.0,
                r.socialized_tokens,
                r.costs.entry_cost_mean * 100.0,
                r.costs.entry_cost_worst * 100.0,
                r.costs.exit_cost_mean * 100.0,
                r.costs.exit_cost_worst * 100.0,
                r.costs.longest_excursion_hours,
                r.costs.waited_tokens,
                r.costs.longest_wait_hours,
            )
        };
        let mut o = format!("backtest of {source} over {} seeds\n", self.runs.len());
        o += "  seed   eff daily eff hourly  in band  worst |C-N|  share ret  funding/yr  socialized  entry  worst   exit  worst  excur h    waited   wait h\n";
        for r in &self.runs {
            o += &line(&r.seed.to_string(), r);
        }
        o += &line("mean", &self.mean);
        o += &line("worst", &self.worst);
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(seed: u64, d: f64, s: f64) -> Row {
        Row {
            seed,
            effectiveness_daily: d,
            effectiveness_hourly: d,
            in_band_5: d,
            net_exposure_worst: 1.0 - d,
            share_return: 0.0,
            funding_annual: 0.0,
            socialized_tokens: s,
            bad_debt_tokens: 0.0,
            costs: HedgerCosts::default(),
        }
    }

    #[test]
    fn the_worst_is_the_lowest_effectiveness_and_the_largest_loss() {
        let s = summarize_rows(vec![r(1, 0.99, 0.0), r(2, 0.97, 2.0)]);
        assert!((s.mean.effectiveness_daily - 0.98).abs() < 1e-12);
        assert_eq!(s.worst.effectiveness_daily, 0.97);
        assert_eq!(s.worst.in_band_5, 0.97);
        assert!((s.worst.net_exposure_worst - 0.03).abs() < 1e-12);
        assert_eq!((s.mean.socialized_tokens, s.worst.socialized_tokens), (1.0, 2.0));
        assert_eq!(s.runs.len(), 2);
    }
}
