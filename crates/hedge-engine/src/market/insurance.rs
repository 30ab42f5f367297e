//! The insurance fund's stakes and unstakes, and the claims held for owners whose
//! accounts could not take a payment.

use super::*;

impl MarketState {
    /// `insurance_deposit`: a donation, the fund's income (locked like its fees).
    pub fn donate_insurance(&mut self, amount: u64, now: i64) -> EngineResult<()> {
        if amount == 0 {
            return Err(EngineError::ZeroAmount);
        }
        self.insurance_profit = self.insurance_profit.at(now)?;
        self.insurance_income(amount)
    }

    /// `insurance_stake`: returns the insurance shares for `amount`, priced on the
    /// whole fund, its locked income included (PROTOCOL section 5, revision 5).
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

    /// The value of `shares` insurance shares at `now`: on the fund without the part
    /// of its income still locked (PROTOCOL section 5, revision 5).
    pub fn insurance_value(&self, shares: u64, now: i64) -> EngineResult<u64> {
        let locked = self.insurance_profit.at(now)?.locked.min(self.insurance);
        amount_for_shares_floor(
            shares,
            self.insurance_shares,
            u128::from(self.insurance.sub_c(locked)?),
        )
    }

    /// The insurance the open interest needs (PROTOCOL section 5): the larger side
    /// times `stress_move - r_i`, rounded up, in tokens (the stress-sized cap turned
    /// around, so it does not depend on the price); nothing on a settled market.
    pub fn insurance_cover_needed(&self) -> EngineResult<u64> {
        if self.is_settled() {
            return Ok(0);
        }
        let side = self.aggregates.long_base.max(self.aggregates.short_base);
        to_u64(mul_div(
            side,
            u128::from(stress_loss_ratio(&self.params)),
            u128::from(RATIO_PRECISION),
            Rounding::Ceil,
        )?)
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

    /// Executes an unstake at `now` (PROTOCOL section 5): pays `min(value at request,
    /// value now)`, at most what leaves the fund covering the open interest
    /// ([`MarketState::insurance_cover_needed`]); when that is less, retires the shares
    /// it pays for (rounded up) and the rest stays queued.
    pub fn execute_unstake(
        &mut self,
        shares: u64,
        value_at_request: u64,
        now: i64,
    ) -> EngineResult<UnstakePayout> {
        self.insurance_profit = self.insurance_profit.at(now)?;
        let value_now = self.insurance_value(shares, now)?;
        let owed = value_now.min(value_at_request);
        let largest_now = self.insurance.saturating_sub(self.insurance_cover_needed()?);
        let paid = owed.min(largest_now);
        let shares_burned = if paid == owed {
            shares
        } else {
            to_u64(mul_div(
                u128::from(shares),
                u128::from(paid),
                u128::from(owed),
                Rounding::Ceil,
            )?)?
        };
        let left = shares.sub_c(shares_burned)?;
        let remaining_value_at_request = if left == 0 {
            0
        } else {
            to_u64(mul_div(
                u128::from(value_at_request),
                u128::from(left),
                u128::from(shares),
                Rounding::Floor,
            )?)?
        };
        let insurance = self.insurance.sub_c(paid)?;
        let supply = self.insurance_shares.sub_c(shares_burned)?;
        self.insurance = insurance;
        self.insurance_shares = supply;
        self.insurance_profit.locked = self.insurance_profit.locked.min(insurance);
        Ok(UnstakePayout {
            value_now,
            owed,
            paid,
            shares_burned,
            remaining_value_at_request,
            largest_now,
        })
    }
}
