//! The engine's error enum. The program maps each variant to a named program error.

/// Why an engine computation refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// An intermediate result left the range of its integer type.
    MathOverflow,
    /// A divisor was zero.
    DivisionByZero,
    /// The oracle price is zero or negative.
    OraclePriceNotPositive,
    /// The oracle exponent is outside the accepted bounds.
    OracleExponentOutOfRange,
    /// The oracle publish time is after `now`.
    OraclePublishTimeInFuture,
    /// The oracle price is older than the maximum age for this action.
    OracleStale,
    /// The oracle price was published before the last price the market accepted.
    OracleOlderThanLast,
    /// The oracle confidence interval is wider than allowed for this action.
    OracleConfidenceTooWide,
    /// A token amount of zero where a positive one is needed.
    ZeroAmount,
    /// The position's equity would fall below its initial margin requirement.
    InsufficientMargin,
    /// The trade would leave a non-zero position below the minimum size.
    PositionBelowMinimumSize,
    /// The trade would make the vault net long (traders net short).
    VaultWouldBeNetLong,
    /// The trade would push traders' net long past `(1 + k) * h * C`.
    OverHedgeCapExceeded,
    /// The trade would break the market's open-interest cap.
    MarketOpenInterestCapExceeded,
    /// The trade would break the per-account open-interest cap.
    AccountOpenInterestCapExceeded,
    /// A reducing trade would leave the position with negative equity.
    PositionBankrupt,
    /// Vault equity is not positive while shares are outstanding.
    VaultEquityNotPositive,
    /// The deposit mints zero shares.
    DepositTooSmall,
    /// The vault's hedge ratio after the deposit is below the depositor's minimum.
    HedgeRatioBelowMinimum,
    /// A parameter is outside its allowed range.
    InvalidParameter,
    /// The position is at or above maintenance margin.
    PositionHealthy,
    /// The position has no size.
    PositionEmpty,
    /// The vault is above maintenance margin: no auto-deleveraging.
    VaultNotInBreach,
    /// Auto-deleveraging closes only profitable positions.
    PositionNotProfitable,
    /// The price was published before the request's due time.
    OraclePublishedBeforeDueTime,
    /// The update is not the first one published at or after the due time (its
    /// previous publish time is not before the due time).
    OracleNotUniqueForDueTime,
    /// The vault does not hold enough tokens to pay this gain now.
    VaultInsufficientCollateral,
    /// The fill is worse than the order's limit price.
    SlippageExceeded,
    /// Auto-deleveraging this position would not lower the vault's requirement (it is
    /// not on the side of the traders' net position).
    DeleverageWrongSide,
    /// The withdrawal pays nothing.
    WithdrawalTooSmall,
    /// The trade would grow the larger side's open interest past what the insurance
    /// fund covers on a `stress_move` gap.
    InsuranceCapacityExceeded,
    /// The market is paused: deposits and risk-increasing trades are stopped.
    MarketPaused,
    /// The market is reduce-only while the vault is in margin breach.
    MarketReduceOnly,
    /// The market is settled: only closing and withdrawals are allowed.
    MarketSettled,
    /// The position still has size.
    PositionNotEmpty,
    /// A margin withdrawal exceeds `min(margin, equity - initial margin)`.
    WithdrawExceedsFreeMargin,
    /// The request's due time has not come.
    RequestNotDue,
    /// From its due time on, a request can only be executed, never cancelled: a
    /// cancel after a price for the due time exists would be a free option.
    RequestLocked,
    /// Only the request's owner may cancel it.
    NotRequestOwner,
    /// The confirmation update is not the first one published at or after the
    /// liquidation price's publish time minus `liquidation_confirmation`.
    ConfirmationNotUnique,
    /// The confirmation update is not published before the liquidation price.
    ConfirmationNotEarlier,
    /// The position is not liquidatable (the vault not in breach) at the confirmation
    /// price: a move shorter than `liquidation_confirmation` does not liquidate.
    LiquidationNotConfirmed,
    /// A deposit would mint more shares than the share mint can hold: the vault's
    /// equity per share is too small to price it (a vault that lost nearly
    /// everything). The deposit is refunded.
    SharePriceTooLow,
    /// The skew potential's fee is above the bound the request set (its share of the
    /// amount): the request is cancelled, its tokens or shares returned.
    SkewFeeAboveLimit,
}
