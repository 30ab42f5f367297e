//! Playing one action of the coalition on the world.

use super::*;

impl World {
    pub(crate) fn oracle(&self) -> OraclePrice {
        OraclePrice {
            price: self.usd * PRICE_PRECISION / 100,
            conf: 0,
            publish_time: self.now,
        }
    }

    /// The market every search starts from: 1,000 tokens of passive shareholders,
    /// an honest long hedging them, the creator's 300-token seed stake, a skew ledger
    /// holding 4 tokens others paid in (about what it keeps at the target, the
    /// potential at the scale: 1.5% of 300), everything unlocked.
    pub(crate) fn new() -> World {
        let mut st = MarketState::new(
            params(),
            OracleLimits::default_for_tests(),
            Units {
                scale: u128::from(ONE),
            },
            START,
        );
        let mut w = World {
            st,
            now: START,
            usd: 10_000,
            supply: 0,
            passive_shares: 0,
            honest: Position::default(),
            c: [Colluder {
                wallet: 3_000 * ONE,
                ..Colluder::default()
            }; COALITION],
            total: 0,
            skew_paid: 0,
            skew_rebated: 0,
            stats: Stats::default(),
        };
        let o = w.oracle();
        st.stake_insurance(300 * ONE).unwrap();
        st.request_deposit(1_000 * ONE).unwrap();
        w.passive_shares = st.execute_deposit(0, 1_000 * ONE, 0, o).unwrap().shares;
        w.supply = w.passive_shares;
        st.deposit_margin(&mut w.honest, 400 * ONE).unwrap();
        let c = st.collateral;
        st.execute_trade(&mut w.honest, c as i64, 0, o).unwrap();
        // Tokens others paid into the ledger before: the prize.
        st.skew.balance += 4 * ONE;
        st.skew.collected += u128::from(4 * ONE);
        w.st = st;
        w.total = w.held();
        // Everything unlocked before the coalition starts (the second day unlocks what
        // the ledger released on the first).
        w.wait(86_400);
        w.wait(86_400);
        // The honest long brings the vault exactly to its target (its taker fee and
        // the ledger's release moved C): x within a unit of 0, nothing owed to anyone.
        for _ in 0..6 {
            let x = w.st.skew_point().skew(&w.st.params).unwrap();
            if x.abs() <= 1 {
                break;
            }
            let o = w.oracle();
            w.st.execute_trade(&mut w.honest, -x as i64, 0, o).unwrap();
        }
        // And their fee income unlocked too (the ledger may release a few units of
        // rounding: the potential stays nil).
        w.wait(86_400);
        let phi =
            w.st.skew_point()
                .potential(&w.st.params, hedge_engine::math::Rounding::Floor);
        assert_eq!(phi, Ok(0));
        w.check("the start");
        w
    }

    /// Tokens in the market's ledgers and in the coalition's wallets.
    pub(crate) fn held(&self) -> u128 {
        let st = &self.st;
        let wallets: u128 = self.c.iter().map(|c| u128::from(c.wallet)).sum();
        let margins = st.total_margin;
        assert!(margins >= 0, "a margin total below zero");
        wallets
            + u128::from(st.collateral)
            + margins.unsigned_abs()
            + u128::from(st.escrowed_deposits)
            + u128::from(st.waiting_bid.owed)
            + u128::from(st.insurance)
            + u128::from(st.skew.balance)
    }

    pub(crate) fn check(&self, what: &str) {
        assert_eq!(self.held(), self.total, "conservation after {what}");
        assert!(
            self.st.skew.is_consistent(),
            "K != collected - rebated - released after {what}"
        );
        assert!(self.st.insurance_profit.locked <= self.st.insurance, "{what}");
        let margins: i128 =
            self.c.iter().map(|c| i128::from(c.pos.margin)).sum::<i128>() + i128::from(self.honest.margin);
        assert_eq!(margins, self.st.total_margin, "margins after {what}");
        let net: i128 =
            self.c.iter().map(|c| i128::from(c.pos.base)).sum::<i128>() + i128::from(self.honest.base);
        assert_eq!(net, self.st.aggregates.net_base, "N after {what}");
    }

    pub(crate) fn wait(&mut self, seconds: i64) {
        self.now += seconds;
        let p = self.oracle().price;
        let released = self.st.skew.released;
        self.st.accrue(p, self.now).unwrap();
        if self.st.skew.released > released {
            self.stats.releases += 1;
        }
    }

    /// A passive share's value in tokens: 1,000 shares valued as a withdrawal is.
    pub(crate) fn passive_value(&self) -> u64 {
        value_of_shares_floor(&self.st.vault_view(self.supply), &self.oracle(), 1_000 * ONE).unwrap()
    }

    /// Books a trade's, liquidation's or deleveraging's skew settlement to the
    /// coalition's account.
    pub(crate) fn book_skew(&mut self, paid: u64, rebate: u64) {
        self.skew_paid += u128::from(paid);
        self.skew_rebated += u128::from(rebate);
    }

