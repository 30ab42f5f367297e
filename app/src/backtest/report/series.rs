//! The samples a backtest keeps: per sub-step and per day, and each hedger's entry
//! and exit costs.

use anchor_lang::prelude::Pubkey;
use hedge_engine::vault::hedge_ratio_floor;
use hedge_vault::events::{
    BadDebtResolved, PositionLiquidated, RequestCancelled, VaultDeposited, VaultWithdrawn, CANCELLED_REFUSED,
};
use serde::Serialize;

use crate::backtest::path::{Day, Point};
use crate::backtest::sim::Sim;

/// Per sub-step and per day samples.
/// One hedger's entry and exit costs, native units (fractional: at the share's value
/// after the pass that executed the flow; see [`Series::record_flows`]).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct OwnerCosts {
    /// Tokens that executed into the vault, and what entering cost of them.
    pub entered: f64,
    pub entry_cost: f64,
    /// The withdrawn shares' value, and what leaving cost of it.
    pub left: f64,
    pub exit_cost: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Series {
    pub dates: Vec<String>,
    /// Per day, at its last sub-step: token price, share value (USD, what a share can
    /// be withdrawn for: without the income still locked), insurance fund (tokens),
    /// hedge ratio, funding rate (per year, positive: longs pay).
    pub day_price: Vec<f64>,
    pub day_share: Vec<f64>,
    pub day_insurance: Vec<f64>,
    pub day_hedge_ratio: Vec<f64>,
    /// Per day, the lowest and highest hedge ratio of its sub-steps (daily closes hide
    /// intraday gaps).
    pub day_hedge_min: Vec<f64>,
    pub day_hedge_max: Vec<f64>,
    pub day_funding: Vec<f64>,
    /// Hedge ratio at every sub-step (for its distribution).
    #[serde(skip)]
    pub hedge_ratio: Vec<f64>,
    /// At the last sub-step of every hour: token price and share value (USD, as
    /// `day_share`).
    #[serde(skip)]
    pub hour_price: Vec<f64>,
    #[serde(skip)]
    pub hour_share: Vec<f64>,
    #[serde(skip)]
    last_hour: Option<i64>,
    /// The vault's net exposure `(C - N) / equity` at every sub-step with shares out
    /// (tokens over tokens: 0 is a perfect hedge, 1 the unhedged token).
    #[serde(skip)]
    pub net_exposure: Vec<f64>,
    pub liquidations: usize,
    pub liquidated_usd: f64,
    /// Days with liquidations, and how many.
    pub liquidation_days: Vec<(usize, usize)>,
    #[serde(skip)]
    all_dates: Vec<String>,
    pub bad_debt_tokens: f64,
    pub insurance_covered_tokens: f64,
    /// (day, tokens) socialized.
    pub socialized: Vec<(usize, f64)>,
    /// Requests the program refused at execution, by error name.
    pub refused: std::collections::BTreeMap<String, usize>,
    #[serde(skip)]
    last_day: Option<usize>,
    /// What each deposit execution and each withdrawal (all its parts) cost its hedger,
    /// as a fraction of what it put in or took out at the share's value (fees and skew
    /// charges together).
    pub entry_costs: Vec<f64>,
    pub exit_costs: Vec<f64>,
    /// The hedge ratio outside 95%-105%: since when (unix time), and the longest such
    /// stretch, seconds.
    #[serde(skip)]
    excursion_since: Option<i64>,
    pub longest_excursion_s: i64,
    #[serde(skip)]
    last_t: i64,
    /// Deposits waiting for hedge capacity: since when, by owner; the tokens that ever
    /// waited; the longest wait, seconds.
    #[serde(skip)]
    waiting_since: std::collections::BTreeMap<Pubkey, i64>,
    /// A withdrawal paid in parts (queued by the over-hedge cap or the reserve): its
    /// owner's parts so far, value and paid, until the last; its cost is the whole's.
    #[serde(skip)]
    exits_open: std::collections::BTreeMap<Pubkey, (f64, f64)>,
    /// What each hedger's flows cost, by owner (the demo reports every hedger).
    #[serde(skip)]
    pub costs_by_owner: std::collections::BTreeMap<Pubkey, OwnerCosts>,
    pub waited_tokens: f64,
    pub longest_wait_s: i64,
}

fn tokens(v: u64) -> f64 {
    crate::units::whole(v.into(), crate::backtest::DECIMALS)
}

impl Series {
    pub fn new(days: &[Day]) -> Series {
        Series {
            dates: Vec::with_capacity(days.len()),
            all_dates: days.iter().map(|d| d.date.clone()).collect(),
            ..Default::default()
        }
    }

    /// The first day a share existed (its value measured).
    pub fn first_share_day(&self) -> usize {
        self.day_share.iter().position(|v| v.is_finite()).unwrap_or(0)
    }

    pub fn record_refusals(&mut self, cancelled: &[RequestCancelled]) {
        for c in cancelled.iter().filter(|c| c.cause == CANCELLED_REFUSED) {
            let name = crate::errors::program_errors()
                .get(&c.error)
                .map_or_else(|| c.error.to_string(), |e| e.0.clone());
            *self.refused.entry(name).or_default() += 1;
        }
    }

    pub fn record_pass(&mut self, p: &Point, liq: &[PositionLiquidated], bad: &[BadDebtResolved]) {
        if !liq.is_empty() {
            self.liquidations += liq.len();
            for e in liq {
                self.liquidated_usd += tokens(e.closed) * e.fill_price as f64 / 1e18;
            }
            match self.liquidation_days.last_mut() {
                Some((d, n)) if *d == p.day => *n += liq.len(),
                _ => self.liquidation_days.push((p.day, liq.len())),
            }
        }
        for b in bad {
            self.bad_debt_tokens += tokens(b.bad_debt);
            self.insurance_covered_tokens += tokens(b.insurance_covered);
            if b.socialized > 0 {
                self.socialized.push((p.day, tokens(b.socialized)));
            }
        }
    }

