//! One step of a run, and the invariants checked after it.

use super::*;

impl World {
    pub(crate) fn new() -> World {
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

    pub(crate) fn oracle(&self, rng: &mut Rng) -> OraclePrice {
        // Confidence from 0 to 1% of the price.
        let conf = self.price * u128::from(rng.below(101)) / 10_000;
        OraclePrice {
            price: self.price,
            conf,
            publish_time: self.now,
        }
    }

    pub(crate) fn supply(&self) -> u64 {
        self.holders
            .iter()
            .map(|h| h.shares + h.pending.map_or(0, |p| p.0))
            .sum()
    }

    /// PROTOCOL section 7 on the ledgers.
    pub(crate) fn check(&self) -> Result<(), String> {
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
    pub(crate) fn step(&mut self, rng: &mut Rng, t: &mut Tally) -> Result<(usize, bool), String> {
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
