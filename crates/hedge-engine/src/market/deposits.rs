//! Vault deposits: the request, its escrow and what it pays for its wait (revision 6),
//! cancellation and refund, and execution against the hedge that exists.

use super::*;

impl MarketState {
    /// `vault_request_deposit`: `amount` enters the escrow.
    pub fn request_deposit(&mut self, amount: u64) -> EngineResult<()> {
        if amount == 0 {
            return Err(EngineError::ZeroAmount);
        }
        self.check_accepting_deposits()?;
        let escrowed = self.escrowed_deposits.add_c(amount)?;
        self.settle_pending_requests(escrowed, self.withdrawals_in_escrow)?;
        self.escrowed_deposits = escrowed;
        Ok(())
    }

    /// Revision 6: the deposits in escrow and the pending withdrawals are in the
    /// hedge base, so a request or its cancellation moves the skew. Neither is
    /// charged nor rebated: a rise is unfunded and a fall pays it down
    /// (`SkewCause::Forced` with nothing to pay from), so a deposit costs nothing for
    /// the gap it opens while it waits, nor a withdrawal for the one it leaves, and
    /// whoever closes that gap is paid by funding, never by a rebate nobody funded
    /// (PROTOCOL section 3).
    pub(super) fn settle_pending_requests(&mut self, escrowed: u64, withdrawing: u64) -> EngineResult<()> {
        if !self.params.deposits_wait_for_hedge() || self.is_settled() {
            return Ok(());
        }
        let after = self.skew_point_of(self.collateral, escrowed, withdrawing);
        let mut skew = settle(
            &self.skew,
            self.skew_point(),
            after,
            SkewCause::Forced,
            0,
            &self.params,
        )?
        .ledger;
        // The whole potential a request or a cancellation leaves is unfunded, not only
        // its rise: a request that moves the skew across the target (a deposit twice the
        // over-hedge) leaves a potential as large as before on the other side, and the
        // trade back would be rebated out of `K` for a move nobody paid (found by the
        // attack on revision 6: 4.1 tokens of `K` taken with a deposit requested and
        // cancelled around a long). So no fall is rebated until it is paid down.
        let phi = to_u64(after.potential(&self.params, Rounding::Floor)?)?;
        if phi > skew.unfunded {
            skew.unfunded_total = skew.unfunded_total.add_c(u128::from(phi.sub_c(skew.unfunded)?))?;
            skew.unfunded = phi;
        }
        self.skew = skew;
        Ok(())
    }

    /// After a parameter change (applied once its timelock has passed): the change may
    /// move the skew point itself (revision 6 switched on brings the pending requests
    /// into the hedge base; a new hedge ratio or scale moves `x`). Nobody paid for that
    /// move, so the whole potential it leaves is recorded unfunded, as a request's is:
    /// no fall is rebated out of `K` until it is paid down (found by the fifth attack on
    /// revision 6: a deposit pending when revision 6 was switched on let the long
    /// beside it be rebated 3.6 tokens of `K`).
    pub fn params_changed(&mut self) -> EngineResult<()> {
        if self.is_settled() {
            return Ok(());
        }
        let phi = to_u64(self.skew_point().potential(&self.params, Rounding::Floor)?)?;
        if phi > self.skew.unfunded {
            let add = phi.sub_c(self.skew.unfunded)?;
            self.skew.unfunded_total = self.skew.unfunded_total.add_c(u128::from(add))?;
            self.skew.unfunded = phi;
        }
        Ok(())
    }

    /// Deposits are requested and executed only on a live, unpaused market.
    pub(super) fn check_accepting_deposits(&self) -> EngineResult<()> {
        if self.is_settled() {
            return Err(EngineError::MarketSettled);
        }
        if self.paused {
            return Err(EngineError::MarketPaused);
        }
        Ok(())
    }

    /// Revision 6: a deposit's bounds that its execution could never meet are refused
    /// at request, so no owner can make the covered part of his deposit refuse
    /// itself (and leave the longs that covered it over-hedging the vault, the way a
    /// cancellation would). The part that executes is always covered, so the hedge
    /// ratio after it is at least `1 / (1 + hedge_tolerance / 2)`: a minimum above that
    /// is `HedgeRatioBelowMinimum`; it is neither charged nor rebated for the skew,
    /// so a bound asking for a rebate (below zero) is `SkewFeeAboveLimit`.
    pub fn check_deposit_bounds(&self, min_hedge_ratio: u32, max_skew_fee_ratio: i32) -> EngineResult<()> {
        if !self.params.deposits_wait_for_hedge() {
            return Ok(());
        }
        let r = u128::from(RATIO_PRECISION);
        let guaranteed = mul_div(r, r, self.params.cover_factor()?, Rounding::Floor)?;
        if u128::from(min_hedge_ratio) > guaranteed {
            return Err(EngineError::HedgeRatioBelowMinimum);
        }
        if max_skew_fee_ratio < 0 {
            return Err(EngineError::SkewFeeAboveLimit);
        }
        Ok(())
    }

