//! Endurance: long random sequences of every economic step of the program, on the
//! engine's `MarketState` (the methods each instruction calls), with random amounts,
//! prices, confidences, times and actors. After every step (PROTOCOL section 7):
//! - token conservation: tokens in minus tokens out equal `C + sum(margin) + escrowed
//!   deposits + insurance`;
//! - zero-sum and the ledgers: the positions' margins, bases (long, short, net) and
//!   entry notionals sum to the market's aggregates; locked vault shares and insurance
//!   shares match their ledgers;
//! - no free value: a deposit's shares are never worth more than the deposit at once;
//! - the waterfall: nothing is socialized while the insurance fund has tokens;
//! - exits are never refused: a margin withdrawal of the withdrawable amount, an
//!   executed vault withdrawal, an unstake and the close of an empty position pass;
//! - no price choice: every execution uses the price of its step, given once.
//!
//! `HEDGE_ENDURANCE_STEPS` sets the length (default 20,000, what CI runs) and
//! `HEDGE_ENDURANCE_SEED` the seed; a failure is shrunk to a minimal sequence (no
//! single step can be left out), printed with the command that replays it
//! (`HEDGE_ENDURANCE_REPLAY=step,step,...`). The long run:
//!
//!   HEDGE_ENDURANCE_STEPS=1000000 cargo test --release -p hedge-engine --test endurance -- --nocapture

use hedge_engine::market::MarketState;
use hedge_engine::oracle::{OracleLimits, OraclePrice};
use hedge_engine::params::RiskParams;
use hedge_engine::position::{unrealized_pnl_quote, Position, Units};
use hedge_engine::requests::cancels_request;
use hedge_engine::vault::value_of_shares_floor;
use hedge_engine::PRICE_PRECISION;

const ONE: u64 = 1_000_000_000;
const TRADERS: usize = 8;
const HOLDERS: usize = 4;
const STAKERS: usize = 2;

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Tokens between 0.001 and `max` whole tokens, log-uniform-ish.
    fn tokens(&mut self, max: u64) -> u64 {
        let digits = self.below(4);
        (self.below(max * ONE) / 10u64.pow(digits as u32)).max(ONE / 1_000)
    }
}

#[derive(Default, Clone, Copy)]
struct Holder {
    shares: u64,
    /// A pending withdrawal: locked shares and their value at request.
    pending: Option<(u64, u64)>,
}

#[derive(Default, Clone, Copy)]
struct Staker {
    shares: u64,
    pending: Option<(u64, u64)>,
}

struct World {
    st: MarketState,
    traders: [Position; TRADERS],
    holders: [Holder; HOLDERS],
    stakers: [Staker; STAKERS],
    /// Shares of the creator's seed stake, never unstaked.
    seed_shares: u64,
    now: i64,
    /// USD per whole token, 1e18.
    price: u128,
    tokens_in: i128,
    tokens_out: i128,
}

#[derive(Default, Debug)]
struct Tally {
    steps: u64,
    ok: [u64; 14],
    refused: [u64; 14],
    liquidations: u64,
    bad_debt: u64,
    socialized: u64,
    deleveraged: u64,
    /// Why trades were refused, by error.
    trade_refusals: std::collections::BTreeMap<String, u64>,
}

const NAMES: [&str; 14] = [
    "price+time",
    "deposit",
    "request withdraw",
    "execute withdraw",
    "cancel withdraw",
    "margin deposit",
    "trade",
    "margin withdraw",
    "liquidate",
    "deleverage",
    "close",
    "stake",
    "request unstake",
    "execute unstake",
];

fn state() -> MarketState {
    let limits = OracleLimits::default_for_tests();
    MarketState::new(
        RiskParams::default_for_tests(),
        limits,
        Units { scale: ONE as u128 },
        0,
    )
}

impl World {
    fn new() -> World {
        let mut st = state();
        let seed = 20 * ONE;
        let seed_shares = st.stake_insurance(seed).unwrap();
        World {
            st,
            traders: [Position::default(); TRADERS],
            holders: [Holder::default(); HOLDERS],
            stakers: [Staker::default(); STAKERS],
            seed_shares,
            now: 1_700_000_000,
            price: 100 * PRICE_PRECISION,
            tokens_in: i128::from(seed),
            tokens_out: 0,
        }
    }

