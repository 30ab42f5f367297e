//! `hedge backtest`: its flags (the stress flags of docs/BACKTESTS.md among them),
//! one run or several seeds, and what it prints and writes.

use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;

use super::{out, Output, RunArgs};

#[derive(Args, Debug)]
pub struct BacktestArgs {
    /// Date,Open,High,Low,Close CSV (e.g. data/ETH-USD.csv)
    #[arg(long)]
    pub prices: PathBuf,
    /// Directory for report.json and the plots (PNG and SVG)
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Use only the first N days
    #[arg(long)]
    pub days: Option<usize>,
    /// No progress bar
    #[arg(long)]
    pub quiet: bool,
    /// Change a market parameter from the defaults, e.g. --set stress_move=300000
    /// (the parameter study's knobs; docs/BACKTESTS.md)
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Run this many seeds (from --seed on) and print each one's measures, their mean
    /// and their worst
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// Who uses the market: `takers` (hedge takers sized to the vault, docs/BACKTESTS.md)
    /// or `legacy` (revision 3's population)
    #[arg(long, default_value = "takers", value_parser = ["takers", "legacy"])]
    pub population: String,
    /// The hedge takers' capital together, as a multiple of the vault's collateral
    #[arg(long)]
    pub depth: Option<f64>,
    /// The funding rate the hedge takers' short elsewhere earns, a year: a constant
    /// ("10.95%", "-0.1095", "0") or a `Date,Rate` CSV of daily rates (e.g.
    /// data/funding/ETH-USDT-binance.csv, Binance's history) [default: 10.95%]
    #[arg(long, allow_hyphen_values = true)]
    pub external_funding: Option<String>,
    /// Each hedge taker's capital, as a share of its largest notional, in USD when it
    /// first looks (e.g. 0.5); a taker liquidated stays out --taker-return-days and
    /// comes back with it renewed [default: unlimited margin]
    #[arg(long)]
    pub taker_capital: Option<f64>,
    /// Days a liquidated taker stays out (with --taker-capital)
    #[arg(long, default_value_t = 30.0)]
    pub taker_return_days: f64,
    /// A share of the hedge takers leaves at once on a day and stays out for some
    /// days: SHARE@DAY[:DAYS], e.g. 0.5@200:60 [default DAYS: 30]
    #[arg(long)]
    pub exit_shock: Option<String>,
}

/// `hedge backtest`.
pub fn run_backtest(a: &BacktestArgs) -> Result<Output> {
    use crate::backtest;
    let (days, repairs) = backtest::path::read_ohlc_repaired(&a.prices)?;
    if !repairs.is_empty() {
        eprintln!("warning: {}: {}", a.prices.display(), repairs.summary());
    }
    let mut opts = backtest::Options {
        days: a.days,
        ..a.run.options()
    };
    if a.population == "legacy" {
        opts.population = backtest::population::Population {
            deposit_tokens: opts.population.deposit_tokens,
            ..backtest::population::Population::legacy()
        };
    }
    if let Some(d) = a.depth {
        if !(d.is_finite() && d >= 0.0) {
            anyhow::bail!("--depth {d}: a multiple of the vault's collateral, 0 or more");
        }
        opts.population.depth = d;
    }
    if let Some(spec) = &a.external_funding {
        opts.population.external_funding = parse_external_funding(spec)?;
    }
    if let Some(c) = a.taker_capital {
        if !(c.is_finite() && c > 0.0) {
            bail!("--taker-capital {c}: a share of a taker's largest notional, above 0");
        }
        opts.population.taker_capital = Some(c);
    }
    if !(a.taker_return_days.is_finite() && a.taker_return_days >= 0.0) {
        bail!("--taker-return-days {}: days, 0 or more", a.taker_return_days);
    }
    opts.population.taker_return_days = a.taker_return_days;
    if let Some(spec) = &a.exit_shock {
        opts.population.exit_shock = Some(parse_exit_shock(spec)?);
    }
    for kv in &a.set {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--set {kv}: write NAME=VALUE"))?;
        opts.overrides.push((k.to_string(), v.to_string()));
    }
    let pb = (!a.quiet).then(|| {
        let pb = indicatif::ProgressBar::new(0);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} steps ({per_sec})",
            )
            .expect("a valid template"),
        );
        pb
    });
    let started = std::time::Instant::now();
    let source = a.prices.display().to_string();
    if a.seeds > 1 {
        return run_seeds(a, &days, &opts, &source, started);
    }
    let (run, report) = backtest::run(&days, &opts, &source, pb.as_ref())?;
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut text = report.render();
    text += &format!("  {} steps in {elapsed:.2} s\n", report.steps);
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(
            &serde_json::json!({"report": &report, "options": &opts, "series": &run.series}),
        )?;
        std::fs::write(dir.join("report.json"), json)?;
        text += &format!("  wrote {}\n", dir.join("report.json").display());
        for f in backtest::plots::write_all(dir, &run.series, &report)? {
            text += &format!("  wrote {}\n", f.display());
        }
    }
    Ok(out(serde_json::to_value(&report)?, text))
}

