//! Who uses the market in a backtest (docs/BACKTESTS.md, "The population"). Every
//! behaviour is a parameter with a default; every action goes through the simulated
//! program (`Sim`), so a refused action is refused as the program would refuse it.

use anchor_lang::prelude::Pubkey;
use hedge_engine::math::Rounding;
use hedge_engine::position::{
    equity_floor, is_risk_reducing, stress_sized_open_interest_usd, unrealized_pnl_quote,
};
use hedge_engine::requests::RequestKind;
use hedge_engine::vault::hedge_target_floor;

use super::path::Rng;
use super::sim::Sim;

mod params;

pub use params::{ExitShock, ExternalFunding, Population};

/// A hedge taker's private parameters.
#[derive(Clone, Copy, Debug)]
struct Taker {
    wallet: Pubkey,
    edge: f64,
    exit: f64,
    every: u64,
    offset: u64,
    /// Unix time before which it does not come back (a shock, a liquidation).
    out_until: i64,
    /// Its capital at the start, USD (set when it first looks; `None`: unlimited).
    capital_usd: Option<f64>,
    /// What is left of it to put up as margin, USD.
    capital_left_usd: f64,
    /// The base it held at its last look, and the base its request then asked for.
    seen_base: i64,
    asked_base: i64,
}

#[derive(Clone, Debug)]
struct Speculator {
    wallet: Pubkey,
    /// Unix time it leaves.
    until: i64,
    opened: bool,
}

/// The agents and their wallets.
pub struct Agents {
    pub params: Population,
    pub one: u64,
    pub hedgers: Vec<Pubkey>,
    speculators: Vec<Speculator>,
    arbs: Vec<Pubkey>,
    takers: Vec<Taker>,
    step: u64,
    staker: Pubkey,
    staked: u64,
    /// Unix time of the first sub-step, and whether the exit shock happened.
    started: Option<i64>,
    shocked: bool,
    /// The stakers' budget in USD, fixed at their first look.
    staker_budget_usd: Option<f64>,
    next: u64,
    rng: Rng,
}

/// A wallet address from an agent number: the same on every run, on the simulation
/// and on the chain (the equality test signs with `agent_keypair`).
pub fn agent_wallet(n: u64) -> Pubkey {
    use solana_signer::Signer;
    agent_keypair(n).pubkey()
}

pub fn agent_keypair(n: u64) -> solana_keypair::Keypair {
    let mut seed = [7u8; 32];
    seed[..8].copy_from_slice(&n.to_le_bytes());
    solana_keypair::Keypair::new_from_array(seed)
}

impl Agents {
    pub fn new(params: Population, decimals: u8, seed: u64) -> Agents {
        let mut a = Agents {
            params,
            one: 10u64.pow(u32::from(decimals)),
            hedgers: Vec::new(),
            speculators: Vec::new(),
            arbs: Vec::new(),
            takers: Vec::new(),
            step: 0,
            staker: agent_wallet(0),
            staked: 0,
            started: None,
            shocked: false,
            staker_budget_usd: None,
            next: 1,
            rng: Rng::new(seed ^ 0x5EED),
        };
        if a.params.legacy {
            for _ in 0..a.params.arbitrageurs {
                let w = a.fresh();
                a.arbs.push(w);
            }
        } else {
            for _ in 0..a.params.takers {
                let wallet = a.fresh();
                // In 1..=max_delay_steps (uniform() < 1).
                let every = 1 + (a.rng.uniform() * a.params.max_delay_steps as f64) as u64;
                let t = Taker {
                    wallet,
                    edge: a.rng.uniform() * a.params.max_edge,
                    exit: a.params.exit_low + a.rng.uniform() * (a.params.exit_high - a.params.exit_low),
                    every,
                    offset: (a.rng.uniform() * every as f64) as u64,
                    out_until: i64::MIN,
                    capital_usd: None,
                    capital_left_usd: 0.0,
                    seen_base: 0,
                    asked_base: 0,
                };
                a.takers.push(t);
            }
        }
        a
    }

