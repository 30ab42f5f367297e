//! The market at engine level: the program's accounts (`Market`, `Position`,
//! `Request`) held in memory and changed by the same engine calls, in the same
//! order, as the program's handlers (each function below names the handler it
//! mirrors); the token and share movements the handlers make by CPI are ledger
//! entries. It is a keeper [`Venue`], so the backtest's keeper is `keeper::run`
//! itself, and its actions return the program's events. A test replays a backtest's
//! first steps through the real program and asserts the same accounts, unit for unit
//! (`app/tests/backtest.rs`).

use std::collections::{BTreeMap, HashMap};

use anchor_lang::prelude::Pubkey;
use anchor_lang::Event;
use anyhow::{anyhow, bail, Result};
use hedge_engine::error::EngineError;
use hedge_engine::market::MarketState;
use hedge_engine::oracle::{normalize, OraclePrice, OracleUse, RawPrice};
use hedge_engine::position::is_risk_reducing;
use hedge_engine::requests::{check_executable, RequestKind};
use hedge_vault::events::{
    AutoDeleveraged, BadDebtResolved, FundingUpdated, PositionLiquidated, PositionTraded, VaultDeposited,
    VaultWithdrawn, CANCELLED_AFTER_WINDOW,
};
use hedge_vault::oracle::{accept_at_due, accept_now};
use hedge_vault::state::{Market, MarketAccounts, Position, Request};
use hedge_vault::{HedgeError, MarketCreateArgs, ACCOUNT_VERSION};

use crate::chain::{Sent, TxError};
use crate::keeper::Venue;
use crate::keys;
use crate::requests::Pending;
use crate::units::{share_decimals, whole};

/// An engine refusal as the chain reports it: the program's error, by name.
fn refused(e: EngineError) -> anyhow::Error {
    refused_named(HedgeError::from(e))
}

/// The program's error `h` as a failed transaction's [`TxError`].
fn refused_named(h: HedgeError) -> anyhow::Error {
    use solana_instruction_error::InstructionError;
    use solana_transaction_error::TransactionError;
    let name = format!("{h:?}");
    anyhow::Error::new(TxError {
        error: TransactionError::InstructionError(0, InstructionError::Custom(h.code())),
        description: format!("simulated: {name}"),
        name: Some(name),
    })
}

fn sent(events: Vec<Vec<u8>>) -> Sent {
    Sent {
        signature: "simulated".into(),
        events,
        logs: Vec::new(),
        return_data: None,
        compute_units: None,
    }
}

/// The simulated market and every wallet's tokens, shares and insurance stake.
pub struct Sim {
    pub key: Pubkey,
    pub market: Market,
    /// The share mint's supply.
    pub supply: u64,
    pub positions: BTreeMap<Pubkey, Position>,
    pub requests: BTreeMap<Pubkey, Request>,
    /// Collateral tokens in each wallet.
    pub wallets: HashMap<Pubkey, u64>,
    /// Vault shares in each wallet (the escrow apart).
    pub shares: HashMap<Pubkey, u64>,
    pub escrow_shares: u64,
    /// Insurance shares of each staker.
    pub stakes: HashMap<Pubkey, u64>,
    /// The keeper's wallet: executor and liquidator.
    pub keeper: Pubkey,
    pub now: i64,
    /// The price account's content (a legacy account: no previous publish time).
    pub raw: RawPrice,
    /// Every change of a share's USD value, by cause (`Attribution`).
    pub attribution: Attribution,
    /// A share's USD value when it was first measured (the first deposit).
    pub share_start: Option<f64>,
    /// Every user action that succeeded, in order, when recording (the equality
    /// test replays them through the program).
    pub log: Option<Vec<Action>>,
    position_keys: HashMap<Pubkey, Pubkey>,
    request_keys: HashMap<(Pubkey, u8), Pubkey>,
}