    pub(crate) fn book_forced(&mut self, paid: u64, unfunded: u64) {
        self.book_skew(paid, 0);
        self.stats.forced += 1;
        if unfunded > 0 {
            self.stats.unfunded += 1;
        }
    }

    /// Applies `a`; refusals change nothing (the engine's methods are atomic).
    pub(crate) fn apply(&mut self, a: Action) {
        self.wait(2);
        let o = self.oracle();
        match a {
            Action::Trade { who, size, buy } => {
                let d = SIZES[size] as i64;
                let delta = if buy { d } else { -d };
                let mut p = self.c[who].pos;
                if let Ok(x) = self.st.execute_trade(&mut p, delta, 0, o) {
                    self.c[who].pos = p;
                    self.book_skew(x.outcome.skew.paid, x.outcome.skew.rebate);
                    self.stats.unfunded += u64::from(x.outcome.skew.unfunded > 0);
                }
            }
            Action::Close { who, percent } => {
                let base = self.c[who].pos.base;
                let part = (i128::from(base) * i128::from(percent) / 100) as i64;
                let mut p = self.c[who].pos;
                if part != 0 {
                    if let Ok(x) = self.st.execute_trade(&mut p, -part, 0, o) {
                        self.c[who].pos = p;
                        self.book_skew(x.outcome.skew.paid, x.outcome.skew.rebate);
                    }
                }
            }
            Action::Margin { who, size } => {
                let amount = SIZES[size].min(self.c[who].wallet);
                let mut p = self.c[who].pos;
                if amount > 0 && self.st.deposit_margin(&mut p, amount).is_ok() {
                    self.c[who].pos = p;
                    self.c[who].wallet -= amount;
                }
            }
            Action::WithdrawMargin { who, percent } => {
                let p0 = self.c[who].pos;
                let free = self.st.withdrawable_margin(&p0, o).unwrap_or(0);
                let amount = (u128::from(free) * u128::from(percent) / 100) as u64;
                let mut p = p0;
                if amount > 0 && self.st.withdraw_margin(&mut p, amount, o).is_ok() {
                    self.c[who].pos = p;
                    self.c[who].wallet += amount;
                }
            }
            Action::Deposit { who, size } => {
                let amount = SIZES[size].min(self.c[who].wallet);
                if amount > 0 && self.st.request_deposit(amount).is_ok() {
                    self.c[who].wallet -= amount;
                    // Executed at its due time, the price unchanged (a constant
                    // price, or the coalition's own moves, which come first).
                    self.wait(i64::from(self.st.params.execution_delay));
                    let o = self.oracle();
                    match self.st.execute_deposit_in_turn(self.supply, amount, 0, o, false) {
                        Ok(x) => {
                            self.supply += x.shares;
                            self.c[who].shares += x.shares;
                            self.book_skew(x.skew_fee, x.skew_rebate);
                            if x.waiting > 0 {
                                // Beyond hedge capacity: cancelled before its new due
                                // time, the rest comes back.
                                self.st
                                    .cancel_deposit(x.waiting, true, self.st.waiting_bid.index)
                                    .unwrap();
                                self.c[who].wallet += x.waiting;
                            }
                        }
                        Err(_) => {
                            self.st
                                .refund_deposit(amount, false, self.st.waiting_bid.index)
                                .unwrap();
                            self.c[who].wallet += amount;
                        }
                    }
                }
            }
            Action::RequestWithdraw { who, percent } => {
                let c = self.c[who];
                let shares = (u128::from(c.shares) * u128::from(percent) / 100) as u64;
                if c.withdrawal.is_none() && shares > 0 {
                    if let Ok(value) = self.st.request_withdraw(self.supply, shares, o) {
                        self.c[who].shares -= shares;
                        let due = self.now + i64::from(self.st.params.withdraw_delay);
                        self.c[who].withdrawal = Some((shares, value, due));
                    }
                }
            }
            Action::ExecuteWithdraw { who } => self.execute_withdraw(who),
            Action::Stake { who, size } => {
                let amount = SIZES[size].min(self.c[who].wallet);
                if amount > 0 {
                    if let Ok(shares) = self.st.stake_insurance(amount) {
                        self.c[who].wallet -= amount;
                        self.c[who].stake += shares;
                    }
                }
            }
            Action::RequestUnstake { who, percent } => {
                let c = self.c[who];
                let shares = (u128::from(c.stake) * u128::from(percent) / 100) as u64;
                if c.unstake.is_none() && shares > 0 {
                    let value = self.st.insurance_value(shares, self.now).unwrap();
                    self.c[who].stake -= shares;
                    let due = self.now + i64::from(self.st.params.insurance_cooldown);
                    self.c[who].unstake = Some((shares, value, due));
                }
            }
            Action::ExecuteUnstake { who } => self.execute_unstake(who),
            Action::Liquidate { target, by } => {
                let mut p = self.c[target].pos;
                if let Ok(x) = self.st.liquidate(&mut p, o, o) {
                    self.c[target].pos = p;
                    self.c[by].wallet += x.outcome.liquidator_reward;
                    self.book_forced(x.outcome.skew.paid, x.outcome.skew.unfunded);
                }
            }
            Action::Deleverage { target } => {
                let mut p = self.c[target].pos;
                if let Ok(x) = self.st.deleverage(&mut p, o, o) {
                    self.c[target].pos = p;
                    self.book_forced(x.skew.paid, x.skew.unfunded);
                }
            }
            Action::Wait { seconds } => self.wait(seconds),
            Action::Price { percent } => self.usd = 100 * u128::from(percent),
            Action::Lever { who, lev, buy } => self.lever(who, lev, buy, false),
            Action::StakeThenLever { who, size, lev, buy } => {
                self.apply(Action::Stake { who, size });
                self.lever(who, lev, buy, true);
            }
            Action::Pair { a, b, lev } => {
                if a != b {
                    self.lever(a, lev, true, true);
                    self.lever(b, lev, false, true);
                }
            }
        }
        self.check(&format!("{a:?}"));
    }