    /// How many agent wallets have been named (`agent_wallet(0..named)`).
    pub fn named(&self) -> u64 {
        self.next
    }

    fn fresh(&mut self) -> Pubkey {
        let w = agent_wallet(self.next);
        self.next += 1;
        w
    }

    fn deposit(&self) -> u64 {
        self.params.deposit_tokens * self.one
    }

    /// The opening: the hedgers' deposits (requests, executed by the keeper).
    pub fn start(&mut self, sim: &mut Sim) {
        let each = self.deposit() / self.params.hedgers.max(1) as u64;
        for _ in 0..self.params.hedgers {
            let w = self.fresh();
            sim.mint_to(&w, each);
            let _ = sim.request_deposit(&w, each);
            self.hedgers.push(w);
        }
    }

    /// One sub-step of `dt` seconds: every agent decides on what it sees now.
    pub fn act(&mut self, sim: &mut Sim, dt: i64) {
        let days = dt as f64 / 86_400.0;
        self.started.get_or_insert(sim.now);
        self.stakers(sim);
        self.hedger_flows(sim, days);
        self.speculate(sim, days);
        if self.params.legacy {
            self.arbitrage(sim);
        } else {
            self.take_hedge(sim);
        }
        self.step += 1;
    }

    /// The size unit of flows: the initial deposit `D` (legacy), or the vault's
    /// collateral now, so agents scale with the vault (the hedge takers' capital
    /// scales with the hedge base instead: the demand for longs includes the deposits
    /// waiting for them).
    fn scale(&self, sim: &Sim) -> f64 {
        if self.params.legacy {
            return self.deposit() as f64;
        }
        (sim.market.collateral as f64).max(self.deposit() as f64 * 0.01)
    }

