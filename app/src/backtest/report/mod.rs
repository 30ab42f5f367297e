//! What a backtest measures (docs/BACKTESTS.md, "The report").

use serde::Serialize;

use super::sim::Attribution;
use super::Run;

mod series;
pub use series::{OwnerCosts, Series};

/// The report `hedge backtest` prints and writes as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub source: String,
    pub first_date: String,
    pub last_date: String,
    pub days: usize,
    pub steps: usize,
    pub substep_seconds: i64,
    pub seed: u64,
    pub token_start_usd: f64,
    pub token_end_usd: f64,
    /// A whole share's USD value at the first deposit and at the end.
    pub share_start_usd: f64,
    pub share_end_usd: f64,
    pub share_return: f64,
    pub token_return: f64,
    /// 1 - Var(daily returns of the share's USD value) / Var(daily returns of the
    /// token's).
    pub hedge_effectiveness: f64,
    /// The same on hourly returns (the last sub-step of every hour).
    pub hedge_effectiveness_hourly: f64,
    /// Share of sub-steps with the hedge ratio within 5% of its target (0.95 to 1.05).
    pub in_band_5: f64,
    /// Largest `|C - N| / equity` at any sub-step, and its median.
    pub net_exposure_worst: f64,
    pub net_exposure_median: f64,
    pub hedge_ratio_min: f64,
    pub hedge_ratio_median: f64,
    /// Share of sub-steps with the hedge ratio below 90%.
    pub hedge_ratio_below_90: f64,
    /// USD per share by cause; sums to `share_end_usd - share_start_usd` (the
    /// residual `unattributed` is floating-point error).
    pub attribution: Attribution,
    pub unattributed: f64,
    /// Funding earned by the vault, per year, as a fraction of a share's value.
    pub funding_annual: f64,
    pub liquidations: usize,
    pub liquidated_usd: f64,
    pub bad_debt_tokens: f64,
    pub insurance_covered_tokens: f64,
    pub insurance_start_tokens: f64,
    pub insurance_end_tokens: f64,
    pub insurance_min_tokens: f64,
    pub socialized_tokens: f64,
    pub socialized_dates: Vec<String>,
    /// Worst peak-to-trough fall of the share's USD value.
    pub share_max_drawdown: f64,
    /// Positions opened, hedgers, and the insurance stake added by stakers.
    pub hedgers: usize,
    pub open_positions_at_end: usize,
    pub refused: std::collections::BTreeMap<String, usize>,
    /// What hedgers paid to enter and leave, how long the hedge strayed, what waited.
    #[serde(flatten)]
    pub costs: HedgerCosts,
}

/// What a hedger's deposit and withdrawal cost, as a fraction of what it put in or
/// took out at the share's value: the mean over the run's executions and the worst
/// one (0 when there were none); the longest stretch with the hedge ratio outside
/// 95%-105%; the tokens that waited in escrow for hedge capacity and the longest wait.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct HedgerCosts {
    pub entry_cost_mean: f64,
    pub entry_cost_worst: f64,
    pub exit_cost_mean: f64,
    pub exit_cost_worst: f64,
    pub longest_excursion_hours: f64,
    pub waited_tokens: f64,
    pub longest_wait_hours: f64,
}

impl HedgerCosts {
    /// Each measure combined over several runs by `f` (mean, or the worst: the largest).
    pub fn combine(runs: &[HedgerCosts], f: impl Fn(&mut dyn Iterator<Item = f64>) -> f64) -> Self {
        let of = |g: fn(&HedgerCosts) -> f64| f(&mut runs.iter().map(g));
        HedgerCosts {
            entry_cost_mean: of(|c| c.entry_cost_mean),
            entry_cost_worst: of(|c| c.entry_cost_worst),
            exit_cost_mean: of(|c| c.exit_cost_mean),
            exit_cost_worst: of(|c| c.exit_cost_worst),
            longest_excursion_hours: of(|c| c.longest_excursion_hours),
            waited_tokens: of(|c| c.waited_tokens),
            longest_wait_hours: of(|c| c.longest_wait_hours),
        }
    }
}

fn mean_and_worst(x: &[f64]) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    (mean, x.iter().copied().fold(f64::NEG_INFINITY, f64::max))
}

fn variance(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / n;
    x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
}

fn returns(x: &[f64]) -> Vec<f64> {
    x.windows(2).map(|w| w[1] / w[0] - 1.0).collect()
}

/// 1 - Var(returns of `hedged`) / Var(returns of `token`).
pub fn effectiveness(hedged: &[f64], token: &[f64]) -> f64 {
    let v = variance(&returns(token));
    if v == 0.0 {
        return f64::NAN;
    }
    1.0 - variance(&returns(hedged)) / v
}