/// What moved a share's USD value, summed over the run in USD per whole share: each
/// change of the market is measured before and after (`Sim::book`), so the causes sum
/// to the total by construction.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Attribution {
    /// Price moves with the state unchanged: the hedge's shortfall or excess.
    pub exposure: f64,
    /// Funding accruals.
    pub funding: f64,
    /// Trade executions: the vault's part of taker and impact fees.
    pub fees: f64,
    /// Liquidations: bad debt the insurance fund could not cover.
    pub socialized: f64,
    /// Auto-deleveraging (closes at the oracle price).
    pub deleveraging: f64,
    /// Deposits, withdrawals and cancellations: share rounding, in the vault's favour.
    pub rounding: f64,
}

/// A user action (not the keeper's), as sent to the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Tokens arrive in a wallet (from outside the market).
    MintTo(Pubkey, u64),
    RequestDeposit(Pubkey, u64),
    RequestWithdraw(Pubkey, u64),
    OpenPosition(Pubkey),
    DepositMargin(Pubkey, u64),
    RequestTrade(Pubkey, i64, u128),
    ClosePosition(Pubkey),
    Stake(Pubkey, u64),
}

impl Action {
    /// The wallet that signs the action.
    pub fn owner(&self) -> Pubkey {
        match *self {
            Action::MintTo(w, _)
            | Action::RequestDeposit(w, _)
            | Action::RequestWithdraw(w, _)
            | Action::OpenPosition(w)
            | Action::DepositMargin(w, _)
            | Action::RequestTrade(w, _, _)
            | Action::ClosePosition(w)
            | Action::Stake(w, _) => w,
        }
    }
}

/// The causes [`Attribution`] separates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    Exposure,
    Funding,
    Fees,
    Socialized,
    Deleveraging,
    Rounding,
}

impl Attribution {
    pub fn add(&mut self, c: Cause, v: f64) {
        match c {
            Cause::Exposure => self.exposure += v,
            Cause::Funding => self.funding += v,
            Cause::Fees => self.fees += v,
            Cause::Socialized => self.socialized += v,
            Cause::Deleveraging => self.deleveraging += v,
            Cause::Rounding => self.rounding += v,
        }
    }

    pub fn total(&self) -> f64 {
        self.exposure + self.funding + self.fees + self.socialized + self.deleveraging + self.rounding
    }
}

impl Sim {
    /// `market_create` by `admin` at `now` with `args` (its seed stake included).
    pub fn new(
        key: Pubkey,
        admin: Pubkey,
        args: &MarketCreateArgs,
        decimals: u8,
        now: i64,
        raw: RawPrice,
    ) -> Result<Sim> {
        let accounts = MarketAccounts {
            admin,
            collateral_mint: Pubkey::default(),
            collateral_vault: Pubkey::default(),
            insurance_vault: Pubkey::default(),
            share_mint: Pubkey::default(),
            share_escrow: Pubkey::default(),
            oracle: Pubkey::default(),
        };
        let mut market = Market::new(&accounts, args, 255, decimals, false, now);
        let mut st = market.state()?;
        let shares = st.stake_insurance(args.seed_insurance).map_err(refused)?;
        market.set_state(&st);
        Ok(Sim {
            key,
            market,
            supply: 0,
            positions: BTreeMap::new(),
            requests: BTreeMap::new(),
            wallets: HashMap::new(),
            shares: HashMap::new(),
            escrow_shares: 0,
            stakes: HashMap::from([(admin, shares)]),
            keeper: admin,
            now,
            raw,
            attribution: Attribution::default(),
            share_start: None,
            log: None,
            position_keys: HashMap::new(),
            request_keys: HashMap::new(),
        })
    }

    /// Moves the clock to `now` and publishes `raw` (the chain: a new slot, the price
    /// account rewritten).
    pub fn advance(&mut self, now: i64, raw: RawPrice) {
        let before = self.share_usd();
        self.now = now;
        self.raw = raw;
        self.book(Cause::Exposure, before);
    }