    /// The hedge takers: each on its own cadence, with its own required edge, fills the
    /// vault's hedge gap from whichever side pays (the skew potential's marginal rebate
    /// now, plus funding carry against the external rate over its horizon, less both
    /// venues' round-trip costs), and leaves when the carry falls under its exit.
    fn take_hedge(&mut self, sim: &mut Sim) {
        let Ok(st) = sim.market.state() else { return };
        let Ok(price) = sim.price() else { return };
        let p = st.params;
        // The hedge base: C, and under revision 6 the deposits waiting for their hedge.
        let target = hedge_target_floor(st.hedge_base(), &p).unwrap_or(0) as f64;
        let n = st.aggregates.net_base as f64;
        let scale = hedge_engine::skew::skew_scale_in_force(st.hedge_base(), &p)
            .unwrap_or(1)
            .max(1) as f64;
        let k = f64::from(p.impact_fee_ratio) / 1e6;
        let rho = f64::from(p.skew_rebate_share) / 1e6;
        let taker_fee = f64::from(p.taker_fee_ratio) / 1e6;
        // Funding longs receive here, a year (positive rate: longs pay).
        let here_to_longs = -(st.funding.rate as f64) / 1e12 * 365.0;
        // A long here and a short there earns both legs' funding.
        // The outside leg judged on its trailing week (the takers' horizon): a taker
        // does not unwind a position for one negative 8-hour window.
        let carry_long = here_to_longs + self.params.external_funding.trailing(sim.now, 7);
        let h = self.params.horizon_days / 365.0;
        let round_trip = 2.0 * taker_fee + self.params.external_cost;
        let cap = self.params.depth * st.hedge_base() as f64 / self.params.takers.max(1) as f64;
        let view = st.view(price);
        let min = p.min_position_base as f64;
        let usd = price.price as f64 / 1e18;
        let token = 10f64.powi(i32::from(sim.market.decimals));
        let now = sim.now;
        // The shock: the first `share` of the takers leave at once.
        if let Some(shock) = self.params.exit_shock {
            let at = self.started.unwrap_or(now) + (shock.day * 86_400.0) as i64;
            let leaving = (shock.share.clamp(0.0, 1.0) * self.takers.len() as f64).round() as usize;
            if !self.shocked && now >= at {
                self.shocked = true;
                for t in self.takers.iter_mut().take(leaving) {
                    t.out_until = now + (shock.out_days * 86_400.0) as i64;
                }
            }
        }
        // What this step's requests already fill.
        let mut x = n - target;
        for t in &mut self.takers {
            if !(self.step + t.offset).is_multiple_of(t.every)
                || sim.has_request(&t.wallet, RequestKind::Trade)
            {
                continue;
            }
            let pos = sim.position(&t.wallet).cloned();
            let held = pos.as_ref().map_or(0, |q| q.base);
            // Finite capital: set at its first look; a position that shrank without
            // its own order was liquidated: it leaves and comes back later, renewed.
            if let Some(share) = self.params.taker_capital {
                if t.capital_usd.is_none() && cap > 0.0 {
                    t.capital_usd = Some(share * cap / token * usd);
                    t.capital_left_usd = share * cap / token * usd;
                }
                let liquidated = held != t.seen_base
                    && held != t.asked_base
                    && held.unsigned_abs() < t.seen_base.unsigned_abs();
                if liquidated {
                    t.out_until = now + (self.params.taker_return_days * 86_400.0) as i64;
                    t.capital_left_usd = t.capital_usd.unwrap_or(0.0);
                }
            }
            t.seen_base = held;
            t.asked_base = held;
            if now < t.out_until {
                // Out: what it holds is closed, nothing new.
                if held != 0 && sim.request_trade(&t.wallet, -held, 0).is_ok() {
                    t.asked_base = 0;
                    x -= held as f64;
                }
                continue;
            }
            let base = held as f64;
            // The potential's slope at x: what one unit toward the target is paid, as
            // far as the skew ledger holds the tokens for it (revision 5: rebates are
            // paid out of it only; a taker reads it on the market account).
            // A fall first pays down the unfunded rises: nothing is rebated while any.
            let ledger = if st.skew.unfunded > 0 {
                0.0
            } else {
                st.skew.balance as f64
            };
            let slope = (2.0 * k * (x.abs() / scale).min(1.0) * rho).min(ledger / x.abs().max(min));
            let delta = if x < -min {
                // Under-hedged: buy (close a short first, then go long).
                let edge = slope + carry_long * h - if base < 0.0 { 0.0 } else { round_trip };
                if edge > t.edge && !st.reduce_only {
                    (-x).min((cap - base).max(0.0))
                } else {
                    0.0
                }
            } else if x > min {
                // Over-hedged: sell (close a long first, then go short).
                let edge = slope - carry_long * h - if base > 0.0 { 0.0 } else { round_trip };
                if edge > t.edge {
                    -(x.min((cap + base).max(0.0)))
                } else {
                    0.0
                }
            } else {
                0.0
            };
            // Carry gone: a long leaves below its exit, a short above minus it.
            let carry_gone = (base > 0.0 && carry_long < t.exit) || (base < 0.0 && -carry_long < t.exit);
            let delta = if delta == 0.0 && carry_gone { -base } else { delta };
            if delta.abs() < min {
                continue;
            }
            let d = delta as i64;
            let new_base = base as i64 + d;
            if pos.is_none() && sim.open_position(&t.wallet).is_err() {
                continue;
            }
            // Margin for 3x of the new size and the fees, beyond its equity; out of its
            // capital when it has one (what it cannot put up, it does not trade).
            let eq = equity_floor(&p_engine(&pos), &view).unwrap_or(0).max(0) as u64;
            let mut d = d;
            let want = new_base.unsigned_abs() / 3 + d.unsigned_abs() / 50 + 1;
            if want > eq {
                let mut add = want - eq;
                if self.params.taker_capital.is_some() {
                    let left = (t.capital_left_usd / usd * token).max(0.0) as u64;
                    if add > left && !is_risk_reducing(held, new_base) {
                        // Only the size its equity and capital carry at 3x.
                        let room = ((eq + left) as f64 * 2.9) as i64 - held.abs();
                        d = d.signum() * room.max(0).min(d.abs());
                        add = left;
                    }
                    add = add.min(left);
                    t.capital_left_usd -= add as f64 / token * usd;
                }
                if add > 0 {
                    sim.mint_to(&t.wallet, add);
                    let _ = sim.deposit_margin(&t.wallet, add);
                }
            }
            if (d as f64).abs() < min {
                continue;
            }
            if sim.request_trade(&t.wallet, d, 0).is_ok() {
                x += d as f64;
                t.asked_base = held + d;
            }
        }
    }