/// Worst peak-to-trough fall, as a fraction of the peak.
pub fn max_drawdown(x: &[f64]) -> f64 {
    let mut peak = f64::MIN;
    let mut worst = 0.0f64;
    for &v in x {
        peak = peak.max(v);
        worst = worst.max(1.0 - v / peak);
    }
    worst
}

impl Report {
    pub fn build(run: &Run, source: &str) -> anyhow::Result<Report> {
        let s = &run.series;
        let start = run.path.first().expect("non-empty path");
        let end = run.path.last().expect("non-empty path");
        // The share's value exists from the first executed deposit on.
        let first = s.first_share_day();
        let shares: Vec<f64> = s.day_share[first..].to_vec();
        let prices: Vec<f64> = s.day_price[first..].to_vec();
        let first_hour = s.hour_share.iter().position(|v| v.is_finite()).unwrap_or(0);
        let mut exposure: Vec<f64> = s.net_exposure.iter().map(|x| x.abs()).collect();
        exposure.sort_by(f64::total_cmp);
        let share_start = run.sim.share_start.unwrap_or(f64::NAN);
        let share_end = run.sim.share_usd().unwrap_or(f64::NAN);
        let mut sorted = s.hedge_ratio.clone();
        sorted.sort_by(f64::total_cmp);
        let days = s.day_price.len();
        let years = (end.t - start.t) as f64 / (365.0 * 86_400.0);
        let a = run.sim.attribution;
        let dates = &s.dates;
        Ok(Report {
            source: source.to_string(),
            first_date: dates.first().cloned().unwrap_or_default(),
            last_date: dates.last().cloned().unwrap_or_default(),
            days,
            steps: run.path.len(),
            substep_seconds: run.path.get(1).map_or(0, |p| p.t - start.t),
            seed: run.seed,
            token_start_usd: start.usd,
            token_end_usd: end.usd,
            share_start_usd: share_start,
            share_end_usd: share_end,
            share_return: share_end / share_start - 1.0,
            token_return: end.usd / start.usd - 1.0,
            hedge_effectiveness: effectiveness(&shares, &prices),
            hedge_effectiveness_hourly: effectiveness(
                &s.hour_share[first_hour..],
                &s.hour_price[first_hour..],
            ),
            in_band_5: s
                .hedge_ratio
                .iter()
                .filter(|h| (0.95..=1.05).contains(*h))
                .count() as f64
                / s.hedge_ratio.len().max(1) as f64,
            net_exposure_worst: exposure.last().copied().unwrap_or(0.0),
            net_exposure_median: exposure.get(exposure.len() / 2).copied().unwrap_or(0.0),
            hedge_ratio_min: sorted.first().copied().unwrap_or(0.0),
            hedge_ratio_median: sorted.get(sorted.len() / 2).copied().unwrap_or(0.0),
            hedge_ratio_below_90: sorted.iter().filter(|h| **h < 0.9).count() as f64
                / sorted.len().max(1) as f64,
            attribution: a,
            unattributed: (share_end - share_start) - a.total(),
            funding_annual: a.funding / share_start / years.max(1e-9),
            liquidations: s.liquidations,
            liquidated_usd: s.liquidated_usd,
            bad_debt_tokens: s.bad_debt_tokens,
            insurance_covered_tokens: s.insurance_covered_tokens,
            insurance_start_tokens: s.day_insurance.first().copied().unwrap_or(0.0),
            insurance_end_tokens: s.day_insurance.last().copied().unwrap_or(0.0),
            insurance_min_tokens: s.day_insurance.iter().copied().fold(f64::MAX, f64::min),
            socialized_tokens: s.socialized.iter().map(|x| x.1).sum::<f64>() + 0.0,
            socialized_dates: s.socialized.iter().map(|x| dates[x.0].clone()).collect(),
            share_max_drawdown: max_drawdown(&shares),
            hedgers: run.agents.hedgers.len(),
            open_positions_at_end: run.sim.positions.values().filter(|p| p.base != 0).count(),
            refused: s.refused.clone(),
            costs: HedgerCosts {
                entry_cost_mean: mean_and_worst(&s.entry_costs).0,
                entry_cost_worst: mean_and_worst(&s.entry_costs).1,
                exit_cost_mean: mean_and_worst(&s.exit_costs).0,
                exit_cost_worst: mean_and_worst(&s.exit_costs).1,
                longest_excursion_hours: s.longest_excursion_s as f64 / 3_600.0,
                waited_tokens: s.waited_tokens,
                longest_wait_hours: s.longest_wait_s as f64 / 3_600.0,
            },
        })
    }

