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

use crate::funding::{
    accrue, accrue_with_waiting, Accrual, FundingInputs, FundingState, WaitingBid, WaitingDemand,
};
use crate::liquidation::{
    auto_deleverage, liquidate_settled, vault_in_breach, vault_restored, LiquidationOutcome,
};
use crate::math::{mul_div, to_i128, to_i64, to_u64, Rounding, SafeMath};
use crate::oracle::{OracleLimits, OraclePrice};
use crate::params::RiskParams;
use crate::position::{
    check_limit_price, execute_trade, hedge_base, is_risk_reducing, settle_funding, stress_loss_ratio,
    stress_sized_open_interest_usd, withdrawable_margin_floor, Aggregates, MarketView, Position,
    TradeContext, TradeOutcome, Units,
};
use crate::skew::{settle, SkewCause, SkewLedger, SkewPoint, SkewSettlement};
use crate::vault::{
    amount_for_shares_floor, check_min_hedge_ratio, deposit_equity_ceil, shares_for_amount_floor,
    shares_for_deposit_floor, value_of_shares_floor, withdrawal_payout, ProfitLock, VaultView,
    WithdrawalPayout,
};
use crate::{EngineError, EngineResult, QUOTE_PRECISION, RATIO_PRECISION};

/// What executing a vault deposit did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositExecution {
    /// Shares minted.
    pub shares: u64,
    /// The skew potential's rise, paid into the skew ledger out of the amount (the
    /// shares are for the amount less it).
    pub skew_fee: u64,
    /// The skew rebate out of the skew ledger, joining `C` with the amount (the shares
    /// are for the amount plus it).
    pub skew_rebate: u64,
    /// Tokens executed: the part of the deposit within the vault's hedge capacity.
    pub executed: u64,
    /// Tokens still waiting in escrow for hedge capacity (PROTOCOL section 3).
    pub waiting: u64,
    /// Revision 6: shares minted into the share escrow for the equity the vault held
    /// before its first share, owned by nobody.
    pub dead_shares: u64,
    /// Revision 6: tokens the request paid for its wait since its escrow last changed
    /// (already in `C`; `executed + waiting + wait_charge` is what it held).
    pub wait_charge: u64,
}

/// Refuses a skew charge net of its rebate, `fee - rebate`, above `ratio` of `amount`
/// (compared exactly, cross-multiplied): a negative `ratio` asks for at least that
/// rebate, `RATIO_PRECISION` or more is no bound (PROTOCOL section 4 item 4).
pub fn check_skew_fee_limit(fee: u64, rebate: u64, amount: u64, ratio: i32) -> EngineResult<()> {
    if i128::from(ratio) >= i128::from(RATIO_PRECISION) {
        return Ok(());
    }
    let net = i128::from(fee)
        .sub_c(i128::from(rebate))?
        .mul_c(i128::from(RATIO_PRECISION))?;
    if net > i128::from(amount).mul_c(i128::from(ratio))? {
        return Err(EngineError::SkewFeeAboveLimit);
    }
    Ok(())
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
    /// Revision 6: shares minted with the first ones for the equity the vault held
    /// before any share existed, owned by nobody, held in the share escrow for ever.
    pub dead_shares: u64,
    /// Revision 6: the pending withdrawals' value at request, tokens (out of the hedge
    /// base while they wait).
    pub withdrawals_in_escrow: u64,
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
    /// The skew ledger (PROTOCOL section 4, revision 5): `K`, held in the collateral
    /// account apart from `C`, and the unfunded rises.
    pub skew: SkewLedger,
    /// The insurance fund's income still locked (PROTOCOL section 5, revision 5),
    /// part of `insurance`.
    pub insurance_profit: ProfitLock,
    /// Revision 6: the holders' own funding rate and what the deposits in escrow
    /// pay for the rate their demand moves (PROTOCOL section 4).
    pub waiting_bid: WaitingBid,
}

/// What executing an insurance unstake did (PROTOCOL section 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnstakePayout {
    /// Value of the shares now, on the fund without its locked income, tokens.
    pub value_now: u64,
    /// `min(value at request, value now)`, tokens.
    pub owed: u64,
    /// Paid now: `owed`, or what leaves the fund covering the open interest.
    pub paid: u64,
    /// Shares retired for `paid`: all of them, or the part `paid` pays for, rounded up.
    pub shares_burned: u64,
    /// Value at request of the shares that stay queued, rounded down.
    pub remaining_value_at_request: u64,
    /// The most that could leave the fund now.
    pub largest_now: u64,
}

/// A trade's execution.
/// A position's funding settlement: what it paid into `C` (negative: what it was
/// paid out of it) and its revision 6 bonus (a long's, out of what `C` holds for the
/// longs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    pub paid: i64,
    pub bonus: u64,
}