    fn stakers(&mut self, sim: &mut Sim) {
        let Ok(st) = sim.market.state() else { return };
        let Ok(price) = sim.price() else { return };
        let usd = price.price as f64 / 1e18;
        let budget_usd = *self
            .staker_budget_usd
            .get_or_insert(self.params.staker_budget * self.deposit() as f64 * usd);
        let budget = (budget_usd / usd.max(1e-12)) as u64;
        let Ok(target) = hedge_target_floor(st.hedge_base(), &st.params) else {
            return;
        };
        let Ok(target_usd) = st.units.quote_of(target as i128, price.price, Rounding::Ceil) else {
            return;
        };
        let want = target_usd.unsigned_abs() as f64 / 1e18 * self.params.staker_cover;
        let Ok(Some(cap)) = stress_sized_open_interest_usd(st.insurance, st.units, price.price, &st.params)
        else {
            return;
        };
        if (cap as f64) >= want || st.insurance == 0 {
            return;
        }
        let need = (st.insurance as f64 * (want / (cap as f64).max(1.0) - 1.0)).ceil() as u64;
        let amount = need.min(budget.saturating_sub(self.staked));
        if amount > 0 {
            let w = self.staker;
            sim.mint_to(&w, amount);
            if sim.stake(&w, amount).is_ok() {
                self.staked += amount;
            }
        }
    }

    fn hedger_flows(&mut self, sim: &mut Sim, days: f64) {
        if self.rng.uniform() < self.params.hedger_arrivals_per_day * days {
            let w = self.fresh();
            let amount = (self.params.hedger_size * self.scale(sim)) as u64;
            sim.mint_to(&w, amount);
            if sim.request_deposit(&w, amount).is_ok() {
                self.hedgers.push(w);
            }
        }
        let p_exit = self.params.hedger_exit_per_day * days;
        for i in 1..self.hedgers.len() {
            let w = self.hedgers[i];
            if self.rng.uniform() < p_exit {
                let s = sim.shares_of(&w);
                if s > 0 && !sim.has_request(&w, RequestKind::Withdraw) {
                    let _ = sim.request_withdraw(&w, s);
                }
            }
        }
    }