    fn oracle(&self, rng: &mut Rng) -> OraclePrice {
        // Confidence from 0 to 1% of the price.
        let conf = self.price * u128::from(rng.below(101)) / 10_000;
        OraclePrice {
            price: self.price,
            conf,
            publish_time: self.now,
        }
    }

    fn supply(&self) -> u64 {
        self.holders
            .iter()
            .map(|h| h.shares + h.pending.map_or(0, |p| p.0))
            .sum()
    }

    /// PROTOCOL section 7 on the ledgers.
    fn check(&self) -> Result<(), String> {
        let st = &self.st;
        let held = i128::from(st.collateral)
            + st.total_margin
            + i128::from(st.escrowed_deposits)
            + i128::from(st.waiting_bid.owed)
            + i128::from(st.insurance)
            + i128::from(st.skew.balance);
        if self.tokens_in - self.tokens_out != held {
            return Err(format!(
                "conservation: in {} - out {} != C + margins + escrow + insurance + skew ledger = {held}",
                self.tokens_in, self.tokens_out
            ));
        }
        if !st.skew.is_consistent() {
            return Err(format!(
                "skew ledger: K != collected - rebated - released: {:?}",
                st.skew
            ));
        }
        let (mut margin, mut net, mut long, mut short, mut entry) = (0i128, 0i128, 0u128, 0u128, 0i128);
        for p in &self.traders {
            margin += i128::from(p.margin);
            net += i128::from(p.base);
            if p.base > 0 {
                long += u128::from(p.base.unsigned_abs());
            } else {
                short += u128::from(p.base.unsigned_abs());
            }
            entry += p.entry_quote;
        }
        let a = &st.aggregates;
        if (margin, net, long, short, entry)
            != (
                st.total_margin,
                a.net_base,
                a.long_base,
                a.short_base,
                a.entry_quote,
            )
        {
            return Err(format!(
                "aggregates: positions (margin {margin}, net {net}, long {long}, short {short}, entry {entry}) != \
                 ledger ({}, {}, {}, {}, {})",
                st.total_margin, a.net_base, a.long_base, a.short_base, a.entry_quote
            ));
        }
        let locked: u64 = self.holders.iter().map(|h| h.pending.map_or(0, |p| p.0)).sum();
        if locked != st.pending_withdraw_shares {
            return Err(format!(
                "locked shares {locked} != ledger {}",
                st.pending_withdraw_shares
            ));
        }
        let staked: u64 = self.seed_shares
            + self
                .stakers
                .iter()
                .map(|s| s.shares + s.pending.map_or(0, |p| p.0))
                .sum::<u64>();
        if staked != st.insurance_shares {
            return Err(format!(
                "insurance shares {staked} != ledger {}",
                st.insurance_shares
            ));
        }
        Ok(())
    }