    /// The hedgers' deposits and withdrawals a pass executed: what each cost, at the
    /// share's value after the pass (a deposit's with the income still locked, what
    /// it was priced at and gets back as it unlocks; a withdrawal's without it, what
    /// a share is withdrawn for), and the deposits that wait.
    pub fn record_flows(
        &mut self,
        t: i64,
        deposits: &[VaultDeposited],
        withdrawals: &[VaultWithdrawn],
        sim: &Sim,
    ) {
        // Most passes execute no vault flow: value the share only when one did.
        if deposits.is_empty() && withdrawals.is_empty() {
            return;
        }
        let Some(nav) = sim.share_value_native(true) else {
            return;
        };
        // A deposit is priced with the income still locked and gets it back as it
        // unlocks: what it paid for is the share's value with it.
        let nav_locked = if deposits.is_empty() {
            nav
        } else {
            sim.share_value_native(false).unwrap_or(nav)
        };
        for d in deposits {
            if d.amount > 0 && d.shares > 0 {
                let value = d.shares as f64 * nav_locked;
                self.entry_costs.push(1.0 - value / d.amount as f64);
                let c = self.costs_by_owner.entry(d.owner).or_default();
                c.entered += d.amount as f64;
                c.entry_cost += d.amount as f64 - value;
            }
            if d.waiting > 0 {
                if let std::collections::btree_map::Entry::Vacant(e) = self.waiting_since.entry(d.owner) {
                    e.insert(t);
                    self.waited_tokens += tokens(d.waiting);
                }
            } else if let Some(since) = self.waiting_since.remove(&d.owner) {
                self.longest_wait_s = self.longest_wait_s.max(t - since);
            }
        }
        for w in withdrawals {
            let value = w.shares as f64 * nav;
            if w.shares > 0 && value > 0.0 {
                // What leaving cost is the whole withdrawal's, all its parts together:
                // a part of a native unit or two pays a charge rounded up to one, a
                // large share of it but nothing of the exit.
                let open = self.exits_open.entry(w.owner).or_default();
                open.0 += value;
                open.1 += w.paid as f64;
                if w.shares_remaining == 0 {
                    let (v, paid) = self.exits_open.remove(&w.owner).unwrap_or_default();
                    self.exit_costs.push(1.0 - paid / v);
                }
                let c = self.costs_by_owner.entry(w.owner).or_default();
                c.left += value;
                c.exit_cost += value - w.paid as f64;
            }
        }
    }

    /// Closes the stretches still open at the end of the run.
    pub fn finish(&mut self) {
        let end = self.last_t;
        if let Some(since) = self.excursion_since.take() {
            self.longest_excursion_s = self.longest_excursion_s.max(end - since);
        }
        for since in std::mem::take(&mut self.waiting_since).into_values() {
            self.longest_wait_s = self.longest_wait_s.max(end - since);
        }
        // Withdrawals still paying at the end: what their parts cost so far.
        for (v, paid) in std::mem::take(&mut self.exits_open).into_values() {
            self.exit_costs.push(1.0 - paid / v);
        }
    }

    pub fn record_state(&mut self, p: &Point, sim: &Sim) {
        let st = sim.market.state().ok();
        let h = st
            .as_ref()
            .and_then(|s| hedge_ratio_floor(s.collateral, &s.aggregates, &s.params).ok())
            .map_or(0.0, |r| r.min(10_000_000) as f64 / 1e6);
        self.hedge_ratio.push(h);
        if let Some(x) = sim.net_exposure() {
            self.net_exposure.push(x);
            if (0.95..=1.05).contains(&h) {
                if let Some(since) = self.excursion_since.take() {
                    self.longest_excursion_s = self.longest_excursion_s.max(p.t - since);
                }
            } else {
                self.excursion_since.get_or_insert(p.t);
            }
        }
        self.last_t = p.t;
        let hour = p.t.div_euclid(3_600);
        if self.last_hour != Some(hour) {
            self.hour_price.push(0.0);
            self.hour_share.push(0.0);
            self.last_hour = Some(hour);
        }
        let j = self.hour_price.len() - 1;
        self.hour_price[j] = p.usd;
        self.hour_share[j] = sim.share_redeemable_usd().unwrap_or(f64::NAN);
        let last_of_day = self.last_day != Some(p.day);
        if last_of_day {
            self.dates
                .push(self.all_dates.get(p.day).cloned().unwrap_or_default());
            self.day_price.push(0.0);
            self.day_share.push(0.0);
            self.day_insurance.push(0.0);
            self.day_hedge_ratio.push(0.0);
            self.day_hedge_min.push(h);
            self.day_hedge_max.push(h);
            self.day_funding.push(0.0);
            self.last_day = Some(p.day);
        }
        // Overwritten at each sub-step: the day's last one stays.
        let i = self.day_price.len() - 1;
        self.day_price[i] = p.usd;
        self.day_share[i] = sim.share_redeemable_usd().unwrap_or(f64::NAN);
        self.day_insurance[i] = tokens(sim.market.insurance);
        self.day_hedge_ratio[i] = h;
        self.day_hedge_min[i] = self.day_hedge_min[i].min(h);
        self.day_hedge_max[i] = self.day_hedge_max[i].max(h);
        self.day_funding[i] = st.map_or(0.0, |s| s.funding.rate as f64 / 1e12 * 365.0);
    }
}