    /// A deposit request of `amount` in escrow since the waiting-bid index was
    /// `since`: `(what is left of it, what it paid for its wait)`. The charge is
    /// already in `C` (taken at each accrual from the escrow as a whole); this books
    /// it to the request, rounded up, so the requests never hold more than the escrow.
    pub fn deposit_in_escrow(&self, amount: u64, since: u64) -> EngineResult<(u64, u64)> {
        // Booked whatever revision is in force now: charges taken while it was on stay
        // owed after it is turned off (the index then stops moving).
        let owed = self.waiting_bid.owed_by(amount, since)?;
        let left = amount.sub_c(owed)?.min(self.escrowed_deposits);
        Ok((left, amount.sub_c(left)?))
    }

    /// [`MarketState::deposit_in_escrow`], booked: what the request owes leaves the
    /// charges not yet booked to a request.
    pub(super) fn book_wait_charge(&mut self, amount: u64, since: u64) -> EngineResult<(u64, u64)> {
        let (left, owed) = self.deposit_in_escrow(amount, since)?;
        self.settle_wait_charge(owed)?;
        Ok((left, owed))
    }

    /// A request booked `owed`: it leaves the charges outstanding; what it owes
    /// beyond them (its rounding up) moves from the escrow into `C` now, the holders'
    /// (the longs' bonus was charged in full already), so the escrow is always the
    /// requests' booked amounts less what is outstanding (and nothing once no request
    /// is left).
    pub(super) fn settle_wait_charge(&mut self, owed: u64) -> EngineResult<()> {
        let bid = &mut self.waiting_bid;
        let extra = owed.saturating_sub(bid.outstanding);
        bid.outstanding = bid.outstanding.sub_c(owed.sub_c(extra)?)?;
        if extra > 0 {
            bid.charged = bid.charged.add_c(u128::from(extra))?;
            self.escrowed_deposits = self.escrowed_deposits.sub_c(extra)?;
            self.collateral = self.collateral.add_c(extra)?;
        }
        Ok(())
    }

    /// Revision 6: the part of the escrow the traders' longs cover, which a
    /// cancellation cannot take back: what the hedge base needs so that the longs
    /// stay within half the tolerance of it (`N / ((1 + hedge_tolerance / 2) * h)`,
    /// rounded up), and no more than would execute now (`N * (1 + hedge_tolerance /
    /// 2) / h - C`, within the hedge capacity at the newest accepted price: the same
    /// bound an execution applies, so what is kept always executes; found by the
    /// second attack on revision 6, where a pending withdrawal made the kept part
    /// larger than any execution could take). Zero before revision 6, or on a paused
    /// or settled market, where nothing executes.
    pub fn covered_escrow(&self) -> EngineResult<u64> {
        if !self.params.deposits_wait_for_hedge() || self.is_settled() || self.paused {
            return Ok(0);
        }
        let longs = u128::try_from(self.aggregates.net_base.max(0)).unwrap_or(0);
        let r = u128::from(RATIO_PRECISION);
        let base = mul_div(
            longs,
            r.mul_c(r)?,
            self.params
                .cover_factor()?
                .mul_c(u128::from(self.params.hedge_ratio))?,
            Rounding::Ceil,
        )?;
        let without = u128::from(
            self.skew_point_of(self.collateral, 0, self.withdrawals_in_escrow)
                .collateral,
        );
        let need = to_u64(base.saturating_sub(without).min(u128::from(u64::MAX)))?;
        let mut room = self.covered_collateral()?.saturating_sub(self.collateral);
        if self.last_price > 0 {
            let at = OraclePrice {
                price: self.last_price,
                conf: 0,
                publish_time: self.last_publish_time,
            };
            room = room.min(self.hedgeable_collateral(&at)?.saturating_sub(self.collateral));
        }
        Ok(need.min(room).min(self.escrowed_deposits))
    }

    /// `vault_cancel_deposit`: a deposit request of `amount` (booked since the
    /// waiting-bid index was `since`; `waited`: it is in the queue) leaves the escrow
    /// without executing, except the part the traders' longs cover (revision 6): that
    /// part stays and executes, so longs opened against a deposit never over-hedge the
    /// vault once it is cancelled (found by the attack on revision 6: 102x).
    pub fn cancel_deposit(&mut self, amount: u64, waited: bool, since: u64) -> EngineResult<DepositRelease> {
        let (left, wait_charge) = self.book_wait_charge(amount, since)?;
        let free = self.escrowed_deposits.saturating_sub(self.covered_escrow()?);
        let refunded = left.min(free);
        self.leave_escrow(amount, refunded, left, waited)?;
        Ok(DepositRelease {
            wait_charge,
            refunded,
            kept: left.sub_c(refunded)?,
        })
    }

