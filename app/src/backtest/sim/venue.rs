//! The keeper's instructions on the simulated market and the [`Venue`] the keeper's
//! pass runs on.

use super::*;

impl Sim {
    /// `vault_execute_deposit` (the part beyond hedge capacity, or under revision 6
    /// beyond the hedge that covers it, keeps the request, waiting, due again after
    /// `waiting_deposit_delay`).
    fn execute_deposit(&mut self, key: Pubkey, r: Request) -> Result<Vec<Vec<u8>>> {
        check_executable(r.due_time, self.now).map_err(refused)?;
        let mut st = self.market.state()?;
        let result = match self.read_at_due(&mut st, r.due_time, OracleUse::Increase)? {
            Ok(p) => st
                .accrue_for_execution(&p, self.now)
                .and_then(|_| {
                    let terms = hedge_engine::market::DepositRequest {
                        amount: r.amount,
                        min_hedge_ratio: r.min_hedge_ratio,
                        max_skew_fee_ratio: r.max_skew_fee_ratio,
                        waited: r.is_waiting(),
                        due_age: self.now.saturating_sub(r.due_time),
                        wait_since: r.wait_since,
                    };
                    st.execute_deposit_request(self.supply, terms, p)
                })
                .map(|x| (x, p)),
            Err(e) => Err(e),
        };
        match result {
            Ok((x, p)) => {
                let shares = x.shares;
                self.market.set_state(&st);
                // Revision 6: the first shares' dead twin, in the share escrow.
                self.supply += shares + x.dead_shares;
                self.escrow_shares += x.dead_shares;
                *self.shares.entry(r.owner).or_default() += shares;
                if x.waiting > 0 {
                    let left = self.requests.get_mut(&key).expect("pending");
                    left.amount = x.waiting;
                    left.wait_since = st.waiting_bid.index;
                    left.waiting = 1;
                    left.due_time = self.now + i64::from(st.waiting_deposit_delay());
                } else {
                    self.requests.remove(&key);
                }
                Ok(vec![VaultDeposited {
                    market: self.key,
                    owner: r.owner,
                    executor: self.keeper,
                    amount: x.executed,
                    shares,
                    price: p.price,
                    publish_time: p.publish_time,
                    collateral: st.collateral,
                    skew_fee: x.skew_fee,
                    skew_rebate: x.skew_rebate,
                    waiting: x.waiting,
                    skew_ledger: st.skew.balance,
                    wait_charge: x.wait_charge,
                }
                .data()])
            }
            Err(e) => {
                self.requests.remove(&key);
                let ev = hedge_vault::requests::refused(&r, e, 0, self.keeper).map_err(|_| refused(e))?;
                st.accrue_before_request(self.now).map_err(refused)?;
                let back = st
                    .refund_deposit(r.amount, r.is_waiting(), r.wait_since)
                    .map_err(refused)?;
                self.market.set_state(&st);
                self.credit(&r.owner, back.refunded);
                let released = hedge_vault::events::DepositReleased::of(self.key, r.owner, &back, 0);
                Ok(vec![released.data(), ev.data()])
            }
        }
    }

    /// `vault_execute_withdraw` (a partial payout keeps the request, due again after
    /// the execution delay).
    fn execute_withdraw(&mut self, key: Pubkey, r: Request) -> Result<Vec<Vec<u8>>> {
        check_executable(r.due_time, self.now).map_err(refused)?;
        let mut st = self.market.state()?;
        let result = match self.read_at_due(&mut st, r.due_time, OracleUse::Reduce)? {
            Ok(p) => st
                .accrue_for_execution(&p, self.now)
                .and_then(|_| {
                    let terms = hedge_engine::market::WithdrawRequest {
                        shares: r.amount,
                        value_at_request: r.value_at_request,
                        price_at_request: r.price_at_request,
                        max_skew_fee_ratio: r.max_skew_fee_ratio,
                    };
                    st.execute_withdraw_limited(self.supply, terms, p)
                })
                .map(|payout| (payout, p)),
            Err(e) => Err(e),
        };
        match result {
            Ok((payout, p)) => {
                self.market.set_state(&st);
                self.supply -= payout.shares_burned;
                self.escrow_shares -= payout.shares_burned;
                self.credit(&r.owner, payout.paid);
                let remaining = r.amount - payout.shares_burned;
                let ev = VaultWithdrawn {
                    market: self.key,
                    owner: r.owner,
                    executor: self.keeper,
                    shares: payout.shares_burned,
                    shares_remaining: remaining,
                    value_at_request: r.value_at_request,
                    value_now: payout.value_now,
                    paid: payout.paid,
                    largest_now: payout.largest_now,
                    price: p.price,
                    collateral: st.collateral,
                    skew_fee: payout.skew_fee,
                    skew_rebate: payout.skew_rebate,
                    skew_unfunded: payout.skew_unfunded,
                    skew_ledger: st.skew.balance,
                };
                if remaining > 0 {
                    let left = self.requests.get_mut(&key).expect("pending");
                    left.amount = remaining;
                    left.value_at_request = payout.remaining_value_at_request;
                    left.due_time = self.now + i64::from(st.params.execution_delay);
                } else {
                    self.requests.remove(&key);
                }
                Ok(vec![ev.data()])
            }
            Err(e) => {
                let ev = hedge_vault::requests::refused(&r, e, 0, self.keeper).map_err(|_| refused(e))?;
                st.release_withdraw(r.amount, r.value_at_request)
                    .map_err(refused)?;
                self.market.set_state(&st);
                self.escrow_shares -= r.amount;
                *self.shares.entry(r.owner).or_default() += r.amount;
                self.requests.remove(&key);
                Ok(vec![ev.data()])
            }
        }
    }

