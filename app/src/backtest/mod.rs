//! `hedge backtest`: a market run at engine level over a real daily OHLC series
//! stepped intraday, with a population of hedgers, speculators, funding
//! arbitrageurs and insurance stakers, and the keeper's own pass every sub-step
//! (docs/BACKTESTS.md). The simulation (`sim`) is a keeper venue built from the
//! program's accounts and the engine's calls; `report` measures the hedge; `plots`
//! draws it.

pub mod path;
pub mod plots;
pub mod population;
pub mod replay;
pub mod report;
pub mod seeds;
pub mod sim;
pub mod synth;

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Result};
use hedge_engine::oracle::RawPrice;
use hedge_vault::events::{
    BadDebtResolved, PositionLiquidated, RequestCancelled, VaultDeposited, VaultWithdrawn,
};
use hedge_vault::state::OracleKind;
use serde::Serialize;

use crate::keeper::{self, PassConfig};
use path::{Day, Point};
use population::{Agents, Population};
use report::{Report, Series};
use sim::Sim;

/// Decimals of the simulated token.
pub const DECIMALS: u8 = 9;
/// Confidence published with every price, fraction of the price (5 bp).
pub const CONF: f64 = 0.0005;

/// What a run is given.
#[derive(Clone, Debug, Serialize)]
pub struct Options {
    /// Seconds between the path's points (and the keeper's passes).
    pub substep: i64,
    /// Seed of the intraday bridge and of the population.
    pub seed: u64,
    /// Use only the first this many days.
    pub days: Option<usize>,
    pub population: Population,
    /// Market parameters changed from the defaults (`--set name=value`).
    pub overrides: Vec<(String, String)>,
}

/// Applies `name=value` overrides to the market's parameters (the study's knobs;
/// ratios in millionths, rates in 1e-12 per day, like the program's fields).
pub fn apply_overrides(
    p: &mut hedge_engine::params::RiskParams,
    seed: &mut u64,
    over: &[(String, String)],
) -> Result<()> {
    for (k, v) in over {
        let n: u64 = v
            .parse()
            .map_err(|_| anyhow!("--set {k}={v}: the value must be a whole number"))?;
        let small = || u32::try_from(n).map_err(|_| anyhow!("--set {k}={v}: too large"));
        match k.as_str() {
            "initial_margin_ratio" => p.initial_margin_ratio = small()?,
            "maintenance_margin_ratio" => p.maintenance_margin_ratio = small()?,
            "liquidation_fee_ratio" => p.liquidation_fee_ratio = small()?,
            "taker_fee_ratio" => p.taker_fee_ratio = small()?,
            "impact_fee_ratio" => p.impact_fee_ratio = small()?,
            "over_hedge_cap" => p.over_hedge_cap = small()?,
            "skew_scale" => p.skew_scale = n,
            "max_funding_rate" => p.max_funding_rate = n as i64,
            "max_funding_velocity" => p.max_funding_velocity = n as i64,
            "max_funding_interval" => p.max_funding_interval = small()?,
            "stress_move" => p.stress_move = small()?,
            "max_open_interest_usd" => p.max_open_interest_usd = n,
            "max_position_usd" => p.max_position_usd = n,
            "skew_scale_ratio" => p.skew_scale_ratio = small()?,
            "skew_rebate_share" => p.skew_rebate_share = small()?,
            "funding_rate_target" => p.funding_rate_target = n as i64,
            "funding_reversion_time" => p.funding_reversion_time = small()?,
            "profit_unlock_time" => p.profit_unlock_time = small()?,
            "hedge_tolerance" => p.hedge_tolerance = small()?,
            "max_hedge_cost" => p.max_hedge_cost = n as i64,
            "seed_insurance" => *seed = n,
            _ => bail!("--set {k}: not a parameter the backtest varies"),
        }
    }
    if let Some(bad) = p.first_violation() {
        bail!("the parameters break a rule: {bad}");
    }
    Ok(())
}

impl Default for Options {
    fn default() -> Self {
        Options {
            substep: 900,
            seed: 1,
            days: None,
            population: Population::default(),
            overrides: Vec::new(),
        }
    }
}

/// The market's creator (and keeper) in every run. With the mint's, a fixed key:
/// a run's addresses, and so the order in which the keeper meets positions, are the
/// same on every run, on the simulation and on the chain.
pub fn creator_keypair() -> solana_keypair::Keypair {
    population::agent_keypair(u64::MAX)
}

/// The token's mint in every run.
pub fn mint_keypair() -> solana_keypair::Keypair {
    population::agent_keypair(u64::MAX - 1)
}

/// The runs' market address and its creator's.
pub fn market_address() -> (Pubkey, Pubkey) {
    use solana_signer::Signer;
    let creator = creator_keypair().pubkey();
    (crate::keys::market(&mint_keypair().pubkey(), &creator), creator)
}

/// The raw Pyth price of `usd` published at `t`.
pub fn raw_price(usd: f64, t: i64) -> RawPrice {
    crate::pyth::usd_price(usd, CONF, t)
}

/// The market every backtest creates: the project's defaults (`defaults`), the
/// creator's seed stake sized to the deposit.
pub fn market_args(
    admin: Pubkey,
    deposit: u64,
    over: &[(String, String)],
) -> Result<hedge_vault::MarketCreateArgs> {
    let mut params = crate::defaults::risk_params(DECIMALS);
    let mut seed = crate::defaults::seed_insurance(deposit);
    apply_overrides(&mut params, &mut seed, over)?;
    Ok(crate::defaults::market_create_args(
        OracleKind::PythLegacy,
        [0; 32],
        params,
        admin,
        seed,
    ))
}