    /// The text `hedge backtest` prints.
    pub fn render(&self) -> String {
        let a = &self.attribution;
        let pct = |v: f64| format!("{:+.3}%", v / self.share_start_usd * 100.0);
        let mut o = String::new();
        o += &format!(
            "backtest of {}: {} .. {}, {} days, {} steps of {} s (seed {})\n",
            self.source,
            self.first_date,
            self.last_date,
            self.days,
            self.steps,
            self.substep_seconds,
            self.seed
        );
        o += &format!(
            "  token          {:>12.2} -> {:>12.2} USD  ({:+.2}%)\n",
            self.token_start_usd,
            self.token_end_usd,
            self.token_return * 100.0
        );
        o += &format!(
            "  one share      {:>12.6} -> {:>12.6} USD  ({:+.3}%), worst drawdown {:.3}%\n",
            self.share_start_usd,
            self.share_end_usd,
            self.share_return * 100.0,
            self.share_max_drawdown * 100.0
        );
        o += &format!(
            "  hedge effectiveness {:.4}% daily, {:.4}% hourly (1 - Var(share returns) / Var(token returns))\n",
            self.hedge_effectiveness * 100.0,
            self.hedge_effectiveness_hourly * 100.0
        );
        o += &format!(
            "  hedge in band  {:.2}% of the time within 5% of target; net exposure |C - N| / equity median {:.2}%, worst {:.2}%\n",
            self.in_band_5 * 100.0,
            self.net_exposure_median * 100.0,
            self.net_exposure_worst * 100.0
        );
        o += &format!(
            "  hedge ratio    min {:.1}%, median {:.1}%, below 90% for {:.2}% of the time\n",
            self.hedge_ratio_min * 100.0,
            self.hedge_ratio_median * 100.0,
            self.hedge_ratio_below_90 * 100.0
        );
        o += &format!(
            "  hedgers' costs entry {:.3}% mean, {:.3}% worst; exit {:.3}% mean, {:.3}% worst; longest excursion beyond 5%: {:.1} h; deposits that waited for their hedge or capacity: {:.2} tokens (longest {:.1} h)\n",
            self.costs.entry_cost_mean * 100.0,
            self.costs.entry_cost_worst * 100.0,
            self.costs.exit_cost_mean * 100.0,
            self.costs.exit_cost_worst * 100.0,
            self.costs.longest_excursion_hours,
            self.costs.waited_tokens,
            self.costs.longest_wait_hours
        );
        o += "  a share's USD result by cause (of its starting value):\n";
        o += &format!("    exposure (hedge shortfall/excess) {}\n    funding and income unlocking       {}  ({:+.2}% a year)\n    trades: the vault's taker fees     {}\n    socialized loss                    {}\n    deleveraging                       {}\n    vault flows: rounding, income paid {}\n    = total                            {}\n", pct(a.exposure), pct(a.funding), self.funding_annual * 100.0, pct(a.fees), pct(a.socialized), pct(a.deleveraging), pct(a.rounding), pct(a.total()));
        o += &format!(
            "  liquidations   {} ({:.0} USD closed); bad debt {:.4} tokens, {:.4} covered by insurance\n",
            self.liquidations, self.liquidated_usd, self.bad_debt_tokens, self.insurance_covered_tokens
        );
        o += &format!(
            "  insurance fund {:.2} -> {:.2} tokens (lowest {:.2})\n",
            self.insurance_start_tokens, self.insurance_end_tokens, self.insurance_min_tokens
        );
        if !self.refused.is_empty() {
            let r: Vec<String> = self.refused.iter().map(|(k, v)| format!("{k} {v}")).collect();
            o += &format!("  refused at execution: {}\n", r.join(", "));
        }
        o += &format!(
            "  socialized     {:.6} tokens{}\n",
            self.socialized_tokens,
            if self.socialized_dates.is_empty() {
                String::new()
            } else {
                format!(" on {}", self.socialized_dates.join(", "))
            }
        );
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_share_is_a_perfect_hedge_and_a_held_token_none() {
        let token = [100.0, 110.0, 90.0, 95.0, 120.0];
        assert_eq!(effectiveness(&[1.0; 5], &token), 1.0);
        assert!(effectiveness(&token, &token).abs() < 1e-12);
        // Half the exposure: a quarter of the variance remains.
        let half: Vec<f64> = returns(&token)
            .iter()
            .scan(1.0, |v, r| {
                *v *= 1.0 + r / 2.0;
                Some(*v)
            })
            .collect();
        let mut h = vec![1.0];
        h.extend(half);
        assert!((effectiveness(&h, &token) - 0.75).abs() < 1e-9);
    }

    #[test]
    fn drawdown_is_the_worst_fall_from_a_peak() {
        assert_eq!(max_drawdown(&[1.0, 2.0, 1.0, 1.5, 0.5, 3.0]), 0.75);
        assert_eq!(max_drawdown(&[1.0, 1.1, 1.2]), 0.0);
    }
}
