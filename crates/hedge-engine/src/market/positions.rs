//! Positions against the market: funding settlement, margin, trades, liquidations and
//! deleveraging (`MarketState`'s methods for the position instructions).

use super::*;

impl MarketState {
    /// Moves `delta` tokens into `C` (negative: out of it).
    pub(super) fn add_collateral(&mut self, delta: i64) -> EngineResult<()> {
        let next = i128::from(self.collateral).add_c(i128::from(delta))?;
        self.collateral = u64::try_from(next).map_err(|_| EngineError::VaultInsufficientCollateral)?;
        Ok(())
    }

    /// Settles a position's funding against its snapshot and books it: the funding
    /// it paid into `C` (negative: was paid out of it) and, under revision 6, a long's
    /// bonus from the deposits in escrow.
    pub(super) fn settle_into(&mut self, pos: &mut Position, oracle: OraclePrice) -> EngineResult<Settled> {
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
        // A long's bonus since its last settlement, `base * (gap_index - snapshot)` in
        // tokens (rounded down, at most what is owed to the longs): out of that ledger
        // into its margin, never out of `C` (found by the sixth attack on revision 6:
        // paid out of `C`, a trader's gain could take the longs' tokens first and every
        // long's exit then failed). In tokens, so no price between the charge and the
        // settlement moves it onto the holders; the shorts have none (the index runs
        // at the own rate).
        let bonus = self.waiting_bid.bonus_of(pos.base, pos.gap_snapshot)?;
        if bonus > 0 {
            self.waiting_bid.owed = self.waiting_bid.owed.sub_c(bonus)?;
            pos.margin = pos.margin.add_c(to_i64(i128::from(bonus))?)?;
            self.total_margin = self.total_margin.add_c(i128::from(bonus))?;
        }
        pos.gap_snapshot = self.waiting_bid.gap_index;
        Ok(Settled { paid, bonus })
    }

    /// Books a position change computed from `before`: the margin total moves by the
    /// position's margin change; `C` and the aggregates take their new values.
    pub(super) fn book(
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
    pub fn settle_position_funding(
        &mut self,
        pos: &mut Position,
        oracle: OraclePrice,
    ) -> EngineResult<Settled> {
        let (mut st, mut p) = (*self, *pos);
        let settled = st.settle_into(&mut p, oracle)?;
        *self = st;
        *pos = p;
        Ok(settled)
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
    pub(super) fn allow_new_risk(&self, oracle: OraclePrice) -> EngineResult<()> {
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
        let settled = st.settle_into(&mut p, oracle)?;
        let outcome = execute_trade(&p, &st.trade_context(), delta, &st.view(oracle))?;
        // The limit bounds the price the order gets, its skew charge included.
        let effective = crate::position::effective_fill_price(
            delta,
            outcome.fill_price,
            outcome.impact_fee,
            outcome.rebate,
            oracle.price,
        )?;
        check_limit_price(delta, effective, limit_price)?;
        st.book(
            &p,
            &outcome.position,
            &outcome.aggregates,
            outcome.vault_collateral,
        )?;
        st.skew = outcome.skew.ledger;
        st.insurance_income(outcome.insurance_fee)?;
        // The vault's income: its part of the taker fee (the impact part went to the
        // skew ledger).
        let vault_fee = outcome
            .fee
            .sub_c(outcome.insurance_fee)?
            .sub_c(outcome.impact_fee)?;
        st.profit = st.profit.add(vault_fee, st.params.profit_unlock_time)?;
        *self = st;
        *pos = outcome.position;
        Ok(TradeExecution {
            outcome,
            funding_paid: settled.paid,
            wait_bonus: settled.bonus,
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
    ) -> EngineResult<Settled> {
        if amount == 0 {
            return Err(EngineError::ZeroAmount);
        }
        let (mut st, mut p) = (*self, *pos);
        let settled = st.settle_into(&mut p, oracle)?;
        if amount > withdrawable_margin_floor(&p, &st.view(oracle))? {
            return Err(EngineError::WithdrawExceedsFreeMargin);
        }
        p.margin = p.margin.sub_c(to_i64(i128::from(amount))?)?;
        st.total_margin = st.total_margin.sub_c(i128::from(amount))?;
        *self = st;
        *pos = p;
        Ok(settled)
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
        let settled = st.settle_into(&mut p, oracle)?;
        // `PositionHealthy` when not liquidatable at the price; confirmed: liquidatable
        // at the confirmation price too, its funding settled as above. A legacy
        // account confirms itself (the same price): nothing to check.
        let at_confirm = st.view(confirm);
        let outcome = liquidate_settled(
            &p,
            &st.trade_context(),
            st.insurance,
            &st.view(oracle),
            (confirm != oracle).then_some(&at_confirm),
        )?;
        st.book(
            &p,
            &outcome.position,
            &outcome.aggregates,
            outcome.vault_collateral,
        )?;
        st.skew = outcome.skew.ledger;
        // The fund's reward is income (locked), the bad debt it covers a loss (at once).
        st.insurance_income(outcome.insurance_reward)?;
        st.insurance_loss(outcome.insurance_covered)?;
        debug_assert_eq!(st.insurance, outcome.insurance);
        st.total_insurance_covered = st.total_insurance_covered.add_c(outcome.insurance_covered)?;
        st.total_socialized = st.total_socialized.add_c(outcome.socialized)?;
        *self = st;
        *pos = outcome.position;
        Ok(LiquidationExecution {
            outcome,
            funding_paid: settled.paid,
            wait_bonus: settled.bonus,
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
        let settled = st.settle_into(&mut p, oracle)?;
        let closed = p.base.unsigned_abs();
        let out = auto_deleverage(&p, &st.trade_context(), &st.view(oracle))?;
        st.book(&p, &out.position, &out.aggregates, out.vault_collateral)?;
        st.skew = out.skew.ledger;
        let reduce_only_after = st.update_reduce_only(oracle)?;
        *self = st;
        *pos = out.position;
        Ok(DeleverageExecution {
            closed,
            realized_pnl: out.realized,
            funding_paid: settled.paid,
            wait_bonus: settled.bonus,
            reduce_only_after,
            skew: out.skew,
        })
    }
}