    /// One random step; returns its kind and whether it was accepted.
    fn step(&mut self, rng: &mut Rng, t: &mut Tally) -> Result<(usize, bool), String> {
        let kind = rng.below(NAMES.len() as u64) as usize;
        let o = self.oracle(rng);
        // Every instruction accrues funding to now at the price first.
        self.st
            .accrue(self.price, self.now)
            .map_err(|e| format!("accrue: {e:?}"))?;
        let ok = match kind {
            0 => {
                self.now += 1 + rng.below(3_600) as i64;
                // Mostly small moves; one in ten a gap of up to 30%; one in a hundred
                // a 25-fold rally or crash (the vault's breach and deleveraging).
                let next = match rng.below(100) {
                    0 => self.price * 25,
                    1 => self.price / 25,
                    r => {
                        let bp = if r < 12 { 3_000 } else { 300 };
                        let m = rng.below(2 * bp + 1) as i128 - bp as i128;
                        (self.price as i128 * (10_000 + m) / 10_000) as u128
                    }
                };
                // Kept between 1 and 10,000 USD so sizes stay inside the caps.
                self.price = next.clamp(PRICE_PRECISION, 10_000 * PRICE_PRECISION);
                // The funding crank: observes the price and flags or clears
                // reduce-only (market_update_funding).
                self.st.observe(&o);
                self.st
                    .update_reduce_only(o)
                    .map_err(|e| format!("crank: {e:?}"))?;
                true
            }
            1 => {
                let h = rng.below(HOLDERS as u64) as usize;
                let amount = rng.tokens(5);
                self.st.request_deposit(amount).map_err(|e| format!("{e:?}"))?;
                self.tokens_in += i128::from(amount);
                let supply = self.supply();
                match self.st.execute_deposit(supply, amount, 0, o).map(|x| x.shares) {
                    Ok(shares) => {
                        self.holders[h].shares += shares;
                        let v = value_of_shares_floor(&self.st.vault_view(supply + shares), &o, shares)
                            .map_err(|e| format!("{e:?}"))?;
                        if v > amount {
                            return Err(format!(
                                "free value: {amount} deposited, {v} withdrawable at once"
                            ));
                        }
                        true
                    }
                    Err(_) => {
                        self.st
                            .refund_deposit(amount, false, self.st.waiting_bid.index)
                            .map_err(|e| format!("release: {e:?}"))?;
                        self.tokens_out += i128::from(amount);
                        false
                    }
                }
            }
            2 => {
                let h = rng.below(HOLDERS as u64) as usize;
                let hd = self.holders[h];
                if hd.pending.is_some() || hd.shares == 0 {
                    false
                } else {
                    let shares = (hd.shares / (1 + rng.below(3))).max(1);
                    match self.st.request_withdraw(self.supply(), shares, o) {
                        Ok(value) => {
                            self.holders[h].shares -= shares;
                            self.holders[h].pending = Some((shares, value));
                            true
                        }
                        Err(_) => false,
                    }
                }
            }
            3 => {
                let h = rng.below(HOLDERS as u64) as usize;
                match self.holders[h].pending {
                    None => false,
                    Some((shares, value)) => {
                        match self.st.execute_withdraw(self.supply(), shares, value, o) {
                            Ok(p) => {
                                self.tokens_out += i128::from(p.paid);
                                let left = shares - p.shares_burned;
                                self.holders[h].pending =
                                    (left > 0).then_some((left, p.remaining_value_at_request));
                                true
                            }
                            // A refusal of the request itself cancels it (the shares go
                            // back, as the program does); anything else fails the exit.
                            Err(e) if cancels_request(e) => {
                                self.st
                                    .release_withdraw(shares, value)
                                    .map_err(|e| format!("{e:?}"))?;
                                self.holders[h].pending = None;
                                self.holders[h].shares += shares;
                                false
                            }
                            Err(e) => return Err(format!("exit refused: vault withdrawal: {e:?}")),
                        }
                    }
                }
            }
            4 => {
                let h = rng.below(HOLDERS as u64) as usize;
                match self.holders[h].pending.take() {
                    None => false,
                    Some((shares, value)) => {
                        self.st
                            .release_withdraw(shares, value)
                            .map_err(|e| format!("{e:?}"))?;
                        self.holders[h].shares += shares;
                        true
                    }
                }
            }
            5 => {
                let i = rng.below(TRADERS as u64) as usize;
                let amount = rng.tokens(30);
                match self.st.deposit_margin(&mut self.traders[i], amount) {
                    Ok(()) => {
                        self.tokens_in += i128::from(amount);
                        true
                    }
                    Err(_) => false,
                }
            }
            6 => {
                let i = rng.below(TRADERS as u64) as usize;
                let p = self.traders[i];
                let delta = if p.base != 0 && rng.below(3) == 0 {
                    -p.base
                } else {
                    let size = rng.tokens(100) as i64;
                    if rng.below(3) == 0 {
                        -size
                    } else {
                        size
                    }
                };
                match self.st.execute_trade(&mut self.traders[i], delta, 0, o) {
                    Ok(_) => true,
                    Err(e) => {
                        *t.trade_refusals.entry(format!("{e:?}")).or_default() += 1;
                        false
                    }
                }
            }
            7 => {
                let i = rng.below(TRADERS as u64) as usize;
                let w = self.st.withdrawable_margin(&self.traders[i], o).unwrap_or(0);
                if w == 0 {
                    false
                } else {
                    let amount = (w / (1 + rng.below(2))).max(1);
                    self.st
                        .withdraw_margin(&mut self.traders[i], amount, o)
                        .map_err(|e| format!("exit refused: margin withdrawal of {amount} of {w}: {e:?}"))?;
                    self.tokens_out += i128::from(amount);
                    true
                }
            }
            8 => {
                let mut any = false;
                for i in 0..TRADERS {
                    let (mut copy, mut pos) = (self.st, self.traders[i]);
                    if copy.liquidate(&mut pos, o, o).is_err() {
                        continue;
                    }
                    let x = self
                        .st
                        .liquidate(&mut self.traders[i], o, o)
                        .map_err(|e| format!("{e:?}"))?;
                    let l = x.outcome;
                    if l.socialized > 0 && l.insurance > 0 {
                        return Err(format!(
                            "waterfall: {} socialized with {} in the fund",
                            l.socialized, l.insurance
                        ));
                    }
                    self.tokens_out += i128::from(l.liquidator_reward);
                    t.liquidations += 1;
                    t.bad_debt += l.bad_debt;
                    t.socialized += l.socialized;
                    any = true;
                }
                any
            }
            9 => {
                let mut order: Vec<(i128, usize)> = (0..TRADERS)
                    .filter(|&i| {
                        let (mut copy, mut pos) = (self.st, self.traders[i]);
                        copy.deleverage(&mut pos, o, o).is_ok()
                    })
                    .map(|i| {
                        (
                            unrealized_pnl_quote(&self.traders[i], self.st.units, o.price).unwrap_or(0),
                            i,
                        )
                    })
                    .collect();
                order.sort_by_key(|x| std::cmp::Reverse(x.0));
                match order.first() {
                    None => false,
                    Some(&(_, i)) => {
                        self.st
                            .deleverage(&mut self.traders[i], o, o)
                            .map_err(|e| format!("{e:?}"))?;
                        t.deleveraged += 1;
                        true
                    }
                }
            }
            10 => {
                let i = rng.below(TRADERS as u64) as usize;
                let p = self.traders[i];
                if p.base != 0 || p.margin < 0 {
                    false
                } else {
                    let back = self
                        .st
                        .close_position(&p)
                        .map_err(|e| format!("exit refused: closing an empty position: {e:?}"))?;
                    self.tokens_out += i128::from(back);
                    self.traders[i] = Position::default();
                    true
                }
            }
            11 => {
                let s = rng.below(STAKERS as u64) as usize;
                let amount = rng.tokens(10);
                if rng.below(4) == 0 {
                    self.st
                        .donate_insurance(amount, self.now)
                        .map_err(|e| format!("{e:?}"))?;
                    self.tokens_in += i128::from(amount);
                    true
                } else {
                    match self.st.stake_insurance(amount) {
                        Ok(shares) => {
                            self.stakers[s].shares += shares;
                            self.tokens_in += i128::from(amount);
                            true
                        }
                        Err(_) => false,
                    }
                }
            }
            12 => {
                let s = rng.below(STAKERS as u64) as usize;
                let sk = self.stakers[s];
                if sk.pending.is_some() || sk.shares == 0 {
                    false
                } else {
                    let shares = (sk.shares / (1 + rng.below(2))).max(1);
                    let value = self
                        .st
                        .insurance_value(shares, self.now)
                        .map_err(|e| format!("{e:?}"))?;
                    self.stakers[s].shares -= shares;
                    self.stakers[s].pending = Some((shares, value));
                    true
                }
            }
            _ => {
                let s = rng.below(STAKERS as u64) as usize;
                match self.stakers[s].pending.take() {
                    None => false,
                    Some((shares, value)) => {
                        let x = self
                            .st
                            .execute_unstake(shares, value, self.now)
                            .map_err(|e| format!("exit refused: unstake: {e:?}"))?;
                        self.tokens_out += i128::from(x.paid);
                        if x.shares_burned < shares {
                            // What does not fit the cover the open interest needs waits.
                            self.stakers[s].pending =
                                Some((shares - x.shares_burned, x.remaining_value_at_request));
                        }
                        true
                    }
                }
            }
        };
        if ok {
            t.ok[kind] += 1;
        } else {
            t.refused[kind] += 1;
        }
        Ok((kind, ok))
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The random choices of step `i` of the run seeded `seed`: each step has its own, so
/// a step taken out of a sequence leaves the others' choices as they were (what the
/// shrinking below relies on).
fn step_rng(seed: u64, i: u64) -> Rng {
    // splitmix64 of the pair.
    let mut z = seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    Rng((z ^ (z >> 31)) | 1)
}

/// An extra check after every step (tests of the shrinking use one).
type Extra = dyn Fn(&World, &Tally) -> Result<(), String>;

/// Plays the steps numbered `steps` of the run seeded `seed` on a new market; the
/// first failure: its position in `steps` and the message. With `log`, a line per
/// step played.
fn replay(
    seed: u64,
    steps: &[u64],
    extra: &Extra,
    t: &mut Tally,
    mut log: Option<&mut Vec<String>>,
) -> Result<(), (usize, String)> {
    let mut w = World::new();
    for (pos, &i) in steps.iter().enumerate() {
        let stepped = w.step(&mut step_rng(seed, i), t);
        let res = stepped.clone().and_then(|_| w.check()).and_then(|_| extra(&w, t));
        if let Some(log) = log.as_deref_mut() {
            log.push(format!(
                "step {i}: {} (price {:.4}, C {}, insurance {}){}",
                match &stepped {
                    Ok((kind, ok)) => format!("{} {}", NAMES[*kind], if *ok { "ok" } else { "refused" }),
                    Err(e) => format!("failed: {e}"),
                },
                w.price as f64 / PRICE_PRECISION as f64,
                w.st.collateral,
                w.st.insurance,
                match (&stepped, &res) {
                    (Ok(_), Err(e)) => format!(" <- {e}"),
                    _ => String::new(),
                }
            ));
        }
        if let Err(e) = res {
            return Err((pos, e));
        }
        t.steps = pos as u64 + 1;
    }
    Ok(())
}

/// The invariant an error message names (the text before its first colon).
fn invariant(e: &str) -> &str {
    e.split(':').next().unwrap_or(e)
}

/// Delta debugging (ddmin): a subsequence of `steps` that still fails `fails` and from
/// which no single step can be removed, within `budget`.
fn shrink(steps: Vec<u64>, fails: &dyn Fn(&[u64]) -> bool, budget: std::time::Duration) -> Vec<u64> {
    let started = std::time::Instant::now();
    let mut cur = steps;
    let mut n = 2usize;
    while cur.len() >= 2 && started.elapsed() < budget {
        let chunk = cur.len().div_ceil(n);
        // The first chunk whose removal still fails, if any.
        let found = (0..n).find_map(|k| {
            let (lo, hi) = ((k * chunk).min(cur.len()), ((k + 1) * chunk).min(cur.len()));
            let rest: Vec<u64> = cur[..lo].iter().chain(&cur[hi..]).copied().collect();
            (lo < hi && fails(&rest)).then_some(rest)
        });
        let reduced = found.is_some();
        if let Some(rest) = found {
            cur = rest;
            n = (n - 1).max(2);
        }
        if !reduced {
            if n >= cur.len() {
                break;
            }
            n = (2 * n).min(cur.len());
        }
    }
    cur
}

/// Runs `steps` from `seed`; on failure returns the message, the failing sequence
/// shrunk to a minimal one, and the command that replays it.
fn run(seed: u64, steps: u64, extra: &Extra) -> Result<Tally, String> {
    let mut t = Tally::default();
    let all: Vec<u64> = match std::env::var("HEDGE_ENDURANCE_REPLAY") {
        Ok(list) => list.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) => (0..steps).collect(),
    };
    let Err((pos, e)) = replay(seed, &all, extra, &mut t, None) else {
        return Ok(t);
    };
    let failing = all[..=pos].to_vec();
    let what = invariant(&e).to_string();
    let fails = |s: &[u64]| matches!(replay(seed, s, extra, &mut Tally::default(), None), Err((_, e2)) if invariant(&e2) == what);
    let minimal = shrink(failing, &fails, std::time::Duration::from_secs(60));
    // The minimal sequence, step by step, as it replays.
    let mut lines = Vec::new();
    let _ = replay(seed, &minimal, extra, &mut Tally::default(), Some(&mut lines));
    let list: Vec<String> = minimal.iter().map(u64::to_string).collect();
    Err(format!(
        "seed {seed}, step {}: {e}\nminimal failing sequence ({} of {} steps):\n  {}\nreplay: HEDGE_ENDURANCE_SEED={seed} HEDGE_ENDURANCE_REPLAY={}",
        all[pos],
        minimal.len(),
        pos + 1,
        lines.join("\n  "),
        list.join(",")
    ))
}

#[test]
fn random_sequences_keep_every_invariant() {
    let steps = env("HEDGE_ENDURANCE_STEPS", 20_000);
    let seed = env("HEDGE_ENDURANCE_SEED", 2);
    let started = std::time::Instant::now();
    let t = run(seed, steps, &|_, _| Ok(())).unwrap_or_else(|e| panic!("{e}"));
    let per_kind: Vec<String> = NAMES
        .iter()
        .enumerate()
        .map(|(k, n)| format!("{n}: {} ok / {} refused", t.ok[k], t.refused[k]))
        .collect();
    println!(
        "endurance: {} steps clean (seed {seed}) in {:.1} s\n  {}\n  liquidations {}, bad debt {}, socialized {}, deleveraged {}\n  trade refusals: {:?}",
        t.steps,
        started.elapsed().as_secs_f64(),
        per_kind.join("\n  "),
        t.liquidations,
        t.bad_debt,
        t.socialized,
        t.deleveraged,
        t.trade_refusals
    );
    if std::env::var_os("HEDGE_ENDURANCE_REPLAY").is_none() {
        assert_eq!(t.steps, steps);
    }
    // The sequence did real work: every kind of step was accepted at least once.
    for (k, n) in NAMES.iter().enumerate() {
        assert!(t.ok[k] > 0, "{n} never accepted in {steps} steps");
    }
    assert!(t.liquidations > 0, "no liquidation in {steps} steps");
    // And kept doing it: the market never got stuck refusing every trade.
    assert!(
        t.ok[6] >= steps / 1_000,
        "only {} trades accepted in {steps} steps",
        t.ok[6]
    );
}

/// The checks can fail: a ledger nudged by one unit is caught.
#[test]
fn a_ledger_off_by_one_unit_is_caught() {
    let mut w = World::new();
    assert_eq!(w.check(), Ok(()));
    w.st.collateral += 1;
    assert!(w.check().unwrap_err().starts_with("conservation"));
    w.st.collateral -= 1;
    w.traders[0].margin += 1;
    assert!(w.check().unwrap_err().starts_with("aggregates"));
}

/// Shrinking finds the steps a failure needs: here, one that fails only when three
/// given elements are all present.
#[test]
fn shrinking_keeps_only_what_the_failure_needs() {
    let fails = |s: &[u64]| [17, 400, 901].iter().all(|x| s.contains(x));
    let m = shrink((0..1_000).collect(), &fails, std::time::Duration::from_secs(60));
    assert_eq!(m, vec![17, 400, 901]);
}

/// A failure of the real run prints a minimal sequence that replays it: an extra
/// check that fails after the first liquidation needs the steps that build and
/// breach a position, not the hundreds before it.
#[test]
fn a_failure_prints_a_minimal_sequence_that_replays_it() {
    let after_a_liquidation: &Extra = &|_, t| {
        if t.liquidations > 0 {
            Err("liquidated: the test's extra check".into())
        } else {
            Ok(())
        }
    };
    let e = run(0x5eed, 20_000, after_a_liquidation).unwrap_err();
    println!("{e}");
    let first: usize = e["seed 24301, step ".len()..]
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let list = e.rsplit("HEDGE_ENDURANCE_REPLAY=").next().unwrap();
    let minimal: Vec<u64> = list.split(',').map(|x| x.trim().parse().unwrap()).collect();
    assert!(minimal.len() < 15 && minimal.len() * 10 < first, "{e}");
    // It fails, and without any one of its steps it does not.
    let fails = |s: &[u64]| replay(0x5eed, s, after_a_liquidation, &mut Tally::default(), None).is_err();
    assert!(fails(&minimal));
    for k in 0..minimal.len() {
        let mut less = minimal.clone();
        less.remove(k);
        assert!(!fails(&less), "step {} was not needed", minimal[k]);
    }
}