impl Settled {
    /// What the position received in all: its bonus less the funding it paid.
    pub fn received(&self) -> i64 {
        i64::try_from(self.bonus)
            .unwrap_or(i64::MAX)
            .saturating_sub(self.paid)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeExecution {
    /// What the trade did.
    pub outcome: TradeOutcome,
    /// Funding settled first, tokens to the vault.
    pub funding_paid: i64,
    /// Revision 6: the bonus the deposits in escrow paid this long since it last
    /// settled, into its margin out of what `C` holds for the longs.
    pub wait_bonus: u64,
}

/// A deposit request's terms as it executes (`vault_execute_deposit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositRequest {
    /// Tokens in escrow.
    pub amount: u64,
    /// The depositor's minimum hedge ratio after the deposit. precision: 1e6
    pub min_hedge_ratio: u32,
    /// The bound on the skew charge net of its rebate, a share of what executes.
    /// precision: 1e6
    pub max_skew_fee_ratio: i32,
    /// It waited for hedge capacity or its hedge (it is in the queue).
    pub waited: bool,
    /// Seconds since its due time.
    pub due_age: i64,
    /// Revision 6: the market's waiting-bid index when its escrow last changed (what
    /// it owes for its wait is charged from there).
    pub wait_since: u64,
}

/// What a deposit request leaving the escrow without executing (cancelled or
/// refunded) does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositRelease {
    /// Tokens it paid for its wait since its escrow last changed (already in `C`).
    pub wait_charge: u64,
    /// Tokens returned to the depositor.
    pub refunded: u64,
    /// Tokens that stay in escrow: the part the traders' longs already cover, which
    /// executes (revision 6: a cancellation never leaves the vault over-hedged).
    pub kept: u64,
}

/// A withdrawal request's terms as it executes (`vault_execute_withdraw`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawRequest {
    /// Shares locked.
    pub shares: u64,
    /// Their value at request, tokens.
    pub value_at_request: u64,
    /// Revision 6: the price that value was taken at, 1e18 USD per whole token (0:
    /// the lower of the two values is taken in tokens, revision 5).
    pub price_at_request: u128,
    /// The bound on the skew charge net of its rebate. precision: 1e6
    pub max_skew_fee_ratio: i32,
}