    /// A whole share's USD value now: the vault's equity (the engine's `equity_at`,
    /// rounded down) per share, at the current price. `None` while no share exists.
    pub fn share_usd(&self) -> Option<f64> {
        if self.supply == 0 {
            return None;
        }
        let st = self.market.state().ok()?;
        let price = self.price().ok()?;
        let equity = hedge_engine::vault::equity_at(
            &st.vault_view(self.supply),
            price.price,
            hedge_engine::math::Rounding::Floor,
        )
        .ok()?;
        let d = self.market.decimals;
        let (tokens, shares) = (whole(equity, d), whole(self.supply.into(), share_decimals(d)));
        Some(tokens / shares * (price.price as f64 / 1e18))
    }

    /// Books the change of a share's value since `before` to `cause`.
    pub fn book(&mut self, cause: Cause, before: Option<f64>) {
        let after = self.share_usd();
        if self.share_start.is_none() {
            self.share_start = after;
        }
        if let (Some(b), Some(a)) = (before, after) {
            self.attribution.add(cause, a - b);
        }
    }

    fn record(&mut self, a: Action) {
        if let Some(log) = self.log.as_mut() {
            log.push(a);
        }
    }

    pub fn wallet(&self, owner: &Pubkey) -> u64 {
        self.wallets.get(owner).copied().unwrap_or(0)
    }

    pub fn shares_of(&self, owner: &Pubkey) -> u64 {
        self.shares.get(owner).copied().unwrap_or(0)
    }

    /// Tokens from outside the market into `owner`'s wallet.
    pub fn mint_to(&mut self, owner: &Pubkey, amount: u64) {
        self.record(Action::MintTo(*owner, amount));
        self.credit(owner, amount);
    }

    /// Tokens from the market to a wallet.
    fn credit(&mut self, owner: &Pubkey, amount: u64) {
        *self.wallets.entry(*owner).or_default() += amount;
    }

    pub fn position_key(&mut self, owner: &Pubkey) -> Pubkey {
        let market = self.key;
        *self
            .position_keys
            .entry(*owner)
            .or_insert_with(|| keys::position(&market, owner))
    }

    pub fn request_key(&mut self, owner: &Pubkey, kind: RequestKind) -> Pubkey {
        let market = self.key;
        *self
            .request_keys
            .entry((*owner, kind as u8))
            .or_insert_with(|| keys::request(&market, owner, kind))
    }

    pub fn position(&mut self, owner: &Pubkey) -> Option<&Position> {
        let k = self.position_key(owner);
        self.positions.get(&k)
    }

    pub fn has_request(&mut self, owner: &Pubkey, kind: RequestKind) -> bool {
        let k = self.request_key(owner, kind);
        self.requests.contains_key(&k)
    }

    /// The price as `Client::price` reads it (normalized, no checks).
    pub fn price(&self) -> Result<OraclePrice> {
        let price = normalize(self.raw.price.max(0).unsigned_abs(), self.raw.expo).map_err(refused)?;
        let conf = normalize(self.raw.conf, self.raw.expo).map_err(refused)?;
        Ok(OraclePrice {
            price,
            conf,
            publish_time: self.raw.publish_time,
        })
    }

    /// `oracle::read_now` then the accrual (`market_ops::refresh`).
    fn refresh(&self, st: &mut MarketState, use_: OracleUse) -> Result<OraclePrice> {
        let p = self.read_now(st, use_)?;
        st.accrue(p.price, self.now).map_err(refused)?;
        Ok(p)
    }

    /// `oracle::read_now`.
    fn read_now(&self, st: &mut MarketState, use_: OracleUse) -> Result<OraclePrice> {
        if let Some(p) = st.settlement_oracle(self.now) {
            return Ok(p);
        }
        accept_now(st, &self.raw, self.now, use_).map_err(refused)
    }

    /// `oracle::read_at_due`: the outer error fails the transaction, the inner one
    /// cancels the request.
    fn read_at_due(
        &self,
        st: &mut MarketState,
        due: i64,
        use_: OracleUse,
    ) -> Result<Result<OraclePrice, EngineError>> {
        if let Some(p) = st.settlement_oracle(self.now) {
            return Ok(Ok(p));
        }
        accept_at_due(st, &self.raw, None, due, self.now, use_).map_err(refused)
    }