    /// `position_execute_trade`.
    fn execute_trade(&mut self, key: Pubkey, r: Request) -> Result<Vec<Vec<u8>>> {
        check_executable(r.due_time, self.now).map_err(refused)?;
        let mut st = self.market.state()?;
        let (pkey, mut account) = self.position_mut(&r.owner)?;
        let new_base = account
            .base
            .checked_add(r.delta_base)
            .ok_or_else(|| refused_named(HedgeError::MathOverflow))?;
        let use_ = if is_risk_reducing(account.base, new_base) {
            OracleUse::Reduce
        } else {
            OracleUse::Increase
        };
        let mut pos = account.engine();
        let result = match self.read_at_due(&mut st, r.due_time, use_)? {
            Ok(p) => st
                .accrue_for_execution(&p, self.now)
                .and_then(|_| st.execute_trade(&mut pos, r.delta_base, r.limit_price, p)),
            Err(e) => Err(e),
        };
        let ev = match result {
            Ok(x) => {
                self.market.set_state(&st);
                account.set_engine(&pos);
                PositionTraded::new(self.key, r.owner, self.keeper, r.delta_base, &x).data()
            }
            Err(e) => {
                let ev = hedge_vault::requests::refused(&r, e, 0, self.keeper).map_err(|_| refused(e))?;
                self.market.set_state(&st);
                ev.data()
            }
        };
        account.pending_requests = account.pending_requests.saturating_sub(1);
        self.positions.insert(pkey, account);
        self.requests.remove(&key);
        Ok(vec![ev])
    }
}

impl Venue for Sim {
    async fn market(&mut self) -> Result<(Market, OraclePrice, i64)> {
        Ok((self.market, self.price()?, self.now))
    }

    async fn positions(&mut self) -> Result<Vec<(Pubkey, Position)>> {
        Ok(self.positions.iter().map(|(k, p)| (*k, p.clone())).collect())
    }

    async fn requests(&mut self) -> Result<Vec<Pending>> {
        Ok(self
            .requests
            .iter()
            .map(|(k, r)| Pending { key: *k, request: *r })
            .collect())
    }

    async fn crank_funding(&mut self) -> Result<Sent> {
        self.booked(Cause::Funding, Sim::crank)
    }

    async fn execute_request(&mut self, p: &Pending) -> Result<Sent> {
        let cause = match self.requests.get(&p.key).map(|r| r.kind) {
            Some(k) if k == RequestKind::Trade as u8 => Cause::Fees,
            _ => Cause::Rounding,
        };
        self.booked(cause, |s| s.execute(p))
    }

    async fn liquidation_prices(&mut self, price: &OraclePrice) -> Result<(OraclePrice, OraclePrice)> {
        // The simulated market reads a legacy account, which confirms itself.
        Ok((*price, *price))
    }

    async fn liquidate(&mut self, targets: &[Pubkey]) -> Result<Sent> {
        self.booked(Cause::Socialized, |s| s.liquidate_all(targets))
    }

    async fn deleverage(&mut self, target: &Pubkey) -> Result<Sent> {
        self.booked(Cause::Deleveraging, |s| s.deleverage_one(target))
    }
}