    fn speculate(&mut self, sim: &mut Sim, days: f64) {
        let Ok(price) = sim.price() else { return };
        let units = match sim.market.units() {
            Ok(u) => u,
            Err(_) => return,
        };
        let deposit = self.scale(sim);
        if self.rng.uniform() < self.params.speculator_arrivals_per_day * days {
            let notional = self.rng.exponential(self.params.speculator_size * deposit);
            let total: f64 = self.params.leverage_mix.iter().map(|x| x.1).sum();
            let mut pick = self.rng.uniform() * total;
            let mut lev = self.params.leverage_mix[0].0;
            for (l, wgt) in &self.params.leverage_mix {
                if pick < *wgt {
                    lev = *l;
                    break;
                }
                pick -= wgt;
            }
            let long = self.rng.uniform() < self.params.speculator_long;
            let hold = self.rng.exponential(self.params.speculator_hold_days * 86_400.0) as i64;
            let w = self.fresh();
            let base = notional as i64;
            // Margin for the leverage, plus the taker and impact fees (about 1%).
            let margin = (notional / lev as f64 * 1.02 + notional * 0.01) as u64 + 1;
            sim.mint_to(&w, margin);
            if base >= sim.market.params.min_position_base as i64
                && sim.open_position(&w).is_ok()
                && sim.deposit_margin(&w, margin).is_ok()
                && sim.request_trade(&w, if long { base } else { -base }, 0).is_ok()
            {
                self.speculators.push(Speculator {
                    wallet: w,
                    until: sim.now + hold,
                    opened: false,
                });
            } else if sim.position(&w).is_some() {
                let _ = sim.close_position(&w);
            }
        }
        let now = sim.now;
        let mut keep = Vec::with_capacity(self.speculators.len());
        for mut s in std::mem::take(&mut self.speculators) {
            let Some(p) = sim.position(&s.wallet).cloned() else {
                continue;
            };
            if p.pending_requests > 0 {
                keep.push(s);
                continue;
            }
            if p.base == 0 {
                if s.opened || now > s.until {
                    // Closed, liquidated or never filled: take the margin left and go.
                    let _ = sim.close_position(&s.wallet);
                    continue;
                }
                keep.push(s);
                continue;
            }
            s.opened = true;
            let pnl = unrealized_pnl_quote(&p.engine(), units, price.price)
                .and_then(|q| units.tokens_of(q, price.price, Rounding::Floor))
                .unwrap_or(0) as f64;
            let margin = p.margin as f64;
            let exit = now > s.until
                || pnl >= self.params.take_profit * margin
                || -pnl >= self.params.stop_loss * margin;
            if exit {
                let _ = sim.request_trade(&s.wallet, -p.base, 0);
            }
            keep.push(s);
        }
        self.speculators = keep;
    }

    fn arbitrage(&mut self, sim: &mut Sim) {
        let Ok(st) = sim.market.state() else { return };
        let Ok(price) = sim.price() else { return };
        // Longs are paid when the rate is negative (positive: longs pay).
        let paid_to_longs = -(st.funding.rate as f64) / 1e12 * 365.0;
        let target = hedge_target_floor(st.hedge_base(), &st.params).unwrap_or(0) as f64;
        let gap = target - st.aggregates.net_base as f64;
        let cap = self.params.arb_capital * self.deposit() as f64;
        let view = st.view(price);
        for i in 0..self.arbs.len() {
            let w = self.arbs[i];
            if sim.has_request(&w, RequestKind::Trade) {
                continue;
            }
            let pos = sim.position(&w).cloned();
            let base = pos.as_ref().map_or(0, |p| p.base);
            if base > 0 && paid_to_longs < self.params.arb_exit {
                let _ = sim.request_trade(&w, -base, 0);
                continue;
            }
            if base > 0 {
                // Keep 2x: add margin when equity falls under a third of the notional.
                let eq = equity_floor(&p_engine(&pos), &view).unwrap_or(0);
                let notional = i128::from(base);
                if eq < notional / 3 {
                    let add = (notional / 2 - eq).max(0) as u64;
                    sim.mint_to(&w, add);
                    let _ = sim.deposit_margin(&w, add);
                }
            }
            let room = cap - base as f64;
            if paid_to_longs > self.params.arb_enter && gap > 0.0 && !st.reduce_only && room > 0.0 {
                let size = gap.min(room) as i64;
                if size < st.params.min_position_base as i64 {
                    continue;
                }
                if pos.is_none() && sim.open_position(&w).is_err() {
                    continue;
                }
                // 2x: margin for half the notional (and the fee), beyond what it holds.
                let eq = equity_floor(&p_engine(&pos), &view).unwrap_or(0).max(0) as u64;
                let want = (base + size) as u64 / 2 + (size as u64) / 100 + 1;
                if want > eq {
                    sim.mint_to(&w, want - eq);
                    let _ = sim.deposit_margin(&w, want - eq);
                }
                let _ = sim.request_trade(&w, size, 0);
                // One arbitrageur acts per step: the next sees the new gap.
                return;
            }
        }
    }
}

fn p_engine(p: &Option<hedge_vault::state::Position>) -> hedge_engine::position::Position {
    p.as_ref().map(|p| p.engine()).unwrap_or_default()
}