    /// `requests::open` on a fresh account.
    fn open_request(&mut self, owner: &Pubkey, kind: RequestKind, due: i64) -> Result<Pubkey> {
        let key = self.request_key(owner, kind);
        if self.requests.contains_key(&key) {
            return Err(refused_named(HedgeError::RequestAlreadyPending));
        }
        let r = Request {
            market: self.key,
            owner: *owner,
            kind: kind as u8,
            bump: 0,
            version: ACCOUNT_VERSION,
            created_at: self.now,
            due_time: due,
            execution_fee: self.market.params.execution_fee_lamports,
            amount: 0,
            delta_base: 0,
            limit_price: 0,
            min_hedge_ratio: 0,
            value_at_request: 0,
            reserved: [0; 64],
        };
        self.requests.insert(key, r);
        Ok(key)
    }

    fn take_wallet(&mut self, owner: &Pubkey, amount: u64) -> Result<()> {
        let w = self.wallets.entry(*owner).or_default();
        *w = w
            .checked_sub(amount)
            .ok_or_else(|| refused_named(HedgeError::InsufficientFunds))?;
        Ok(())
    }

    /// `vault_request_deposit` (minimum hedge ratio 0).
    pub fn request_deposit(&mut self, owner: &Pubkey, amount: u64) -> Result<()> {
        if amount == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        if self.wallet(owner) < amount {
            return Err(refused_named(HedgeError::InsufficientFunds));
        }
        let mut st = self.market.state()?;
        st.request_deposit(amount).map_err(refused)?;
        let due = self.now + i64::from(st.params.execution_delay);
        let key = self.open_request(owner, RequestKind::Deposit, due)?;
        self.requests.get_mut(&key).expect("just opened").amount = amount;
        self.market.set_state(&st);
        self.record(Action::RequestDeposit(*owner, amount));
        self.take_wallet(owner, amount)
    }

    /// `vault_request_withdraw`.
    pub fn request_withdraw(&mut self, owner: &Pubkey, shares: u64) -> Result<()> {
        if shares == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        if self.shares_of(owner) < shares {
            return Err(refused_named(HedgeError::InsufficientShares));
        }
        let mut st = self.market.state()?;
        let price = self.refresh(&mut st, OracleUse::Reduce)?;
        let value = st.request_withdraw(self.supply, shares, price).map_err(refused)?;
        let due = self.now + i64::from(st.params.withdraw_delay);
        let key = self.open_request(owner, RequestKind::Withdraw, due)?;
        let r = self.requests.get_mut(&key).expect("just opened");
        r.amount = shares;
        r.value_at_request = value;
        self.market.set_state(&st);
        *self.shares.entry(*owner).or_default() -= shares;
        self.escrow_shares += shares;
        self.record(Action::RequestWithdraw(*owner, shares));
        Ok(())
    }

    /// `position_open`.
    pub fn open_position(&mut self, owner: &Pubkey) -> Result<()> {
        let key = self.position_key(owner);
        if self.positions.contains_key(&key) {
            bail!("simulated: the position account already exists");
        }
        self.market.position_count += 1;
        self.positions.insert(
            key,
            Position {
                market: self.key,
                owner: *owner,
                base: 0,
                entry_quote: 0,
                margin: 0,
                funding_basis: 0,
                bump: 0,
                version: ACCOUNT_VERSION,
                opened_at: self.now,
                pending_requests: 0,
                reserved: [0; 63],
            },
        );
        self.record(Action::OpenPosition(*owner));
        Ok(())
    }

    fn position_mut(&mut self, owner: &Pubkey) -> Result<(Pubkey, Position)> {
        let key = self.position_key(owner);
        let p = self
            .positions
            .get(&key)
            .ok_or_else(|| anyhow!("simulated: no position account"))?;
        Ok((key, p.clone()))
    }