/// A liquidation's execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationExecution {
    /// What the liquidation did.
    pub outcome: LiquidationOutcome,
    /// Funding settled first, tokens to the vault.
    pub funding_paid: i64,
    /// Revision 6: the bonus the deposits in escrow paid this long since it last
    /// settled, into its margin out of what `C` holds for the longs.
    pub wait_bonus: u64,
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
    /// Revision 6: the bonus the deposits in escrow paid this long since it last
    /// settled, into its margin out of what `C` holds for the longs.
    pub wait_bonus: u64,
    /// Whether the market is still reduce-only afterwards.
    pub reduce_only_after: bool,
    /// The skew potential's settlement of the close.
    pub skew: SkewSettlement,
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
            dead_shares: 0,
            withdrawals_in_escrow: 0,
            claimable_tokens: 0,
            claimable_shares: 0,
            total_insurance_covered: 0,
            total_socialized: 0,
            profit: ProfitLock {
                locked: 0,
                last: now,
                end: now,
            },
            skew: SkewLedger::default(),
            insurance_profit: ProfitLock {
                locked: 0,
                last: now,
                end: now,
            },
            waiting_bid: WaitingBid::default(),
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
        let (waiting, leaving) = self.requests_in_hedge_base();
        TradeContext {
            vault_collateral: self.collateral,
            aggregates: self.aggregates,
            insurance: self.insurance,
            skew: self.skew,
            settled: self.is_settled(),
            waiting_for_hedge: waiting,
            leaving_hedge: leaving,
        }
    }

    /// The requests that count in the hedge base: under revision 6 the deposits in
    /// escrow (a deposit executes against a hedge that exists, so a pending one is
    /// demand the skew prices and funding answers) and the pending withdrawals at
    /// their value at request (a withdrawal's gap is priced from its request, so it
    /// executes without a charge for it); before it, none.
    pub fn requests_in_hedge_base(&self) -> (u64, u64) {
        if self.params.deposits_wait_for_hedge() {
            (self.escrowed_deposits, self.withdrawals_in_escrow)
        } else {
            (0, 0)
        }
    }

    /// The hedge base: what the hedge target `h * base` is a share of. `C`, and
    /// under revision 6 the deposits in escrow less the withdrawals pending.
    pub fn hedge_base(&self) -> u64 {
        self.skew_point().collateral
    }

    /// What the skew ledger would settle now for a change of the market to `after`
    /// caused by `cause` (nothing on a settled market): clients quote a request's skew
    /// charge with it, to set its bound (PROTOCOL section 4, revision 5).
    pub fn skew_quote(&self, after: SkewPoint, cause: SkewCause) -> EngineResult<SkewSettlement> {
        if self.is_settled() {
            return Ok(SkewSettlement {
                ledger: self.skew,
                ..SkewSettlement::default()
            });
        }
        settle(
            &self.skew,
            self.skew_point(),
            after,
            cause,
            u64::MAX,
            &self.params,
        )
    }

    /// What a deposit of `amount` would be charged (net of its rebate) if it executed
    /// now: the skew's change from `C` to `C + amount`; under revision 6 nothing (it
    /// enters the hedge base when requested, uncharged, and joining `C` moves nothing).
    pub fn deposit_skew_quote(&self, amount: u64) -> EngineResult<SkewSettlement> {
        self.execution_skew_quote(self.collateral.saturating_add(amount), SkewCause::Deposit)
    }

    /// What a withdrawal paying `gross` would be charged (net of its rebate) now;
    /// under revision 6 nothing (it leaves the hedge base when requested, uncharged,
    /// and its payment leaving `C` moves nothing more).
    pub fn withdrawal_skew_quote(&self, gross: u64) -> EngineResult<SkewSettlement> {
        self.execution_skew_quote(self.collateral.saturating_sub(gross), SkewCause::Withdrawal)
    }

    /// The quote of a vault flow's execution moving `C` to `collateral`: under
    /// revision 6 the flow is already in the hedge base, so its execution leaves the
    /// skew where it is (a no-op settles nothing).
    fn execution_skew_quote(&self, collateral: u64, cause: SkewCause) -> EngineResult<SkewSettlement> {
        let after = if self.params.deposits_wait_for_hedge() {
            self.skew_point()
        } else {
            self.skew_point_at(collateral)
        };
        self.skew_quote(after, cause)
    }

    /// The market as the skew potential sees it: `N` and `C`.
    pub fn skew_point(&self) -> SkewPoint {
        self.skew_point_at(self.collateral)
    }

    /// The skew point with `C` at `collateral` and everything else as it is (the
    /// pending requests counted under revision 6).
    pub fn skew_point_at(&self, collateral: u64) -> SkewPoint {
        self.skew_point_of(collateral, self.escrowed_deposits, self.withdrawals_in_escrow)
    }

    /// The skew point with `C`, the deposits in escrow and the pending withdrawals'
    /// value at `collateral`, `escrowed`, `withdrawing` (the last two count under
    /// revision 6 only: the hedge base `C + E - W`, at least 0).
    pub fn skew_point_of(&self, collateral: u64, escrowed: u64, withdrawing: u64) -> SkewPoint {
        let (waiting, leaving) = if self.params.deposits_wait_for_hedge() {
            (escrowed, withdrawing)
        } else {
            (0, 0)
        };
        SkewPoint {
            net_base: self.aggregates.net_base,
            collateral: hedge_base(collateral, waiting, leaving),
        }
    }

    /// Seconds over which the insurance fund's income unlocks (PROTOCOL section 5,
    /// revision 5): `profit_unlock_time`, and never less than one unstake cooldown
    /// (at least 60 s), so that income never reaches an unstake's value at once: a
    /// stake made just before it takes only what unlocks while it stays, whatever the
    /// vault's own unlock time (0 included).
    pub fn insurance_unlock_time(&self) -> u32 {
        self.params.profit_unlock_time.max(self.params.insurance_cooldown)
    }

    /// Adds `amount` of income to the insurance fund, locked over
    /// [`MarketState::insurance_unlock_time`].
    fn insurance_income(&mut self, amount: u64) -> EngineResult<()> {
        self.insurance = self.insurance.add_c(amount)?;
        let window = self.insurance_unlock_time();
        self.insurance_profit = self.insurance_profit.add(amount, window)?;
        Ok(())
    }

    /// The insurance fund loses `amount` (bad debt it covers), at once, out of the
    /// income still locked first and then out of what the stakes are worth (as
    /// Yearn v3 offsets a loss against locked profit): income nobody holds yet
    /// absorbs a loss before anyone's stake does, and a loss never leaves the fund
    /// counted as all locked, worth nothing to a pending unstake while its income
    /// unlocks to whoever stays.
    fn insurance_loss(&mut self, amount: u64) -> EngineResult<()> {
        self.insurance = self.insurance.sub_c(amount)?;
        let locked = self.insurance_profit.locked.saturating_sub(amount);
        self.insurance_profit.locked = locked.min(self.insurance);
        Ok(())
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
        let inputs = FundingInputs::for_market(self.hedge_base(), &self.aggregates, &self.params, price)?;
        self.insurance_profit = self.insurance_profit.at(now)?;
        if self.is_settled() {
            let state = FundingState {
                index: self.funding.index,
                rate: 0,
                last_time: now.max(self.funding.last_time),
            };
            self.funding = state;
            self.waiting_bid.own_rate = 0;
            self.profit = self.profit.at(now)?;
            // A settled market keeps no hedge: its skew ledger joins `C` whole.
            let rest = self.skew.balance;
            self.skew = self.skew.close()?;
            self.collateral = self.collateral.add_c(rest)?;
            self.profit = self.profit.add(rest, self.params.profit_unlock_time)?;
            let a = Accrual {
                state,
                charged_seconds: 0,
                skipped_seconds: 0,
            };
            return Ok((a, inputs.imbalance));
        }
        let (a, charged) = if self.params.deposits_wait_for_hedge() {
            // The holders' own hedge: the base without the escrow.
            let own_base = self
                .skew_point_of(self.collateral, 0, self.withdrawals_in_escrow)
                .collateral;
            let own = FundingInputs::for_market(own_base, &self.aggregates, &self.params, price)?;
            let demand = WaitingDemand {
                escrowed: self.escrowed_deposits,
                longs: self.aggregates.long_base,
                max_hedge_cost: self.params.max_hedge_cost,
            };
            let (a, bid, charged) =
                accrue_with_waiting(&self.funding, &self.waiting_bid, &inputs, &own, &demand, now)?;
            // What the longs may take of the charge is owed to them, the rest (its
            // rounding up) is the holders'.
            let owed = bid.owed.sub_c(self.waiting_bid.owed)?;
            self.waiting_bid = bid;
            (a, (charged, owed))
        } else {
            (accrue(&self.funding, &inputs, now)?, (0, 0))
        };
        let (charged, owed) = charged;
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
        // What the deposits in escrow paid for the longs' bonus: out of the escrow, into
        // the ledger owed to the longs (`WaitingBid::owed`, in the same token account,
        // apart from `C` as the escrow and `K` are: no holder's payment or trader's
        // gain can take it), the charge's rounding up into `C`. Not the holders'
        // income: their funding is the own rate's.
        if charged > 0 {
            self.escrowed_deposits = self.escrowed_deposits.sub_c(charged)?;
            self.collateral = self.collateral.add_c(charged.sub_c(owed)?)?;
        }
        // Once no long is left, what is still owed is the rounding of the longs'
        // bonuses (each rounded down, the charges up): it joins `C`, the holders'
        // income.
        if self.aggregates.long_base == 0 && self.waiting_bid.owed > 0 {
            let rest = self.waiting_bid.owed;
            self.collateral = self.collateral.add_c(rest)?;
            if window > 0 {
                profit = profit.add(rest, window)?;
            }
            self.waiting_bid.owed = 0;
        }
        self.profit = profit;
        self.funding = a.state;
        self.funding_skipped_seconds = skipped;
        self.release_skew_surplus()?;
        Ok((a, inputs.imbalance))
    }

    /// Moves what the skew ledger holds beyond the potential of the present skew and
    /// that of the scale into `C`, as locked income (PROTOCOL section 4, revision 5).
    /// The release moves the skew too (`C` grows): the rise it causes is recorded as
    /// unfunded, so that nobody is rebated for reversing a move nobody paid for. Part
    /// of every accrual, after funding; returns the amount released.
    fn release_skew_surplus(&mut self) -> EngineResult<u64> {
        let surplus = self.skew.surplus(self.skew_point(), &self.params)?;
        if surplus == 0 {
            return Ok(0);
        }
        let before = self.skew_point();
        let collateral = self.collateral.add_c(surplus)?;
        let after = self.skew_point_at(collateral);
        let rise = to_u64(
            after
                .potential(&self.params, Rounding::Ceil)?
                .saturating_sub(before.potential(&self.params, Rounding::Floor)?),
        )?;
        let mut skew = self.skew.release(surplus)?;
        skew.unfunded = skew.unfunded.add_c(rise)?;
        skew.unfunded_total = skew.unfunded_total.add_c(u128::from(rise))?;
        self.skew = skew;
        self.collateral = collateral;
        self.profit = self.profit.add(surplus, self.params.profit_unlock_time)?;
        Ok(surplus)
    }

    /// Revision 6: accrues funding to `now` at the newest accepted price before a
    /// request or a cancellation changes the hedge base (the base is in the rate, and
    /// a deposit in escrow pays for its wait from its request on, never for the time
    /// before it). Nothing before revision 6 or before any price was accepted.
    pub fn accrue_before_request(&mut self, now: i64) -> EngineResult<()> {
        if !self.params.deposits_wait_for_hedge() || self.last_price == 0 {
            return Ok(());
        }
        self.accrue(self.last_price, now).map(|_| ())
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
}

mod deposits;
mod insurance;
mod positions;
mod withdrawals;

#[cfg(test)]
mod tests;