    /// A refused deposit request leaves the escrow whole (its refusal is the market's:
    /// paused, settled, a deposit too small; see [`MarketState::check_deposit_bounds`]).
    pub fn refund_deposit(&mut self, amount: u64, waited: bool, since: u64) -> EngineResult<DepositRelease> {
        let (left, wait_charge) = self.book_wait_charge(amount, since)?;
        self.leave_escrow(amount, left, left, waited)?;
        Ok(DepositRelease {
            wait_charge,
            refunded: left,
            kept: 0,
        })
    }

    /// `refunded` of a request of `amount` (`left` after its wait charge) leaves the
    /// escrow; the queue loses the request's booked amount and takes back what stays.
    pub(super) fn leave_escrow(
        &mut self,
        amount: u64,
        refunded: u64,
        left: u64,
        waited: bool,
    ) -> EngineResult<()> {
        if waited {
            let kept = left.sub_c(refunded)?;
            self.waiting_deposits = self.waiting_deposits.saturating_sub(amount).add_c(kept)?;
        }
        let escrowed = self.escrowed_deposits.sub_c(refunded)?;
        self.settle_pending_requests(escrowed, self.withdrawals_in_escrow)?;
        self.escrowed_deposits = escrowed;
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
        self.execute_deposit_limited(supply, amount, min_hedge_ratio, RATIO_PRECISION as i32, oracle)
    }

    /// [`MarketState::execute_deposit`] with the request's bound on the skew charge
    /// net of its rebate, a share of the amount (negative: a rebate asked for;
    /// `RATIO_PRECISION`: none): above it the deposit is refused (`SkewFeeAboveLimit`,
    /// refunded), so nobody who moves the skew before it executes can make it pay
    /// more, or be rebated less, than its owner accepted.
    pub fn execute_deposit_limited(
        &mut self,
        supply: u64,
        amount: u64,
        min_hedge_ratio: u32,
        max_skew_fee_ratio: i32,
        oracle: OraclePrice,
    ) -> EngineResult<DepositExecution> {
        self.check_accepting_deposits()?;
        // The skew potential of the amount joining `C` (PROTOCOL section 3): its rise
        // is kept from the amount into the skew ledger, its rebate joins `C` with it.
        // Under revision 6 the amount was in the hedge base while it waited: joining
        // `C` moves nothing, and nothing is charged or rebated.
        let escrow = self.escrowed_deposits.sub_c(amount)?;
        let gross = self.skew_point_of(self.collateral.add_c(amount)?, escrow, self.withdrawals_in_escrow);
        let skew = settle(
            &self.skew,
            self.skew_point(),
            gross,
            SkewCause::Deposit,
            u64::MAX,
            &self.params,
        )?;
        check_skew_fee_limit(skew.paid, skew.rebate, amount, max_skew_fee_ratio)?;
        let priced = amount
            .checked_sub(skew.paid)
            .ok_or(EngineError::DepositTooSmall)?
            .add_c(skew.rebate)?;
        let (shares, dead_shares) = self.first_shares(supply, priced, &oracle)?;
        let collateral = self.collateral.add_c(priced)?;
        check_min_hedge_ratio(collateral, &self.aggregates, &self.params, min_hedge_ratio)?;
        let dead = self.dead_shares.add_c(dead_shares)?;
        // Nothing changes before every check has passed.
        self.collateral = collateral;
        self.escrowed_deposits = escrow;
        self.skew = skew.ledger;
        self.dead_shares = dead;
        Ok(DepositExecution {
            shares,
            skew_fee: skew.paid,
            skew_rebate: skew.rebate,
            executed: amount,
            waiting: 0,
            dead_shares,
            wait_charge: 0,
        })
    }