    /// `position_deposit`.
    pub fn deposit_margin(&mut self, owner: &Pubkey, amount: u64) -> Result<()> {
        if amount == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        if self.wallet(owner) < amount {
            return Err(refused_named(HedgeError::InsufficientFunds));
        }
        let (key, mut account) = self.position_mut(owner)?;
        let mut st = self.market.state()?;
        let mut pos = account.engine();
        st.deposit_margin(&mut pos, amount).map_err(refused)?;
        self.market.set_state(&st);
        account.set_engine(&pos);
        self.positions.insert(key, account);
        self.record(Action::DepositMargin(*owner, amount));
        self.take_wallet(owner, amount)
    }

    /// `position_request_trade`.
    pub fn request_trade(&mut self, owner: &Pubkey, delta: i64, limit_price: u128) -> Result<()> {
        if delta == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        let (key, mut account) = self.position_mut(owner)?;
        let new_base = account
            .base
            .checked_add(delta)
            .ok_or_else(|| refused_named(HedgeError::MathOverflow))?;
        if !is_risk_reducing(account.base, new_base) {
            if self.market.is_settled() {
                return Err(refused_named(HedgeError::MarketSettled));
            }
            if self.market.is_paused() {
                return Err(refused_named(HedgeError::MarketPaused));
            }
            if self.market.is_reduce_only() {
                return Err(refused_named(HedgeError::MarketReduceOnly));
            }
        }
        let due = self.now + i64::from(self.market.params.execution_delay);
        let rkey = self.open_request(owner, RequestKind::Trade, due)?;
        let r = self.requests.get_mut(&rkey).expect("just opened");
        r.delta_base = delta;
        r.limit_price = limit_price;
        account.pending_requests += 1;
        self.positions.insert(key, account);
        self.record(Action::RequestTrade(*owner, delta, limit_price));
        Ok(())
    }

    /// `position_close`: the margin back to the wallet, the account closed.
    pub fn close_position(&mut self, owner: &Pubkey) -> Result<u64> {
        let (key, account) = self.position_mut(owner)?;
        if account.pending_requests != 0 {
            return Err(refused_named(HedgeError::PositionHasPendingRequests));
        }
        let mut st = self.market.state()?;
        let returned = st.close_position(&account.engine()).map_err(refused)?;
        self.market.set_state(&st);
        self.market.position_count -= 1;
        self.positions.remove(&key);
        self.credit(owner, returned);
        self.record(Action::ClosePosition(*owner));
        Ok(returned)
    }

    /// `insurance_stake`.
    pub fn stake(&mut self, owner: &Pubkey, amount: u64) -> Result<u64> {
        if amount == 0 {
            return Err(refused_named(HedgeError::ZeroAmount));
        }
        if self.wallet(owner) < amount {
            return Err(refused_named(HedgeError::InsufficientFunds));
        }
        let mut st = self.market.state()?;
        let shares = st.stake_insurance(amount).map_err(refused)?;
        self.market.set_state(&st);
        *self.stakes.entry(*owner).or_default() += shares;
        self.take_wallet(owner, amount)?;
        self.record(Action::Stake(*owner, amount));
        Ok(shares)
    }

    /// `vault_execute_deposit`.
    fn execute_deposit(&mut self, key: Pubkey, r: Request) -> Result<Vec<Vec<u8>>> {
        let mut st = self.market.state()?;
        check_executable(r.due_time, st.params.execution_window, self.now).map_err(refused)?;
        let result = match self.read_at_due(&mut st, r.due_time, OracleUse::Increase)? {
            Ok(p) => st
                .accrue(p.price, self.now)
                .and_then(|_| st.execute_deposit(self.supply, r.amount, r.min_hedge_ratio, p))
                .map(|shares| (shares, p)),
            Err(e) => Err(e),
        };
        self.requests.remove(&key);
        match result {
            Ok((shares, p)) => {
                self.market.set_state(&st);
                self.supply += shares;
                *self.shares.entry(r.owner).or_default() += shares;
                Ok(vec![VaultDeposited {
                    market: self.key,
                    owner: r.owner,
                    executor: self.keeper,
                    amount: r.amount,
                    shares,
                    price: p.price,
                    publish_time: p.publish_time,
                    collateral: st.collateral,
                }
                .data()])
            }
            Err(e) => {
                let ev = hedge_vault::requests::refused(&r, e, 0, self.keeper).map_err(|_| refused(e))?;
                st.release_deposit(r.amount).map_err(refused)?;
                self.market.set_state(&st);
                self.credit(&r.owner, r.amount);
                Ok(vec![ev.data()])
            }
        }
    }

