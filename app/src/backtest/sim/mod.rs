//! The market at engine level: the program's accounts (`Market`, `Position`,
//! `Request`) held in memory and changed by the same engine calls, in the same
//! order, as the program's handlers (each function below names the handler it
//! mirrors); the token and share movements the handlers make by CPI are ledger
//! entries. It is a keeper [`Venue`], so the backtest's keeper is `keeper::run`
//! itself, and its actions return the program's events. A test replays a backtest's
//! first steps through the real program and asserts the same accounts, unit for unit
//! (`app/tests/backtest.rs`).
//!
//! `users` holds the users' instructions (requests, margin, positions, stakes);
//! `venue` the keeper's (executions, cancellations, funding, liquidations) and the
//! [`Venue`] implementation.

mod users;
mod venue;

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
    VaultWithdrawn,
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
        ..Default::default()
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
    /// Funding accruals, with the vault's income unlocking at them (taker fees,
    /// funding, and the skew ledger's surplus released into `C`).
    pub funding: f64,
    /// Trade executions: the vault's part of taker fees (revision 5: the skew
    /// potential's payments go to and from the skew ledger, never `C`).
    pub fees: f64,
    /// Liquidations: bad debt the insurance fund could not cover.
    pub socialized: f64,
    /// Auto-deleveraging (closes at the oracle price).
    pub deleveraging: f64,
    /// Deposits, withdrawals and cancellations: share rounding in the vault's favour,
    /// and the locked income a deposit pays for (revision 5: deposits are priced with
    /// it, withdrawals without); the skew potential's payments on them go to and from
    /// the skew ledger.
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
    /// rounded down) per share, at the current price, the income still locked
    /// included (so that the attribution by cause adds up to it). `None` while no
    /// share exists.
    pub fn share_usd(&self) -> Option<f64> {
        self.share_value_usd(false)
    }

    /// What a share can be withdrawn for now, in USD: as [`Sim::share_usd`], without
    /// the income still locked (PROTOCOL section 3, profit unlocking: a withdrawal is
    /// priced without it). The hedge's effectiveness is measured on this.
    pub fn share_redeemable_usd(&self) -> Option<f64> {
        self.share_value_usd(true)
    }

    /// The vault's equity at the current price (rounded down; `without_locked`: the
    /// income still locked left out, as `equity_band` does while equity covers it),
    /// and that price. `None` while no share exists.
    fn share_equity(&self, without_locked: bool) -> Option<(i128, u128)> {
        if self.supply == 0 {
            return None;
        }
        let st = self.market.state().ok()?;
        let price = self.price().ok()?;
        let mut equity = hedge_engine::vault::equity_at(
            &st.vault_view(self.supply),
            price.price,
            hedge_engine::math::Rounding::Floor,
        )
        .ok()?;
        if without_locked {
            let locked = i128::from(st.profit.at(self.now).ok()?.locked);
            if locked < equity {
                equity -= locked;
            }
        }
        Some((equity, price.price))
    }

    /// Native token units per native share unit, as [`Sim::share_equity`] values it.
    pub fn share_value_native(&self, without_locked: bool) -> Option<f64> {
        let (equity, _) = self.share_equity(without_locked)?;
        Some(equity as f64 / self.supply as f64)
    }

    fn share_value_usd(&self, without_locked: bool) -> Option<f64> {
        let (equity, price) = self.share_equity(without_locked)?;
        let d = self.market.decimals;
        let (tokens, shares) = (whole(equity, d), whole(self.supply.into(), share_decimals(d)));
        Some(tokens / shares * (price as f64 / 1e18))
    }

    /// The vault's net exposure `(C - N) / equity`, in tokens over tokens: 0 hedged,
    /// 1 the unhedged token. `None` while no share exists.
    pub fn net_exposure(&self) -> Option<f64> {
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
        if equity <= 0 {
            return None;
        }
        let net = st.collateral as f64 - st.aggregates.net_base as f64;
        Some(net / equity as f64)
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
}