    /// The shares a deposit of `priced` mints, and the dead shares minted with them
    /// (revision 6). Before any share exists the vault may already hold equity nobody
    /// owns (the taker fees of the longs that opened against the first deposits, the
    /// band of their entries): priced into the first shares it makes every later share
    /// coarse (0.05 token of fees priced the first shares at 48,000 native units each,
    /// and a deposit of a few thousandths of a token lost up to 14% to rounding);
    /// given to the first depositor it would be a gift anyone could race for. So the
    /// first deposit is priced on an empty vault and that equity gets its own shares,
    /// minted into the share escrow and owned by nobody (as Uniswap locks its minimum
    /// liquidity): `amount * VS` shares to the depositor, `equity * VS` dead.
    pub(super) fn first_shares(
        &self,
        supply: u64,
        priced: u64,
        oracle: &OraclePrice,
    ) -> EngineResult<(u64, u64)> {
        let view = self.vault_view(supply);
        if supply > 0 || !self.params.deposits_wait_for_hedge() {
            return Ok((shares_for_deposit_floor(&view, oracle, priced)?, 0));
        }
        let before = u64::try_from(deposit_equity_ceil(&view, oracle)?.max(0))
            .map_err(|_| EngineError::MathOverflow)?;
        let shares = shares_for_amount_floor(priced, 0, 0)?;
        if shares == 0 {
            return Err(EngineError::DepositTooSmall);
        }
        // Rounded up: the dead shares never stand for less than the equity before.
        let dead = to_u64(mul_div(
            u128::from(before),
            u128::from(shares),
            u128::from(priced),
            Rounding::Ceil,
        )?)?;
        Ok((shares, dead))
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
        let r = DepositRequest {
            amount,
            min_hedge_ratio,
            max_skew_fee_ratio: RATIO_PRECISION as i32,
            waited,
            due_age: 0,
            wait_since: self.waiting_bid.index,
        };
        self.execute_deposit_request(supply, r, oracle)
    }

    /// Revision 6: the largest `C` the traders' longs cover, `N * (1 +
    /// hedge_tolerance / 2) / h`, rounded down (`u64::MAX` before revision 6: deposits
    /// do not wait for a hedge).
    pub fn covered_collateral(&self) -> EngineResult<u64> {
        if !self.params.deposits_wait_for_hedge() {
            return Ok(u64::MAX);
        }
        let longs = u128::try_from(self.aggregates.net_base.max(0)).unwrap_or(0);
        let c = mul_div(
            longs,
            self.params.cover_factor()?,
            u128::from(self.params.hedge_ratio),
            Rounding::Floor,
        )?;
        Ok(u64::try_from(c).unwrap_or(u64::MAX))
    }

    /// How long a deposit that waits is due again after an execution left it waiting:
    /// the withdrawal delay before revision 6 (its owner may cancel until then), the
    /// execution delay under it (it executes as soon as a hedge covers it).
    pub fn waiting_deposit_delay(&self) -> u32 {
        if self.params.deposits_wait_for_hedge() {
            self.params.execution_delay
        } else {
            self.params.withdraw_delay
        }
    }

    /// [`MarketState::execute_deposit_in_turn`] with the request's bound on the skew
    /// fee (see [`MarketState::execute_deposit_limited`]) and, under revision 6, the
    /// cover of a hedge that exists (`due_age`: seconds since its due time): what the
    /// program's `vault_execute_deposit` runs.
    pub fn execute_deposit_request(
        &mut self,
        supply: u64,
        r: DepositRequest,
        oracle: OraclePrice,
    ) -> EngineResult<DepositExecution> {
        let DepositRequest {
            amount: booked,
            min_hedge_ratio,
            max_skew_fee_ratio,
            waited,
            due_age,
            wait_since,
        } = r;
        self.check_accepting_deposits()?;
        // Revision 6: what it paid for its wait is already in `C`.
        let (amount, wait_charge) = self.deposit_in_escrow(booked, wait_since)?;
        let in_turn = waited || self.waiting_deposits == 0;
        // Revision 6: only the part the traders' longs cover executes, and only at a
        // due-time price at most `max_age` old; executed later, nothing executes and it
        // is due again (its cover may have appeared long after its price: a stale
        // price is never chosen by waiting).
        let fresh = !self.params.deposits_wait_for_hedge() || due_age <= i64::from(self.limits.max_age);
        let fit = if in_turn && fresh {
            amount
                .min(
                    self.hedgeable_collateral(&oracle)?
                        .saturating_sub(self.collateral),
                )
                .min(self.covered_collateral()?.saturating_sub(self.collateral))
        } else {
            0
        };
        let mut x = DepositExecution {
            shares: 0,
            skew_fee: 0,
            skew_rebate: 0,
            executed: 0,
            waiting: amount,
            dead_shares: 0,
            wait_charge,
        };
        if fit > 0 {
            match self.execute_deposit_limited(supply, fit, min_hedge_ratio, max_skew_fee_ratio, oracle) {
                Err(EngineError::DepositTooSmall) if fit < amount => {}
                Err(e) => return Err(e),
                Ok(done) => {
                    x = DepositExecution {
                        waiting: amount.sub_c(fit)?,
                        wait_charge,
                        ..done
                    }
                }
            }
        }
        // The queue: what waited leaves it, what waits now joins it.
        let mut queue = self.waiting_deposits;
        if waited {
            queue = queue.saturating_sub(booked);
        }
        self.waiting_deposits = queue.add_c(x.waiting)?;
        self.settle_wait_charge(wait_charge)?;
        Ok(x)
    }
}