    /// `vault_execute_withdraw` (a partial payout keeps the request, due again after
    /// the execution delay).
    fn execute_withdraw(&mut self, key: Pubkey, r: Request) -> Result<Vec<Vec<u8>>> {
        let mut st = self.market.state()?;
        check_executable(r.due_time, st.params.execution_window, self.now).map_err(refused)?;
        let result = match self.read_at_due(&mut st, r.due_time, OracleUse::Reduce)? {
            Ok(p) => st
                .accrue(p.price, self.now)
                .and_then(|_| st.execute_withdraw(self.supply, r.amount, r.value_at_request, p))
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
                st.release_withdraw(r.amount).map_err(refused)?;
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
        let mut st = self.market.state()?;
        check_executable(r.due_time, st.params.execution_window, self.now).map_err(refused)?;
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
                .accrue(p.price, self.now)
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
        Ok((self.market.clone(), self.price()?, self.now))
    }

    async fn positions(&mut self) -> Result<Vec<(Pubkey, Position)>> {
        Ok(self.positions.iter().map(|(k, p)| (*k, p.clone())).collect())
    }

    async fn requests(&mut self) -> Result<Vec<Pending>> {
        Ok(self
            .requests
            .iter()
            .map(|(k, r)| Pending {
                key: *k,
                request: r.clone(),
            })
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

    async fn cancel_request(&mut self, p: &Pending) -> Result<Sent> {
        self.booked(Cause::Rounding, |s| s.cancel(p))
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
            self.key,
            &a,
            imbalance,
            oracle.price,
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

    /// `vault_cancel_deposit`, `vault_cancel_withdraw`, `position_cancel_request`, by
    /// the keeper after the window.
    fn cancel(&mut self, p: &Pending) -> Result<Sent> {
        let r = self.pending(&p.key)?;
        let kind = r.kind()?;
        let window = self.market.params.execution_window;
        hedge_engine::requests::check_cancellable(kind, self.keeper == r.owner, r.due_time, window, self.now)
            .map_err(refused)?;
        let mut st = self.market.state()?;
        match kind {
            RequestKind::Deposit => {
                st.release_deposit(r.amount).map_err(refused)?;
                self.credit(&r.owner, r.amount);
            }
            RequestKind::Withdraw => {
                st.release_withdraw(r.amount).map_err(refused)?;
                self.escrow_shares -= r.amount;
                *self.shares.entry(r.owner).or_default() += r.amount;
            }
            _ => {
                let (pkey, mut account) = self.position_mut(&r.owner)?;
                account.pending_requests = account.pending_requests.saturating_sub(1);
                self.positions.insert(pkey, account);
            }
        }
        self.market.set_state(&st);
        self.requests.remove(&p.key);
        let ev = hedge_vault::requests::cancelled(&r, CANCELLED_AFTER_WINDOW, 0, 0, self.keeper);
        Ok(sent(vec![ev.data()]))
    }

    /// `position_liquidate` of each target, all or none (one transaction).
    fn liquidate_all(&mut self, targets: &[Pubkey]) -> Result<Sent> {
        let (market, positions, wallets) =
            (self.market.clone(), self.positions.clone(), self.wallets.clone());
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
        let x = st.deleverage(&mut pos, price).map_err(refused)?;
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
        let x = st.liquidate(&mut pos, price).map_err(refused)?;
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
