//! Who uses the market in a backtest (docs/BACKTESTS.md, "The population"). Every
//! behaviour is a parameter with a default; every action goes through the simulated
//! program (`Sim`), so a refused action is refused as the program would refuse it.

use anchor_lang::prelude::Pubkey;
use hedge_engine::math::Rounding;
use hedge_engine::position::{equity_floor, stress_sized_open_interest_usd, unrealized_pnl_quote};
use hedge_engine::requests::RequestKind;
use hedge_engine::vault::hedge_target_floor;
use serde::Serialize;

use super::path::Rng;
use super::sim::Sim;

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
    /// target's open interest, staking up to `staker_budget * D` in all.
    pub staker_cover: f64,
    pub staker_budget: f64,
}

impl Default for Population {
    fn default() -> Self {
        Population {
            deposit_tokens: 1_000,
            hedgers: 4,
            hedger_arrivals_per_day: 0.1,
            hedger_size: 0.05,
            hedger_exit_per_day: 0.01,
            speculator_arrivals_per_day: 6.0,
            speculator_size: 0.05,
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
        }
    }
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
    staker: Pubkey,
    staked: u64,
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
            staker: agent_wallet(0),
            staked: 0,
            next: 1,
            rng: Rng::new(seed ^ 0x5EED),
        };
        for _ in 0..a.params.arbitrageurs {
            let w = a.fresh();
            a.arbs.push(w);
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
        self.stakers(sim);
        self.hedger_flows(sim, days);
        self.speculate(sim, days);
        self.arbitrage(sim);
    }

    fn stakers(&mut self, sim: &mut Sim) {
        let budget = (self.params.staker_budget * self.deposit() as f64) as u64;
        let Ok(st) = sim.market.state() else { return };
        let Ok(price) = sim.price() else { return };
        let Ok(target) = hedge_target_floor(st.collateral, &st.params) else {
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
            let amount = (self.params.hedger_size * self.deposit() as f64) as u64;
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
        let deposit = self.deposit() as f64;
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
        let target = hedge_target_floor(st.collateral, &st.params).unwrap_or(0) as f64;
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