/// `--exit-shock SHARE@DAY[:DAYS]`.
fn parse_exit_shock(spec: &str) -> Result<crate::backtest::population::ExitShock> {
    let bad = || anyhow::anyhow!("--exit-shock {spec}: write SHARE@DAY[:DAYS], e.g. 0.5@200:60");
    let (share, rest) = spec.split_once('@').ok_or_else(bad)?;
    let (day, out) = rest.split_once(':').unwrap_or((rest, "30"));
    let (share, day, out_days): (f64, f64, f64) = (
        share.trim().parse().map_err(|_| bad())?,
        day.trim().parse().map_err(|_| bad())?,
        out.trim().parse().map_err(|_| bad())?,
    );
    if !(0.0..=1.0).contains(&share)
        || !day.is_finite()
        || day < 0.0
        || !out_days.is_finite()
        || out_days < 0.0
    {
        return Err(bad());
    }
    Ok(crate::backtest::population::ExitShock { share, day, out_days })
}

/// `--external-funding`: a rate ("10.95%", "-0.1095") or a `Date,Rate` CSV file.
fn parse_external_funding(spec: &str) -> Result<crate::backtest::population::ExternalFunding> {
    use crate::backtest::population::ExternalFunding;
    let rate = match spec.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok().map(|v| v / 100.0),
        None => spec.trim().parse::<f64>().ok(),
    };
    match rate {
        Some(r) if r.is_finite() => Ok(ExternalFunding::constant(r)),
        Some(_) => bail!("--external-funding {spec}: not a finite rate"),
        None => {
            let text = std::fs::read_to_string(spec).map_err(|e| {
                anyhow::anyhow!("--external-funding {spec}: neither a rate nor a readable file ({e})")
            })?;
            ExternalFunding::series(&text, spec)
        }
    }
}

/// `hedge backtest --seeds N`: the same run over seeds `seed .. seed + N`, each
/// one's measures, their mean and their worst (docs/BACKTESTS.md).
fn run_seeds(
    a: &BacktestArgs,
    days: &[crate::backtest::path::Day],
    opts: &crate::backtest::Options,
    source: &str,
    started: std::time::Instant,
) -> Result<Output> {
    use crate::backtest::seeds::{summarize, Summary};
    let mut reports = Vec::new();
    for seed in opts.seed..opts.seed + a.seeds {
        let o = crate::backtest::Options { seed, ..opts.clone() };
        let (_, r) = crate::backtest::run(days, &o, source, None)?;
        reports.push(r);
    }
    let summary: Summary = summarize(&reports);
    let mut text = summary.render(source);
    text += &format!(
        "  {} runs of {} steps in {:.2} s\n",
        reports.len(),
        reports.first().map_or(0, |r| r.steps),
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(&serde_json::json!({"summary": &summary, "options": opts}))?;
        std::fs::write(dir.join("seeds.json"), json)?;
        text += &format!("  wrote {}\n", dir.join("seeds.json").display());
    }
    Ok(out(serde_json::to_value(&summary)?, text))
}
