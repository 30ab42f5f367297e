//! Vault withdrawals: the request, its release and its execution, capped by the
//! value at request and what may leave now.

use super::*;

impl MarketState {
    /// `vault_request_withdraw`: locks `shares` and returns their value now, at the
    /// band edge least favourable to the withdrawer.
    pub fn request_withdraw(&mut self, supply: u64, shares: u64, oracle: OraclePrice) -> EngineResult<u64> {
        let value = value_of_shares_floor(&self.vault_view(supply), &oracle, shares)?;
        if value == 0 {
            return Err(EngineError::WithdrawalTooSmall);
        }
        let pending = self.pending_withdraw_shares.add_c(shares)?;
        let withdrawing = self.withdrawals_in_escrow.add_c(value)?;
        self.settle_pending_requests(self.escrowed_deposits, withdrawing)?;
        self.pending_withdraw_shares = pending;
        self.withdrawals_in_escrow = withdrawing;
        Ok(value)
    }

    /// A pending withdrawal's shares go back to their owner (`value_at_request`: what
    /// the request recorded for them).
    pub fn release_withdraw(&mut self, shares: u64, value_at_request: u64) -> EngineResult<()> {
        let pending = self.pending_withdraw_shares.sub_c(shares)?;
        let withdrawing = self.withdrawals_in_escrow.saturating_sub(value_at_request);
        self.settle_pending_requests(self.escrowed_deposits, withdrawing)?;
        self.pending_withdraw_shares = pending;
        self.withdrawals_in_escrow = withdrawing;
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
        let r = WithdrawRequest {
            shares,
            value_at_request,
            price_at_request: 0,
            max_skew_fee_ratio: RATIO_PRECISION as i32,
        };
        self.execute_withdraw_limited(supply, r, oracle)
    }

    /// [`MarketState::execute_withdraw`] with the request's bound on the skew charge
    /// net of its rebate, a share of the gross paid (negative: a rebate asked for;
    /// `RATIO_PRECISION`: none): above it the withdrawal is refused
    /// (`SkewFeeAboveLimit`: the request cancelled, the shares returned). Under
    /// revision 6, with the request's price, the lower of the two values is taken in
    /// USD: the value at request is worth `value_at_request * price_at_request / P`
    /// tokens at the execution's price `P` (both mid-band: the values themselves are
    /// at their band edges, and the lower is paid), so a hedged share's exit does not
    /// lose the price's move over the delay.
    pub fn execute_withdraw_limited(
        &mut self,
        supply: u64,
        r: WithdrawRequest,
        oracle: OraclePrice,
    ) -> EngineResult<WithdrawalPayout> {
        let WithdrawRequest {
            shares,
            value_at_request,
            price_at_request,
            max_skew_fee_ratio,
        } = r;
        let at_request = if self.params.deposits_wait_for_hedge() && price_at_request > 0 {
            to_u64(mul_div(
                u128::from(value_at_request),
                price_at_request,
                oracle.price,
                Rounding::Floor,
            )?)?
        } else {
            value_at_request
        };
        let mut payout = withdrawal_payout(
            &self.vault_view(supply),
            &oracle,
            &self.params,
            shares,
            at_request,
        )?;
        // What stays queued keeps its value at request in the request's own terms.
        payout.remaining_value_at_request = to_u64(mul_div(
            u128::from(value_at_request),
            u128::from(shares.sub_c(payout.shares_burned)?),
            u128::from(shares),
            Rounding::Floor,
        )?)?;
        // The gross payment leaves `C` whole; the skew potential of exactly that state
        // is settled by the ledger: its rise kept from the gross (at most the gross:
        // an exit is never refused for it), its rebate paid out of the ledger on top.
        let gross = payout.paid;
        let collateral = self.collateral.sub_c(gross)?;
        // Under revision 6 the executed part's value at request leaves the pending
        // withdrawals as the gross leaves `C`: the skew moves only by their difference.
        let leaving = value_at_request.saturating_sub(payout.remaining_value_at_request);
        let withdrawing = self.withdrawals_in_escrow.saturating_sub(leaving);
        let after = self.skew_point_of(collateral, self.escrowed_deposits, withdrawing);
        let skew = if self.is_settled() {
            SkewSettlement {
                ledger: self.skew,
                ..SkewSettlement::default()
            }
        } else {
            settle(
                &self.skew,
                self.skew_point(),
                after,
                SkewCause::Withdrawal,
                gross,
                &self.params,
            )?
        };
        check_skew_fee_limit(skew.paid, skew.rebate, gross, max_skew_fee_ratio)?;
        let net = gross.sub_c(skew.paid)?.add_c(skew.rebate)?;
        // A part paid now whose charge takes all of it (a gross of a native unit or
        // two, its charge rounded up) would burn shares for nothing: nothing fits now,
        // the whole stays queued (found by the stress runs of revision 6: a queued
        // rest paid 1 native unit gross, its fee 1, 1,013 share units burnt for 0).
        if net == 0 && payout.shares_burned > 0 && payout.shares_burned < shares {
            return Ok(WithdrawalPayout {
                paid: 0,
                shares_burned: 0,
                remaining_value_at_request: value_at_request,
                ..payout
            });
        }
        payout.skew_fee = skew.paid;
        payout.skew_unfunded = skew.unfunded;
        payout.skew_rebate = skew.rebate;
        payout.paid = net;
        let pending = self.pending_withdraw_shares.sub_c(payout.shares_burned)?;
        self.collateral = collateral;
        self.pending_withdraw_shares = pending;
        self.withdrawals_in_escrow = withdrawing;
        self.skew = skew.ledger;
        Ok(payout)
    }
}
