//! A market's whole economic state and every instruction's economic step, as atomic
//! methods: each either applies completely or returns an error and changes nothing.
//! The program converts its `Market` account to a [`MarketState`], calls one of these
//! and writes the state back before moving tokens; the client's keeper and the
//! backtest call the same methods, so a simulation is the program's arithmetic, not a
//! copy of it.
//!
//! Prices reach these methods already accepted (`oracle::accept_price` for instant
//! uses, `oracle::accept_price_at` for executions at a due time); token movements are
//! the caller's, from the returned outcomes.

use crate::funding::{accrue, Accrual, FundingInputs, FundingState};
use crate::liquidation::{auto_deleverage, liquidate, vault_in_breach, vault_restored, LiquidationOutcome};
use crate::math::{mul_div, to_i128, to_i64, to_u64, Rounding, SafeMath};
use crate::oracle::{OracleLimits, OraclePrice};
use crate::params::RiskParams;
use crate::position::{
    check_limit_price, execute_trade, is_liquidatable, is_risk_reducing, settle_funding, skew_charge_between,
    stress_sized_open_interest_usd, withdrawable_margin_floor, Aggregates, MarketView, Position, SkewCharge,
    TradeContext, TradeOutcome, Units,
};
use crate::vault::{
    amount_for_shares_floor, check_min_hedge_ratio, shares_for_amount_floor, shares_for_deposit_floor,
    value_of_shares_floor, withdrawal_payout, ProfitLock, VaultView, WithdrawalPayout,
};
use crate::{EngineError, EngineResult, QUOTE_PRECISION, RATIO_PRECISION};

/// What executing a vault deposit did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositExecution {
    /// Shares minted.
    pub shares: u64,
    /// The skew potential's rise, kept in `C` (the shares are for the amount less it).
    pub skew_fee: u64,
    /// The skew rebate (the shares are for the amount plus it).
    pub skew_rebate: u64,
    /// Tokens executed: the part of the deposit within the vault's hedge capacity.
    pub executed: u64,
    /// Tokens still waiting in escrow for hedge capacity (PROTOCOL section 3).
    pub waiting: u64,
}

/// Everything economic about one market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketState {
    /// Risk parameters.
    pub params: RiskParams,
    /// Oracle acceptance limits.
    pub limits: OracleLimits,
    /// The collateral mint's unit conversions.
    pub units: Units,
    /// `C`: tokens the vault holds.
    pub collateral: u64,
    /// The insurance fund, tokens.
    pub insurance: u64,
    /// Insurance shares outstanding.
    pub insurance_shares: u64,
    /// Sum of every position's margin (negative only while debt awaits liquidation).
    pub total_margin: i128,
    /// Deposits requested and not yet executed or cancelled, held in the collateral
    /// account apart from `C`.
    pub escrowed_deposits: u64,
    /// The part of `escrowed_deposits` waiting for hedge capacity (PROTOCOL section
    /// 3): while non-zero, a deposit that has not waited yet waits behind it.
    pub waiting_deposits: u64,
    /// Traders' aggregates.
    pub aggregates: Aggregates,
    /// Funding index, rate and time of the last accrual.
    pub funding: FundingState,
    /// Seconds not charged because one accrual is capped.
    pub funding_skipped_seconds: u64,
    /// Newest publish time accepted.
    pub last_publish_time: i64,
    /// Price of the newest accepted publication. precision: 1e18
    pub last_price: u128,
    /// Non-zero once settled. precision: 1e18
    pub settlement_price: u128,
    /// Deposits and risk-increasing trades are stopped.
    pub paused: bool,
    /// Set while the vault is in margin breach and not yet restored.
    pub reduce_only: bool,
    /// Shares locked by pending vault withdrawals.
    pub pending_withdraw_shares: u64,
    /// Tokens held in the collateral account for claims: payments whose destination
    /// could not take them (PROTOCOL section 6a), until their owners claim them.
    pub claimable_tokens: u64,
    /// Shares held in the share escrow for claims.
    pub claimable_shares: u64,
    /// Bad debt the insurance fund has paid, cumulative.
    pub total_insurance_covered: u64,
    /// Bad debt socialized to shareholders, cumulative.
    pub total_socialized: u64,
    /// The vault's income still locked (PROTOCOL section 3, profit unlocking).
    pub profit: ProfitLock,
}

/// A trade's execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeExecution {
    /// What the trade did.
    pub outcome: TradeOutcome,
    /// Funding settled first, tokens to the vault.
    pub funding_paid: i64,
}

/// A liquidation's execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationExecution {
    /// What the liquidation did.
    pub outcome: LiquidationOutcome,
    /// Funding settled first, tokens to the vault.
    pub funding_paid: i64,
}

/// An auto-deleveraging's execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeleverageExecution {
    /// Base closed.
    pub closed: u64,
    /// Realized gain paid from `C` to the position's margin, tokens.
    pub realized_pnl: i64,
    /// Funding settled first, tokens to the vault.
    pub funding_paid: i64,
    /// Whether the market is still reduce-only afterwards.
    pub reduce_only_after: bool,
}