/// When a sub-step's two passes happen.
#[derive(Clone, Copy, Debug)]
pub struct StepTimes {
    pub point: Point,
    /// Seconds to the next point.
    pub dt: i64,
    /// The second pass: time and price.
    pub t2: i64,
    pub usd2: f64,
}

/// A run in progress: the market, the agents, the path and what is measured.
pub struct Run {
    pub sim: Sim,
    pub agents: Agents,
    pub path: Vec<Point>,
    pub step: usize,
    pub series: Series,
    pub seed: u64,
    delay: i64,
}

impl Run {
    pub fn new(days: &[Day], opts: &Options) -> Result<Run> {
        let (market, admin) = market_address();
        Run::with_market(days, opts, market, admin, false)
    }

    /// A run whose market has the address `market`, created by `admin` (the keeper);
    /// `record`: keep the log of user actions (`Sim::log`).
    pub fn with_market(
        days: &[Day],
        opts: &Options,
        market: Pubkey,
        admin: Pubkey,
        record: bool,
    ) -> Result<Run> {
        let days = match opts.days {
            Some(n) => &days[..n.clamp(2, days.len())],
            None => days,
        };
        let path = path::intraday(days, opts.substep, opts.seed)?;
        let one = 10u64.pow(u32::from(DECIMALS));
        let deposit = opts.population.deposit_tokens * one;
        let args = market_args(admin, deposit, &opts.overrides)?;
        let start = path[0];
        let mut sim = Sim::new(
            market,
            admin,
            &args,
            DECIMALS,
            start.t,
            raw_price(start.usd, start.t),
        )?;
        if record {
            sim.log = Some(Vec::new());
        }
        let mut agents = Agents::new(opts.population.clone(), DECIMALS, opts.seed);
        agents.start(&mut sim);
        let delay = i64::from(sim.market.params.execution_delay);
        Ok(Run {
            sim,
            agents,
            series: Series::new(days),
            path,
            step: 0,
            seed: opts.seed,
            delay,
        })
    }

    pub fn done(&self) -> bool {
        self.step >= self.path.len()
    }

    /// One sub-step: the price of this point, the keeper's full pass, the agents'
    /// actions; then, `execution_delay` later (the price interpolated), a pass that
    /// executes the requests just made.
    pub fn step(&mut self) -> Result<()> {
        let StepTimes {
            point: p,
            dt,
            t2,
            usd2,
        } = self.times();
        self.sim.advance(p.t, raw_price(p.usd, p.t));
        let pass = block_on(keeper::run(
            &mut self.sim,
            &PassConfig::full(keeper::DEFAULT_BATCH),
            None,
        ))?;
        self.series.record_pass(
            &p,
            &pass.events::<PositionLiquidated>(),
            &pass.events::<BadDebtResolved>(),
        );
        self.series.record_refusals(&pass.events::<RequestCancelled>());
        self.series.record_flows(
            p.t,
            &pass.events::<VaultDeposited>(),
            &pass.events::<VaultWithdrawn>(),
            &self.sim,
        );
        self.agents.act(&mut self.sim, dt);
        self.sim.advance(t2, raw_price(usd2, t2));
        let pass = block_on(keeper::run(&mut self.sim, &Run::second_pass(), None))?;
        self.series.record_refusals(&pass.events::<RequestCancelled>());
        self.series.record_flows(
            t2,
            &pass.events::<VaultDeposited>(),
            &pass.events::<VaultWithdrawn>(),
            &self.sim,
        );
        self.series.record_state(&p, &self.sim);
        self.step += 1;
        Ok(())
    }

    /// This step's point, its length, and the time and price of its second pass
    /// (requests due `execution_delay` later; the price interpolated toward the next
    /// point).
    pub fn times(&self) -> StepTimes {
        let p = self.path[self.step];
        let next = self.path.get(self.step + 1).copied();
        let dt = next.map_or(self.path[1].t - self.path[0].t, |n| n.t - p.t);
        let usd2 = next.map_or(p.usd, |n| p.usd + (n.usd - p.usd) * self.delay as f64 / dt as f64);
        StepTimes {
            point: p,
            dt,
            t2: p.t + self.delay,
            usd2,
        }
    }

    /// The second pass's steps.
    pub fn second_pass() -> PassConfig {
        PassConfig {
            funding: true,
            requests: true,
            ..PassConfig::none()
        }
    }

    pub fn report(&self, source: &str) -> Result<Report> {
        Report::build(self, source)
    }
}

/// The keeper pass is async (it awaits the chain); on the simulation nothing ever
/// waits, so one poll finishes it.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => unreachable!("the simulation never waits"),
    }
}

/// Runs the whole path; `progress` is told each step.
pub fn run(
    days: &[Day],
    opts: &Options,
    source: &str,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<(Run, Report)> {
    let mut r = Run::new(days, opts)?;
    if let Some(pb) = progress {
        pb.set_length(r.path.len() as u64);
    }
    while !r.done() {
        r.step()
            .map_err(|e| anyhow!("step {} ({}): {e:#}", r.step, r.path[r.step].t))?;
        if let Some(pb) = progress {
            if r.step % 256 == 0 {
                pb.set_position(r.step as u64);
            }
        }
    }
    r.series.finish();
    let report = r.report(source)?;
    Ok((r, report))
}