    pub(crate) fn lever(&mut self, who: usize, lev: u8, buy: bool, fresh: bool) {
        let o = self.oracle();
        let mut p = self.c[who].pos;
        if fresh || p.margin <= 0 {
            let amount = (100 * ONE).min(self.c[who].wallet);
            if amount == 0 || self.st.deposit_margin(&mut p, amount).is_err() {
                return;
            }
            self.c[who].wallet -= amount;
            self.c[who].pos = p;
        }
        let equity = hedge_engine::position::equity_floor(&p, &self.st.view(o)).unwrap_or(0);
        let target = (equity.max(0) * i128::from(lev)) as i64;
        let target = if buy { target } else { -target };
        let delta = target - p.base;
        if delta != 0 {
            if let Ok(x) = self.st.execute_trade(&mut p, delta, 0, o) {
                self.c[who].pos = p;
                self.book_skew(x.outcome.skew.paid, x.outcome.skew.rebate);
                self.stats.unfunded += u64::from(x.outcome.skew.unfunded > 0);
            }
        }
    }

    pub(crate) fn execute_withdraw(&mut self, who: usize) {
        let Some((shares, value, due)) = self.c[who].withdrawal else {
            return;
        };
        if self.now < due {
            return;
        }
        let o = self.oracle();
        match self.st.execute_withdraw(self.supply, shares, value, o) {
            Ok(x) => {
                self.supply -= x.shares_burned;
                self.c[who].wallet += x.paid;
                self.book_skew(x.skew_fee, x.skew_rebate);
                let left = shares - x.shares_burned;
                self.c[who].withdrawal =
                    (left > 0).then_some((left, x.remaining_value_at_request, self.now + 2));
            }
            Err(_) => {
                // A refusal at execution returns the shares (the program cancels).
                self.st.release_withdraw(shares, value).unwrap();
                self.c[who].shares += shares;
                self.c[who].withdrawal = None;
            }
        }
    }

    pub(crate) fn execute_unstake(&mut self, who: usize) {
        let Some((shares, value, due)) = self.c[who].unstake else {
            return;
        };
        if self.now < due {
            return;
        }
        let x = self
            .st
            .execute_unstake(shares, value, self.now)
            .expect("an unstake is never refused");
        self.c[who].wallet += x.paid;
        let left = shares - x.shares_burned;
        if left > 0 {
            self.stats.queued_unstakes += 1;
        }
        self.c[who].unstake = (left > 0).then_some((left, x.remaining_value_at_request, self.now + 2));
    }

    /// Unwinds everything the coalition holds; returns its tokens.
    pub(crate) fn unwind(&mut self) -> u128 {
        self.usd = 10_000;
        self.wait(2);
        for who in 0..COALITION {
            // Close (a liquidatable or bankrupt position is liquidated instead, by its
            // own owner) and take the margin back.
            for _ in 0..3 {
                let base = self.c[who].pos.base;
                if base == 0 {
                    break;
                }
                let o = self.oracle();
                let mut p = self.c[who].pos;
                match self.st.execute_trade(&mut p, -base, 0, o) {
                    Ok(x) => {
                        self.c[who].pos = p;
                        self.book_skew(x.outcome.skew.paid, x.outcome.skew.rebate);
                    }
                    Err(_) => self.apply(Action::Liquidate { target: who, by: who }),
                }
            }
            let p = self.c[who].pos;
            if p.base == 0 {
                let back = self.st.close_position(&p).unwrap_or(0);
                self.c[who].wallet += back;
                self.c[who].pos = Position::default();
            }
            self.check("close");
        }
        // Everything unlocked, then every share and stake out.
        self.wait(86_400 + 60);
        for who in 0..COALITION {
            if self.c[who].withdrawal.is_none() {
                self.apply(Action::RequestWithdraw { who, percent: 100 });
            }
            if self.c[who].unstake.is_none() {
                self.apply(Action::RequestUnstake { who, percent: 100 });
            }
        }
        for _ in 0..20 {
            self.wait(61);
            for who in 0..COALITION {
                self.execute_withdraw(who);
                self.execute_unstake(who);
            }
            self.check("unwind");
        }
        self.c.iter().map(|c| u128::from(c.wallet)).sum()
    }
}