impl Sim {
    /// Runs `f`, booking the change of a share's value to `cause`.
    fn booked<T>(&mut self, cause: Cause, f: impl FnOnce(&mut Sim) -> Result<T>) -> Result<T> {
        let before = self.share_usd();
        let r = f(self);
        self.book(cause, before);
        r
    }

    /// A pending request, by address.
    fn pending(&self, key: &Pubkey) -> Result<Request> {
        self.requests
            .get(key)
            .cloned()
            .ok_or_else(|| anyhow!("simulated: no pending request {key}"))
    }

    /// A position that is open (`require!(base != 0, PositionEmpty)`).
    fn open_position_account(&self, key: &Pubkey) -> Result<Position> {
        let account = self
            .positions
            .get(key)
            .cloned()
            .ok_or_else(|| anyhow!("simulated: no position {key}"))?;
        if account.base == 0 {
            return Err(refused_named(HedgeError::PositionEmpty));
        }
        Ok(account)
    }

    /// `market_update_funding`.
    fn crank(&mut self) -> Result<Sent> {
        let mut st = self.market.state()?;
        let oracle = self.read_now(&mut st, OracleUse::Reduce)?;
        let (a, imbalance) = st.accrue(oracle.price, self.now).map_err(refused)?;
        st.update_reduce_only(oracle).map_err(refused)?;
        self.market.set_state(&st);
        Ok(sent(vec![FundingUpdated::new(
            self.key, &a, imbalance, &oracle, &st,
        )
        .data()]))
    }

    fn execute(&mut self, p: &Pending) -> Result<Sent> {
        let r = self.pending(&p.key)?;
        let events = match r.kind()? {
            RequestKind::Deposit => self.execute_deposit(p.key, r)?,
            RequestKind::Withdraw => self.execute_withdraw(p.key, r)?,
            RequestKind::Trade => self.execute_trade(p.key, r)?,
            k => bail!("simulated: the backtest's population makes no {k:?} request"),
        };
        Ok(sent(events))
    }

    /// `position_liquidate` of each target, all or none (one transaction).
    fn liquidate_all(&mut self, targets: &[Pubkey]) -> Result<Sent> {
        let (market, positions, wallets) = (self.market, self.positions.clone(), self.wallets.clone());
        let mut events = Vec::new();
        for k in targets {
            match self.liquidate_one(k) {
                Ok(mut e) => events.append(&mut e),
                Err(e) => {
                    (self.market, self.positions, self.wallets) = (market, positions, wallets);
                    return Err(e);
                }
            }
        }
        Ok(sent(events))
    }

    /// `market_auto_deleverage`.
    fn deleverage_one(&mut self, target: &Pubkey) -> Result<Sent> {
        let mut account = self.open_position_account(target)?;
        let mut st = self.market.state()?;
        let price = self.refresh(&mut st, OracleUse::Liquidate)?;
        let mut pos = account.engine();
        // A legacy account confirms itself (PROTOCOL section 6).
        let x = st.deleverage(&mut pos, price, price).map_err(refused)?;
        self.market.set_state(&st);
        account.set_engine(&pos);
        let owner = account.owner;
        self.positions.insert(*target, account);
        Ok(sent(vec![
            AutoDeleveraged::new(self.key, owner, price.price, &x).data()
        ]))
    }

    /// `position_liquidate`: the reward to the keeper's wallet.
    fn liquidate_one(&mut self, target: &Pubkey) -> Result<Vec<Vec<u8>>> {
        let mut account = self.open_position_account(target)?;
        let mut st = self.market.state()?;
        let price = self.refresh(&mut st, OracleUse::Liquidate)?;
        let mut pos = account.engine();
        // A legacy account confirms itself (PROTOCOL section 6).
        let x = st.liquidate(&mut pos, price, price).map_err(refused)?;
        self.market.set_state(&st);
        account.set_engine(&pos);
        let owner = account.owner;
        self.positions.insert(*target, account);
        let keeper = self.keeper;
        self.credit(&keeper, x.outcome.liquidator_reward);
        let mut events = vec![PositionLiquidated::new(self.key, owner, keeper, &x).data()];
        let (insurance, collateral) = (self.market.insurance, self.market.collateral);
        if let Some(b) = BadDebtResolved::of(self.key, owner, &x.outcome, insurance, collateral) {
            events.push(b.data());
        }
        Ok(events)
    }
}