impl MarketState {
    /// A market with nothing in it yet: no collateral, insurance, margin or position,
    /// funding starting at `now`.
    pub fn new(params: RiskParams, limits: OracleLimits, units: Units, now: i64) -> MarketState {
        MarketState {
            params,
            limits,
            units,
            collateral: 0,
            insurance: 0,
            insurance_shares: 0,
            total_margin: 0,
            escrowed_deposits: 0,
            waiting_deposits: 0,
            aggregates: Aggregates::default(),
            funding: FundingState {
                index: 0,
                rate: 0,
                last_time: now,
            },
            funding_skipped_seconds: 0,
            last_publish_time: 0,
            last_price: 0,
            settlement_price: 0,
            paused: false,
            reduce_only: false,
            pending_withdraw_shares: 0,
            claimable_tokens: 0,
            claimable_shares: 0,
            total_insurance_covered: 0,
            total_socialized: 0,
            profit: ProfitLock {
                locked: 0,
                last: now,
                end: now,
            },
        }
    }

    /// Whether a settlement price has been applied.
    pub fn is_settled(&self) -> bool {
        self.settlement_price != 0
    }

    /// The engine's view of the market at `oracle`.
    pub fn view(&self, oracle: OraclePrice) -> MarketView<'_> {
        MarketView {
            params: &self.params,
            units: self.units,
            oracle,
            funding_index: self.funding.index,
        }
    }

    /// The vault's view with `supply` shares outstanding.
    pub fn vault_view(&self, supply: u64) -> VaultView<'_> {
        VaultView {
            collateral: self.collateral,
            supply,
            aggregates: &self.aggregates,
            units: self.units,
            funding_index: self.funding.index,
            locked: self.profit.locked,
        }
    }

    /// The state a trade, liquidation or deleveraging is computed against.
    pub fn trade_context(&self) -> TradeContext {
        TradeContext {
            vault_collateral: self.collateral,
            aggregates: self.aggregates,
            insurance: self.insurance,
        }
    }

    /// The settlement price as an oracle reading, once settled.
    pub fn settlement_oracle(&self, now: i64) -> Option<OraclePrice> {
        self.is_settled().then_some(OraclePrice {
            price: self.settlement_price,
            conf: 0,
            publish_time: now,
        })
    }

    /// Records an accepted price: the newest publish time and its price.
    pub fn observe(&mut self, p: &OraclePrice) {
        if p.publish_time >= self.last_publish_time {
            self.last_publish_time = p.publish_time;
            self.last_price = p.price;
        }
    }

    /// Accrues funding from the last accrual to `now` at `price`, with the state as it
    /// is (PROTOCOL section 4: accrue before every change). A settled market's funding
    /// stops. Returns the accrual and the hedge imbalance it used.
    pub fn accrue(&mut self, price: u128, now: i64) -> EngineResult<(Accrual, i128)> {
        let inputs = FundingInputs::for_market(self.collateral, &self.aggregates, &self.params, price)?;
        if self.is_settled() {
            let state = FundingState {
                index: self.funding.index,
                rate: 0,
                last_time: now.max(self.funding.last_time),
            };
            self.funding = state;
            self.profit = self.profit.at(now)?;
            let a = Accrual {
                state,
                charged_seconds: 0,
                skipped_seconds: 0,
            };
            return Ok((a, inputs.imbalance));
        }
        let a = accrue(&self.funding, &inputs, now)?;
        let skipped = self
            .funding_skipped_seconds
            .add_c(a.skipped_seconds.unsigned_abs())?;
        // The vault's funding income over the accrual (traders' net long times the
        // index change, in tokens at the accrual's price), locked when positive; not
        // computed when income is not locked.
        let mut profit = self.profit.at(now)?;
        let window = self.params.profit_unlock_time;
        if window > 0 {
            let d_index = a.state.index.sub_c(self.funding.index)?;
            let income = self
                .units
                .funding_quote(self.aggregates.net_base, d_index, Rounding::Floor)
                .and_then(|q| self.units.tokens_of(q, price, Rounding::Floor))?;
            if income > 0 {
                profit = profit.add(to_u64(income.unsigned_abs())?, window)?;
            }
        }
        self.profit = profit;
        self.funding = a.state;
        self.funding_skipped_seconds = skipped;
        Ok((a, inputs.imbalance))
    }

    /// Accrues funding to `now` before a request executes at its due-time price `p`:
    /// at the newer of `p` and the newest price the market accepted
    /// (`requests::accrual_price`), so an execution long after its due time never
    /// scales funding by an old price.
    pub fn accrue_for_execution(&mut self, p: &OraclePrice, now: i64) -> EngineResult<(Accrual, i128)> {
        let price = crate::requests::accrual_price(p, self.last_price, self.last_publish_time);
        self.accrue(price, now)
    }

    /// Whether the vault is in margin breach at `oracle`.
    pub fn in_breach(&self, oracle: OraclePrice) -> EngineResult<bool> {
        vault_in_breach(&self.vault_view(0), &self.view(oracle))
    }

    /// Sets reduce-only when the vault is in breach, and lifts it once the vault is
    /// back above initial margin. Returns the flag.
    pub fn update_reduce_only(&mut self, oracle: OraclePrice) -> EngineResult<bool> {
        if self.in_breach(oracle)? {
            self.reduce_only = true;
        } else if self.reduce_only && vault_restored(&self.vault_view(0), &self.view(oracle))? {
            self.reduce_only = false;
        }
        Ok(self.reduce_only)
    }

    /// Moves `delta` tokens into `C` (negative: out of it).
    fn add_collateral(&mut self, delta: i64) -> EngineResult<()> {
        let next = i128::from(self.collateral).add_c(i128::from(delta))?;
        self.collateral = u64::try_from(next).map_err(|_| EngineError::VaultInsufficientCollateral)?;
        Ok(())
    }

    /// Settles a position's funding against its snapshot and books it.
    fn settle_into(&mut self, pos: &mut Position, oracle: OraclePrice) -> EngineResult<i64> {
        let view = MarketView {
            params: &self.params,
            units: self.units,
            oracle,
            funding_index: self.funding.index,
        };
        let mut agg = self.aggregates;
        let paid = settle_funding(pos, &mut agg, &view)?;
        self.aggregates = agg;
        self.add_collateral(paid)?;
        self.total_margin = self.total_margin.sub_c(i128::from(paid))?;
        Ok(paid)
    }

    /// Books a position change computed from `before`: the margin total moves by the
    /// position's margin change; `C` and the aggregates take their new values.
    fn book(
        &mut self,
        before: &Position,
        after: &Position,
        aggregates: &Aggregates,
        collateral: u64,
    ) -> EngineResult<()> {
        let delta = i128::from(after.margin).sub_c(i128::from(before.margin))?;
        self.total_margin = self.total_margin.add_c(delta)?;
        self.collateral = collateral;
        self.aggregates = *aggregates;
        Ok(())
    }

    /// `position_settle_funding`: settles any position's funding.
    pub fn settle_position_funding(&mut self, pos: &mut Position, oracle: OraclePrice) -> EngineResult<i64> {
        let (mut st, mut p) = (*self, *pos);
        let paid = st.settle_into(&mut p, oracle)?;
        *self = st;
        *pos = p;
        Ok(paid)
    }

    /// `position_deposit`: margin in.
    pub fn deposit_margin(&mut self, pos: &mut Position, amount: u64) -> EngineResult<()> {
        if amount == 0 {
            return Err(EngineError::ZeroAmount);
        }
        let add = to_i64(i128::from(amount))?;
        let margin = pos.margin.add_c(add)?;
        self.total_margin = self.total_margin.add_c(i128::from(amount))?;
        pos.margin = margin;
        Ok(())
    }

    /// `position_close`: an empty position returns its margin.
    pub fn close_position(&mut self, pos: &Position) -> EngineResult<u64> {
        if pos.base != 0 {
            return Err(EngineError::PositionNotEmpty);
        }
        if pos.margin < 0 {
            return Err(EngineError::PositionBankrupt);
        }
        self.total_margin = self.total_margin.sub_c(i128::from(pos.margin))?;
        Ok(pos.margin.unsigned_abs())
    }

    /// The checks that stop new risk: a settled, paused or reduce-only market, or a
    /// vault in breach before a crank has flagged it.
    fn allow_new_risk(&self, oracle: OraclePrice) -> EngineResult<()> {
        if self.is_settled() {
            return Err(EngineError::MarketSettled);
        }
        if self.paused {
            return Err(EngineError::MarketPaused);
        }
        if self.reduce_only || self.in_breach(oracle)? {
            return Err(EngineError::MarketReduceOnly);
        }
        Ok(())
    }

    /// Executes an order of `delta` base with a limit price (zero: none) at `oracle`,
    /// the price of its due time. A risk-reducing trade is never refused for pause,
    /// reduce-only, caps or the net-long rule.
    pub fn execute_trade(
        &mut self,
        pos: &mut Position,
        delta: i64,
        limit_price: u128,
        oracle: OraclePrice,
    ) -> EngineResult<TradeExecution> {
        if delta == 0 {
            return Err(EngineError::ZeroAmount);
        }
        let new_base = pos.base.checked_add(delta).ok_or(EngineError::MathOverflow)?;
        if !is_risk_reducing(pos.base, new_base) {
            self.allow_new_risk(oracle)?;
        }
        let (mut st, mut p) = (*self, *pos);
        let funding_paid = st.settle_into(&mut p, oracle)?;
        let outcome = execute_trade(&p, &st.trade_context(), delta, &st.view(oracle))?;
        check_limit_price(delta, outcome.fill_price, limit_price)?;
        st.book(
            &p,
            &outcome.position,
            &outcome.aggregates,
            outcome.vault_collateral,
        )?;
        st.insurance = st.insurance.add_c(outcome.insurance_fee)?;
        let vault_fee = outcome.fee.sub_c(outcome.insurance_fee)?;
        st.profit = st.profit.add(vault_fee, st.params.profit_unlock_time)?;
        *self = st;
        *pos = outcome.position;
        Ok(TradeExecution {
            outcome,
            funding_paid,
        })
    }

    /// The largest margin withdrawal at `oracle`, after settling funding (on a copy).
    pub fn withdrawable_margin(&self, pos: &Position, oracle: OraclePrice) -> EngineResult<u64> {
        let (mut st, mut p) = (*self, *pos);
        st.settle_into(&mut p, oracle)?;
        withdrawable_margin_floor(&p, &st.view(oracle))
    }

    /// Executes a margin withdrawal of `amount` at `oracle`: at most
    /// `min(margin, equity - IM)`. Returns the funding settled first.
    pub fn withdraw_margin(
        &mut self,
        pos: &mut Position,
        amount: u64,
        oracle: OraclePrice,
    ) -> EngineResult<i64> {
        if amount == 0 {
            return Err(EngineError::ZeroAmount);
        }
        let (mut st, mut p) = (*self, *pos);
        let funding_paid = st.settle_into(&mut p, oracle)?;
        if amount > withdrawable_margin_floor(&p, &st.view(oracle))? {
            return Err(EngineError::WithdrawExceedsFreeMargin);
        }
        p.margin = p.margin.sub_c(to_i64(i128::from(amount))?)?;
        st.total_margin = st.total_margin.sub_c(i128::from(amount))?;
        *self = st;
        *pos = p;
        Ok(funding_paid)
    }

    /// Liquidates a position below maintenance at `oracle` (acting at once), if it is
    /// also below maintenance at `confirm`, the unique price of
    /// `liquidation_confirmation` seconds earlier (a legacy market: `oracle` itself).
    pub fn liquidate(
        &mut self,
        pos: &mut Position,
        confirm: OraclePrice,
        oracle: OraclePrice,
    ) -> EngineResult<LiquidationExecution> {
        if pos.base == 0 {
            return Err(EngineError::PositionEmpty);
        }
        let (mut st, mut p) = (*self, *pos);
        let funding_paid = st.settle_into(&mut p, oracle)?;
        // `PositionHealthy` when not liquidatable at the price.
        let outcome = liquidate(&p, &st.trade_context(), st.insurance, &st.view(oracle))?;
        // Confirmed: liquidatable at the confirmation price too, its funding settled as
        // above. A legacy account confirms itself (the same price): nothing to check.
        if confirm != oracle && !is_liquidatable(&p, &st.view(confirm))? {
            return Err(EngineError::LiquidationNotConfirmed);
        }
        st.book(
            &p,
            &outcome.position,
            &outcome.aggregates,
            outcome.vault_collateral,
        )?;
        st.insurance = outcome.insurance;
        st.total_insurance_covered = st.total_insurance_covered.add_c(outcome.insurance_covered)?;
        st.total_socialized = st.total_socialized.add_c(outcome.socialized)?;
        *self = st;
        *pos = outcome.position;
        Ok(LiquidationExecution {
            outcome,
            funding_paid,
        })
    }

    /// Auto-deleverages a position while the vault is in breach (or flagged and not
    /// yet restored) at `oracle`, the breach confirmed at `confirm` as a liquidation is.
    pub fn deleverage(
        &mut self,
        pos: &mut Position,
        confirm: OraclePrice,
        oracle: OraclePrice,
    ) -> EngineResult<DeleverageExecution> {
        if pos.base == 0 {
            return Err(EngineError::PositionEmpty);
        }
        let (mut st, mut p) = (*self, *pos);
        if !st.update_reduce_only(oracle)? {
            return Err(EngineError::VaultNotInBreach);
        }
        let mut at_confirm = *self;
        if confirm != oracle && !at_confirm.update_reduce_only(confirm)? {
            return Err(EngineError::LiquidationNotConfirmed);
        }
        let funding_paid = st.settle_into(&mut p, oracle)?;
        let closed = p.base.unsigned_abs();
        let (next, agg, collateral, realized) = auto_deleverage(&p, &st.trade_context(), &st.view(oracle))?;
        st.book(&p, &next, &agg, collateral)?;
        let reduce_only_after = st.update_reduce_only(oracle)?;
        *self = st;
        *pos = next;
        Ok(DeleverageExecution {
            closed,
            realized_pnl: realized,
            funding_paid,
            reduce_only_after,
        })
    }

    /// `vault_request_deposit`: `amount` enters the escrow.
    pub fn request_deposit(&mut self, amount: u64) -> EngineResult<()> {
        if amount == 0 {
            return Err(EngineError::ZeroAmount);
        }
        self.check_accepting_deposits()?;
        self.escrowed_deposits = self.escrowed_deposits.add_c(amount)?;
        Ok(())
    }

    /// Deposits are requested and executed only on a live, unpaused market.
    fn check_accepting_deposits(&self) -> EngineResult<()> {
        if self.is_settled() {
            return Err(EngineError::MarketSettled);
        }
        if self.paused {
            return Err(EngineError::MarketPaused);
        }
        Ok(())
    }

    /// A deposit request leaves the escrow without executing (cancelled or refunded);
    /// `waited`: it was waiting for hedge capacity, and leaves the queue too.
    pub fn release_deposit(&mut self, amount: u64, waited: bool) -> EngineResult<()> {
        if waited {
            self.waiting_deposits = self.waiting_deposits.sub_c(amount)?;
        }
        self.escrowed_deposits = self.escrowed_deposits.sub_c(amount)?;
        Ok(())
    }

    /// Executes a deposit of `amount` at `oracle`: returns the shares to mint, at the
    /// band edge that gives the depositor fewer, after checking the depositor's
    /// minimum hedge ratio. The escrowed tokens become `C`.
    pub fn execute_deposit(
        &mut self,
        supply: u64,
        amount: u64,
        min_hedge_ratio: u32,
        oracle: OraclePrice,
    ) -> EngineResult<DepositExecution> {
        self.check_accepting_deposits()?;
        let collateral = self.collateral.add_c(amount)?;
        let charge = self.skew_change(collateral)?;
        // Shares for the amount less the potential's rise (kept in `C`, income), or
        // plus its rebate (from `C`, at most what it holds).
        let rebate = charge.rebate.min(self.collateral);
        let priced = amount
            .checked_sub(charge.fee)
            .ok_or(EngineError::DepositTooSmall)?
            .add_c(rebate)?;
        let shares = shares_for_deposit_floor(&self.vault_view(supply), &oracle, priced)?;
        check_min_hedge_ratio(collateral, &self.aggregates, &self.params, min_hedge_ratio)?;
        let escrow = self.escrowed_deposits.sub_c(amount)?;
        let profit = self.profit.add(charge.fee, self.params.profit_unlock_time)?;
        // Nothing changes before every check has passed.
        self.collateral = collateral;
        self.escrowed_deposits = escrow;
        self.profit = profit;
        Ok(DepositExecution {
            shares,
            skew_fee: charge.fee,
            skew_rebate: rebate,
            executed: amount,
            waiting: 0,
        })
    }

    /// The largest `C` the vault can have hedged at `oracle` (PROTOCOL section 3,
    /// hedge capacity): traders' longs may reach the smaller of the configured
    /// open-interest cap and the stress-sized cap the insurance fund covers, and the
    /// hedge target `h * C` must fit in it.
    pub fn hedgeable_collateral(&self, oracle: &OraclePrice) -> EngineResult<u64> {
        let stress = stress_sized_open_interest_usd(self.insurance, self.units, oracle.price, &self.params)?;
        let configured = u128::from(self.params.max_open_interest_usd);
        let usd = stress.map_or(configured, |s| s.min(configured));
        let quote = to_i128(usd.mul_c(QUOTE_PRECISION)?)?;
        let longs = self
            .units
            .tokens_of(quote, oracle.price, Rounding::Floor)?
            .unsigned_abs();
        let c = mul_div(
            longs,
            u128::from(RATIO_PRECISION),
            u128::from(self.params.hedge_ratio),
            Rounding::Floor,
        )?;
        Ok(u64::try_from(c).unwrap_or(u64::MAX))
    }

    /// Executes a deposit in its turn (PROTOCOL section 3, hedge capacity): the part of
    /// `amount` that keeps `C` within [`MarketState::hedgeable_collateral`] executes as
    /// [`MarketState::execute_deposit`] does; the rest waits in escrow and joins the
    /// queue (`waiting_deposits`). A deposit that has not `waited` waits whole while
    /// others wait; one that waited leaves the queue, executed or waiting again.
    /// Refusals (paused, settled, the minimum hedge ratio, too small) are those of
    /// the part that executes, and change nothing; a part too small to mint a share
    /// waits instead.
    pub fn execute_deposit_in_turn(
        &mut self,
        supply: u64,
        amount: u64,
        min_hedge_ratio: u32,
        oracle: OraclePrice,
        waited: bool,
    ) -> EngineResult<DepositExecution> {
        self.check_accepting_deposits()?;
        let in_turn = waited || self.waiting_deposits == 0;
        let fit = if in_turn {
            amount.min(
                self.hedgeable_collateral(&oracle)?
                    .saturating_sub(self.collateral),
            )
        } else {
            0
        };
        let mut x = DepositExecution {
            shares: 0,
            skew_fee: 0,
            skew_rebate: 0,
            executed: 0,
            waiting: amount,
        };
        if fit > 0 {
            match self.execute_deposit(supply, fit, min_hedge_ratio, oracle) {
                Err(EngineError::DepositTooSmall) if fit < amount => {}
                Err(e) => return Err(e),
                Ok(done) => {
                    x = DepositExecution {
                        waiting: amount.sub_c(fit)?,
                        ..done
                    }
                }
            }
        }
        // The queue: what waited leaves it, what waits now joins it.
        let mut queue = self.waiting_deposits;
        if waited {
            queue = queue.sub_c(amount)?;
        }
        self.waiting_deposits = queue.add_c(x.waiting)?;
        Ok(x)
    }

    /// The skew potential's change if `C` became `collateral` with `N` unchanged (a
    /// vault deposit or withdrawal, PROTOCOL section 3); nothing on a one-way market
    /// (`skew_rebate_share = 0`, revision 3).
    pub fn skew_change(&self, collateral: u64) -> EngineResult<SkewCharge> {
        if !self.params.skew_is_two_way() {
            return Ok(SkewCharge::default());
        }
        let n = self.aggregates.net_base;
        skew_charge_between(n, self.collateral, n, collateral, &self.params)
    }

    /// `vault_request_withdraw`: locks `shares` and returns their value now, at the
    /// band edge least favourable to the withdrawer.
    pub fn request_withdraw(&mut self, supply: u64, shares: u64, oracle: OraclePrice) -> EngineResult<u64> {
        let value = value_of_shares_floor(&self.vault_view(supply), &oracle, shares)?;
        if value == 0 {
            return Err(EngineError::WithdrawalTooSmall);
        }
        self.pending_withdraw_shares = self.pending_withdraw_shares.add_c(shares)?;
        Ok(value)
    }

    /// A pending withdrawal's shares go back to their owner.
    pub fn release_withdraw(&mut self, shares: u64) -> EngineResult<()> {
        self.pending_withdraw_shares = self.pending_withdraw_shares.sub_c(shares)?;
        Ok(())
    }

    /// Executes a withdrawal of `shares` at `oracle` (PROTOCOL section 3): what fits
    /// the limit is paid, the rest stays queued.
    pub fn execute_withdraw(
        &mut self,
        supply: u64,
        shares: u64,
        value_at_request: u64,
        oracle: OraclePrice,
    ) -> EngineResult<WithdrawalPayout> {
        let mut payout = withdrawal_payout(
            &self.vault_view(supply),
            &oracle,
            &self.params,
            shares,
            value_at_request,
        )?;
        // The potential's change of the gross payment: its rise stays in `C` (income),
        // its rebate is paid on top, within what can leave now.
        let gross = payout.paid;
        let charge = self.skew_change(self.collateral.sub_c(gross)?)?;
        payout.skew_fee = charge.fee.min(gross);
        payout.skew_rebate = charge.rebate.min(payout.largest_now.saturating_sub(gross));
        payout.paid = gross.sub_c(payout.skew_fee)?.add_c(payout.skew_rebate)?;
        self.profit = self.profit.add(payout.skew_fee, self.params.profit_unlock_time)?;
        let collateral = self.collateral.sub_c(payout.paid)?;
        let pending = self.pending_withdraw_shares.sub_c(payout.shares_burned)?;
        self.collateral = collateral;
        self.pending_withdraw_shares = pending;
        Ok(payout)
    }

    /// `insurance_deposit`: a donation.
    pub fn donate_insurance(&mut self, amount: u64) -> EngineResult<()> {
        if amount == 0 {
            return Err(EngineError::ZeroAmount);
        }
        self.insurance = self.insurance.add_c(amount)?;
        Ok(())
    }

    /// `insurance_stake`: returns the insurance shares for `amount`.
    pub fn stake_insurance(&mut self, amount: u64) -> EngineResult<u64> {
        if amount == 0 {
            return Err(EngineError::ZeroAmount);
        }
        let shares = shares_for_amount_floor(amount, self.insurance_shares, u128::from(self.insurance))?;
        if shares == 0 {
            return Err(EngineError::DepositTooSmall);
        }
        let insurance = self.insurance.add_c(amount)?;
        let supply = self.insurance_shares.add_c(shares)?;
        self.insurance = insurance;
        self.insurance_shares = supply;
        Ok(shares)
    }

    /// The value of `shares` insurance shares now.
    pub fn insurance_value(&self, shares: u64) -> EngineResult<u64> {
        amount_for_shares_floor(shares, self.insurance_shares, u128::from(self.insurance))
    }

    /// A payment whose destination cannot take it is held for its owner's claim
    /// (PROTOCOL section 6a): `tokens` stay in (or move to) the collateral account,
    /// `shares` in the share escrow.
    pub fn hold_for_claim(&mut self, tokens: u64, shares: u64) -> EngineResult<()> {
        let t = self.claimable_tokens.add_c(tokens)?;
        let s = self.claimable_shares.add_c(shares)?;
        self.claimable_tokens = t;
        self.claimable_shares = s;
        Ok(())
    }

    /// A claim is paid out: `tokens` leave the collateral account, `shares` the share
    /// escrow.
    pub fn pay_claim(&mut self, tokens: u64, shares: u64) -> EngineResult<()> {
        let t = self.claimable_tokens.sub_c(tokens)?;
        let s = self.claimable_shares.sub_c(shares)?;
        self.claimable_tokens = t;
        self.claimable_shares = s;
        Ok(())
    }

    /// Executes an unstake: pays `min(value at request, value now)` and retires the
    /// shares.
    pub fn execute_unstake(&mut self, shares: u64, value_at_request: u64) -> EngineResult<u64> {
        let paid = self
            .insurance_value(shares)?
            .min(value_at_request)
            .min(self.insurance);
        let insurance = self.insurance.sub_c(paid)?;
        let supply = self.insurance_shares.sub_c(shares)?;
        self.insurance = insurance;
        self.insurance_shares = supply;
        Ok(paid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PRICE_PRECISION;

    const ONE: u64 = 1_000_000_000;

    fn state() -> MarketState {
        let limits = OracleLimits::default_for_tests();
        MarketState {
            collateral: 100 * ONE,
            insurance: 50 * ONE,
            insurance_shares: 50_000 * ONE,
            ..MarketState::new(
                RiskParams::default_for_tests(),
                limits,
                Units { scale: 1_000_000_000 },
                0,
            )
        }
    }

    fn at(usd: u128) -> OraclePrice {
        OraclePrice {
            price: usd * PRICE_PRECISION,
            conf: 0,
            publish_time: 0,
        }
    }

    /// A refused step changes nothing; a paused market still lets a trader reduce.
    #[test]
    fn refusals_change_nothing_and_exits_pass_a_pause() {
        let mut st = state();
        let mut pos = Position::default();
        st.deposit_margin(&mut pos, ONE).unwrap();
        st.execute_trade(&mut pos, 5 * ONE as i64, 0, at(100)).unwrap();
        let (before, pos_before) = (st, pos);
        // A limit the fill cannot meet: refused, nothing moved.
        assert_eq!(
            st.execute_trade(&mut pos, ONE as i64, 99 * PRICE_PRECISION, at(100)),
            Err(EngineError::SlippageExceeded)
        );
        assert_eq!((st, pos), (before, pos_before));
        st.paused = true;
        assert_eq!(
            st.execute_trade(&mut pos, ONE as i64, 0, at(100)),
            Err(EngineError::MarketPaused)
        );
        assert_eq!(
            (st, pos),
            (
                MarketState {
                    paused: true,
                    ..before
                },
                pos_before
            )
        );
        // Reducing is an exit: allowed while paused.
        st.execute_trade(&mut pos, -(ONE as i64), 0, at(100)).unwrap();
        assert_eq!(pos.base, 4 * ONE as i64);
        st.reduce_only = true;
        st.execute_trade(&mut pos, -(ONE as i64), 0, at(100)).unwrap();
        st.settlement_price = 100 * PRICE_PRECISION;
        assert_eq!(st.request_deposit(ONE), Err(EngineError::MarketSettled));
    }

    /// A 9x long at 100 is below maintenance at 94: liquidated only if it is also
    /// below maintenance at the confirmation price (a wick that is over is not).
    #[test]
    fn a_liquidation_needs_its_confirmation_price_too() {
        let mut st = state();
        let mut pos = Position::default();
        st.deposit_margin(&mut pos, ONE).unwrap();
        st.execute_trade(&mut pos, 9 * ONE as i64, 0, at(100)).unwrap();
        let (before, pos_before) = (st, pos);
        assert_eq!(
            st.liquidate(&mut pos, at(94), at(100)),
            Err(EngineError::PositionHealthy)
        );
        assert_eq!(
            st.liquidate(&mut pos, at(100), at(94)),
            Err(EngineError::LiquidationNotConfirmed)
        );
        assert_eq!((st, pos), (before, pos_before));
        let x = st.liquidate(&mut pos, at(93), at(94)).unwrap();
        assert!(x.outcome.closed > 0);
    }

    /// Claims are booked apart from everything else and paid out exactly once.
    #[test]
    fn claims_are_held_and_paid_out() {
        let mut st = state();
        st.hold_for_claim(5, 7).unwrap();
        assert_eq!((st.claimable_tokens, st.claimable_shares), (5, 7));
        assert_eq!(st.pay_claim(6, 0), Err(EngineError::MathOverflow));
        st.pay_claim(5, 7).unwrap();
        assert_eq!((st.claimable_tokens, st.claimable_shares), (0, 0));
    }

    /// Escrow, execution and release of a deposit keep the ledger whole.
    #[test]
    fn deposits_move_from_escrow_to_collateral() {
        let mut st = MarketState {
            collateral: 0,
            ..state()
        };
        st.request_deposit(10 * ONE).unwrap();
        assert_eq!(st.escrowed_deposits, 10 * ONE);
        let shares = st.execute_deposit(0, 10 * ONE, 0, at(100)).unwrap().shares;
        assert_eq!(shares, 10_000 * ONE);
        assert_eq!((st.escrowed_deposits, st.collateral), (0, 10 * ONE));
        st.request_deposit(ONE).unwrap();
        // Nobody trades: a 1% minimum hedge ratio fails and nothing moves.
        let before = st;
        assert_eq!(
            st.execute_deposit(shares, ONE, 10_000, at(100)),
            Err(EngineError::HedgeRatioBelowMinimum)
        );
        assert_eq!(st, before);
        st.release_deposit(ONE, false).unwrap();
        assert_eq!(st.escrowed_deposits, 0);
    }

    /// Worked example of profit unlocking: 10 tokens locked for 100 s; at 40 s, 6 are
    /// still locked; 6 more then arrive, and the end re-averages to
    /// 40 + (6 * 60 + 6 * 100) / 12 = 120 s.
    #[test]
    fn profit_unlocks_linearly_and_new_income_re_averages_the_end() {
        let l = ProfitLock::default().add(10, 100).unwrap();
        assert_eq!((l.locked, l.end), (10, 100));
        let l = l.at(40).unwrap();
        assert_eq!(l.locked, 6);
        let l = l.add(6, 100).unwrap();
        assert_eq!((l.locked, l.last, l.end), (12, 40, 120));
        assert_eq!(l.at(80).unwrap().locked, 6);
        assert_eq!(l.at(120).unwrap().locked, 0);
        assert_eq!(ProfitLock::default().add(10, 0).unwrap().locked, 0);
    }

    /// The deposit-before-income trade (PROTOCOL section 3, profit unlocking): deposit,
    /// a lump of fee income arrives, withdraw at once. Without unlocking it takes a
    /// share of the lump; with a one-day unlock it takes only what the lump unlocked
    /// while it held (one second of a day).
    fn deposit_before_income(unlock: u32) -> (u64, u64) {
        let mut st = state();
        st.params.profit_unlock_time = unlock;
        st.params.taker_fee_ratio = 10_000; // 1%: a visible lump
        st.insurance = 10_000 * ONE;
        st.collateral = 0;
        st.request_deposit(100 * ONE).unwrap();
        let holder = st.execute_deposit(0, 100 * ONE, 0, at(100)).unwrap().shares;
        // The attacker deposits as much as the holder.
        st.request_deposit(100 * ONE).unwrap();
        let mine = st.execute_deposit(holder, 100 * ONE, 0, at(100)).unwrap().shares;
        let supply = holder + mine;
        // A trader opens and closes 150 tokens at 100: 3 tokens of taker fee.
        st.accrue(100 * PRICE_PRECISION, 10).unwrap();
        let mut pos = Position::default();
        st.deposit_margin(&mut pos, 50 * ONE).unwrap();
        st.execute_trade(&mut pos, 150 * ONE as i64, 0, at(100)).unwrap();
        st.execute_trade(&mut pos, -150 * ONE as i64, 0, at(100)).unwrap();
        st.accrue(100 * PRICE_PRECISION, 11).unwrap();
        let value = st.request_withdraw(supply, mine, at(100)).unwrap();
        (value, 100 * ONE)
    }

    #[test]
    fn depositing_just_before_income_gains_nothing_once_income_unlocks() {
        let (value, paid_in) = deposit_before_income(0);
        assert!(
            value > paid_in + ONE,
            "{value} vs {paid_in}: the lump is shared at once"
        );
        // One second after the lump, only 1/86,400 of it has reached the price: the
        // attacker's half of that, a second's income, is all he takes.
        let (value, paid_in) = deposit_before_income(86_400);
        assert!(value <= paid_in + 3 * ONE / 86_400 / 2, "{value} > {paid_in}");
    }

    /// PROTOCOL section 3, hedge capacity: a fund of 4 tokens at 100 USD covers 1,000
    /// USD of longs on a 50% gap at 10% margin, so at most 10 tokens can be hedged.
    #[test]
    fn a_deposit_beyond_hedge_capacity_waits_and_executes_as_capacity_appears() {
        let mut st = state();
        st.collateral = 0;
        st.insurance = 4 * ONE;
        assert_eq!(st.hedgeable_collateral(&at(100)).unwrap(), 10 * ONE);
        // The fund is in the same token: the capacity in tokens does not move with
        // the price (only the configured USD cap would bind differently).
        assert_eq!(st.hedgeable_collateral(&at(200)).unwrap(), 10 * ONE);
        st.request_deposit(15 * ONE).unwrap();
        let x = st
            .execute_deposit_in_turn(0, 15 * ONE, 0, at(100), false)
            .unwrap();
        assert_eq!(
            (x.executed, x.waiting, x.shares),
            (10 * ONE, 5 * ONE, 10_000 * ONE)
        );
        assert_eq!((st.collateral, st.escrowed_deposits), (10 * ONE, 5 * ONE));
        assert_eq!(st.waiting_deposits, 5 * ONE);
        // A deposit not in its turn (another waits) waits whole, and the waiting rest
        // waits while no capacity appears; neither changes anything but the queue.
        st.request_deposit(ONE).unwrap();
        let before = st;
        let y = st
            .execute_deposit_in_turn(10_000 * ONE, ONE, 0, at(100), false)
            .unwrap();
        assert_eq!((y.executed, y.waiting, y.shares), (0, ONE, 0));
        let z = st
            .execute_deposit_in_turn(10_000 * ONE, 5 * ONE, 0, at(100), true)
            .unwrap();
        assert_eq!((z.executed, z.waiting), (0, 5 * ONE));
        assert_eq!(
            st,
            MarketState {
                waiting_deposits: 6 * ONE,
                ..before
            }
        );
        // The insurance fund grows to 6 tokens: 15 can be hedged, the rest executes.
        st.insurance = 6 * ONE;
        let z = st
            .execute_deposit_in_turn(10_000 * ONE, 5 * ONE, 0, at(100), true)
            .unwrap();
        assert_eq!((z.executed, z.waiting, z.shares), (5 * ONE, 0, 5_000 * ONE));
        assert_eq!((st.collateral, st.escrowed_deposits), (15 * ONE, ONE));
        assert_eq!(st.waiting_deposits, ONE);
        // Refusals are the executing part's: a paused market refunds.
        st.paused = true;
        assert_eq!(
            st.execute_deposit_in_turn(15_000 * ONE, ONE, 0, at(100), true),
            Err(EngineError::MarketPaused)
        );
    }

    /// Deposits and withdrawals on a two-way market pay the potential's rise and are
    /// paid a share of its fall (PROTOCOL section 3, revision 4).
    #[test]
    fn deposits_and_withdrawals_are_priced_on_the_skew_potential() {
        let mut st = state();
        st.params.skew_rebate_share = 1_000_000;
        st.params.impact_fee_ratio = 10_000;
        st.params.skew_scale = 100 * ONE;
        st.collateral = 0;
        st.request_deposit(100 * ONE).unwrap();
        // Nobody is long: the first deposit opens a skew of -100 (Phi = 1 token).
        let x = st.execute_deposit(0, 100 * ONE, 0, at(100)).unwrap();
        assert_eq!((x.shares, x.skew_fee, x.skew_rebate), (99_000 * ONE, ONE, 0));
        assert_eq!(st.profit.locked, 0, "no unlock window: at once");
        // Longs of 150 make it over-hedged (x = +50): a deposit of 50 closes the gap
        // and is paid the whole fall of 0.25 token.
        st.aggregates.net_base = 150 * ONE as i128;
        st.aggregates.long_base = 150 * ONE as u128;
        let charge = st.skew_change(150 * ONE).unwrap();
        assert_eq!((charge.fee, charge.rebate), (0, ONE / 4));
        let charge = st.skew_change(50 * ONE).unwrap();
        // Withdrawing 50 doubles x to +100: Phi from 0.25 to 1 token, a rise of 0.75.
        assert_eq!((charge.fee, charge.rebate), (3 * ONE / 4, 0));
    }
}
